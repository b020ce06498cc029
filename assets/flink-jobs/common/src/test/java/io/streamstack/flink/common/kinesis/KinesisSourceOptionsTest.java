package io.streamstack.flink.common.kinesis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.apache.flink.configuration.Configuration;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sts.auth.StsAssumeRoleCredentialsProvider;

/**
 * Issue 19, defect 4: options that would be accepted and ignored are refused at job start, with one
 * line.
 */
class KinesisSourceOptionsTest {
    static final String ARN = "arn:aws:kinesis:eu-west-1:123456789012:stream/orders";

    static Configuration conf(Map<String, String> m) {
        Configuration c = new Configuration();
        m.forEach(c::setString);
        return c;
    }

    static void refused(Map<String, String> options, String... mentions) {
        assertThatThrownBy(() -> KinesisSourceOptions.validate(ARN, conf(options)))
                .as("defect 4: %s must be refused at job start", options)
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageNotContaining("\n")
                .hasMessageContainingAll(mentions);
    }

    /** The single option {@code key}: refused, the message naming it and {@code mentions}. */
    static void refusedNaming(String key, String value, String... mentions) {
        String[] all = new String[mentions.length + 1];
        all[0] = key;
        System.arraycopy(mentions, 0, all, 1, mentions.length);
        refused(Map.of(key, value), all);
    }

    static void accepted(Map<String, String> options) {
        assertThatCode(() -> KinesisSourceOptions.validate(ARN, conf(options)))
                .doesNotThrowAnyException();
    }

    @Test
    void enhancedFanOutIsRefused() {
        refusedNaming("source.reader.type", "EFO", "EFO", "POLLING");
        refusedNaming("source.efo.consumer.name", "c1");
        refusedNaming("source.efo.lifecycle", "SELF_MANAGED");
        accepted(Map.of("source.reader.type", "POLLING"));
    }

    @Test
    void unknownAwsAndSourceKeysAreRefused() {
        refusedNaming(
                "source.shard.get-records.intervall",
                "200 ms",
                "source.shard.get-records.interval");
        refusedNaming("aws.credentials.provider.profile.name", "dev");
        refusedNaming("aws.kinesis.endpoint", "http://x");
        // Keys outside aws.* and source.* are the job's own properties, not the source's.
        accepted(Map.of("OutputPath", "s3://b"));
    }

    @Test
    void aRegionThatContradictsTheStreamArnIsRefused() {
        refusedNaming("aws.region", "us-east-1", "us-east-1", "eu-west-1");
        assertThat(KinesisSourceOptions.region(ARN, conf(Map.of("aws.region", "eu-west-1"))))
                .isEqualTo(Region.EU_WEST_1);
        assertThat(KinesisSourceOptions.region(ARN, conf(Map.of()))).isEqualTo(Region.EU_WEST_1);
    }

    @Test
    void readLimitsAreChecked() {
        refusedNaming("source.shard.get-records.interval", "50 ms", "200 ms");
        refusedNaming("source.shard.get-records.failure-budget", "0 s");
        refusedNaming("source.shard.get-records.backoff.base", "soon");
        ShardSplitReader.Settings s =
                ShardSplitReader.Settings.from(
                        conf(
                                Map.of(
                                        "source.shard.get-records.interval",
                                        "500 ms",
                                        "source.shard.get-records.failure-budget",
                                        "2 min")));
        assertThat(s.intervalMillis).isEqualTo(500);
        assertThat(s.failureBudgetMillis).isEqualTo(120_000);
        ShardSplitReader.Settings d = ShardSplitReader.Settings.from(new Configuration());
        assertThat(d.intervalMillis)
                .as("at most 5 GetRecords per shard and second by default")
                .isEqualTo(200);
    }

    @Test
    void accessKeysWithoutAProviderMeanBasic() {
        Configuration c =
                conf(
                        Map.of(
                                "aws.credentials.provider.basic.accesskeyid",
                                "AKID",
                                "aws.credentials.provider.basic.secretkey",
                                "SECRET"));
        KinesisSourceOptions.validate(ARN, c);
        assertThat(KinesisSourceOptions.providerKind(c, "aws.credentials.provider"))
                .isEqualTo("BASIC");
        try (KinesisSourceOptions.ClosingCredentials p =
                KinesisSourceOptions.credentials(c, "aws.credentials.provider", Region.EU_WEST_1)) {
            assertThat(p.provider())
                    .as("defect 4: keys without a provider are BASIC")
                    .isInstanceOf(StaticCredentialsProvider.class);
            assertThat(p.resolveCredentials().accessKeyId()).isEqualTo("AKID");
        }
        refused(Map.of("aws.credentials.provider.basic.accesskeyid", "AKID"), "basic.secretkey");
        refused(
                Map.of(
                        "aws.credentials.provider",
                        "AUTO",
                        "aws.credentials.provider.basic.accesskeyid",
                        "AKID"),
                "aws.credentials.provider.basic.accesskeyid",
                "AUTO");
        refused(Map.of("aws.credentials.provider", "PROFILE"), "AUTO, BASIC or ASSUME_ROLE");
    }

    @Test
    void assumeRoleNeedsARoleArnAndTakesTheConnectorsOptions() {
        refused(
                Map.of("aws.credentials.provider", "ASSUME_ROLE"),
                "aws.credentials.provider.role.arn");
        refused(
                Map.of(
                        "aws.credentials.provider",
                        "ASSUME_ROLE",
                        "aws.credentials.provider.role.arn",
                        "my-role"),
                "aws.credentials.provider.role.arn");
        refused(
                Map.of(
                        "aws.credentials.provider",
                        "BASIC",
                        "aws.credentials.provider.basic.accesskeyid",
                        "A",
                        "aws.credentials.provider.basic.secretkey",
                        "S",
                        "aws.credentials.provider.role.arn",
                        "arn:aws:iam::123456789012:role/reader"),
                "aws.credentials.provider.role.arn");
        Configuration c =
                conf(
                        Map.of(
                                "aws.credentials.provider", "ASSUME_ROLE",
                                "aws.credentials.provider.role.arn",
                                        "arn:aws:iam::123456789012:role/reader",
                                "aws.credentials.provider.role.sessionName", "flink",
                                "aws.credentials.provider.role.externalId", "ext-1",
                                "aws.credentials.provider.role.stsEndpoint", "http://127.0.0.1:1",
                                "aws.credentials.provider.role.provider", "BASIC",
                                "aws.credentials.provider.role.provider.basic.accesskeyid", "AKID",
                                "aws.credentials.provider.role.provider.basic.secretkey",
                                        "SECRET"));
        KinesisSourceOptions.validate(ARN, c);
        try (KinesisSourceOptions.ClosingCredentials p =
                KinesisSourceOptions.credentials(c, "aws.credentials.provider", Region.EU_WEST_1)) {
            assertThat(p.provider()).isInstanceOf(StsAssumeRoleCredentialsProvider.class);
        }
    }
}
