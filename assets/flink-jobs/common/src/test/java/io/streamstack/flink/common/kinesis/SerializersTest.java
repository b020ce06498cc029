package io.streamstack.flink.common.kinesis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamstack.flink.common.KplDeaggregator;
import io.streamstack.flink.common.UserRecord;
import io.streamstack.flink.common.testing.KplAggregates;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.apache.flink.configuration.Configuration;
import org.junit.jupiter.api.Test;

class SerializersTest {
    static final String ARN = "arn:aws:kinesis:us-east-1:000000000000:stream/s";

    @Test
    void splitsRoundTripWithEveryPosition() throws Exception {
        ShardSplitSerializer s = new ShardSplitSerializer();
        for (StartingPosition p :
                List.of(
                        StartingPosition.trimHorizon(),
                        StartingPosition.latest(),
                        StartingPosition.atTimestamp(
                                Instant.parse("2026-11-24T13:00:01.123456789Z")),
                        StartingPosition.afterSequenceNumber(
                                "49590338271490256608559692538361571095921575989136588898"))) {
            for (ShardSplit split :
                    List.of(
                            new ShardSplit(ARN, "shardId-000000000002", List.of(), p, false),
                            new ShardSplit(
                                    ARN,
                                    "shardId-000000000003",
                                    List.of("shardId-000000000000", "shardId-000000000001"),
                                    p,
                                    true))) {
                assertThat(s.deserialize(s.getVersion(), s.serialize(split))).isEqualTo(split);
            }
        }
        assertThatThrownBy(() -> s.deserialize(99, new byte[0])).hasMessageContaining("version 99");
    }

    @Test
    void enumeratorStateRoundTrips() throws Exception {
        EnumeratorState.Serializer s = new EnumeratorState.Serializer();
        EnumeratorState state =
                new EnumeratorState(
                        List.of(
                                new ShardSplit(
                                        ARN,
                                        "shardId-000000000000",
                                        List.of(),
                                        StartingPosition.trimHorizon(),
                                        false)),
                        List.of(
                                new ShardSplit(
                                        ARN,
                                        "shardId-000000000002",
                                        List.of("shardId-000000000000"),
                                        StartingPosition.trimHorizon(),
                                        false)),
                        Set.of("shardId-000000000001"));
        EnumeratorState back = s.deserialize(s.getVersion(), s.serialize(state));
        assertThat(back.assigned).isEqualTo(state.assigned);
        assertThat(back.pending).isEqualTo(state.pending);
        assertThat(back.finished).isEqualTo(state.finished);
    }

    @Test
    void optionsAreCheckedWithTheKeyAtFault() {
        Configuration c = new Configuration();
        KinesisSourceOptions.validate(ARN, c);
        assertThat(KinesisSourceOptions.region(ARN, c).id()).isEqualTo("us-east-1");
        assertThat(KinesisSourceOptions.streamName(ARN)).isEqualTo("s");
        assertThat(KinesisSourceOptions.initialPosition(c))
                .isEqualTo(StartingPosition.trimHorizon());
        assertThatThrownBy(() -> KinesisSourceOptions.validate("s", c))
                .hasMessageContaining("InputStreamArn");
        c.setString("source.init.position", "EARLIEST");
        assertThatThrownBy(() -> KinesisSourceOptions.validate(ARN, c))
                .hasMessageContaining("source.init.position");
        c.setString("source.init.position", "AT_TIMESTAMP");
        assertThatThrownBy(() -> KinesisSourceOptions.validate(ARN, c))
                .hasMessageContaining("source.init.timestamp");
        c.setString("source.init.timestamp", "2026-11-24T13:00:00Z");
        assertThat(KinesisSourceOptions.initialPosition(c))
                .isEqualTo(StartingPosition.atTimestamp(Instant.parse("2026-11-24T13:00:00Z")));
        c.setString("aws.credentials.provider", "BASIC");
        assertThatThrownBy(() -> KinesisSourceOptions.validate(ARN, c))
                .hasMessageContaining("accesskeyid");
        c.setString("aws.credentials.provider", "AUTO");
        c.setString("aws.http.protocol.version", "HTTP3");
        assertThatThrownBy(() -> KinesisSourceOptions.validate(ARN, c))
                .hasMessageContaining("aws.http.protocol.version");
    }

    @Test
    void theTestAggregatorWritesWhatTheDeaggregatorReads() {
        byte[] agg =
                KplAggregates.aggregate(
                        "k", List.of("a".getBytes(StandardCharsets.UTF_8), new byte[0]));
        assertThat(KplDeaggregator.deaggregate("outer", agg))
                .containsExactly(
                        new UserRecord("k", null, "a".getBytes(StandardCharsets.UTF_8), 0, true),
                        new UserRecord("k", null, new byte[0], 1, true));
    }
}
