package io.streamstack.flink.common;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.math.BigInteger;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Random;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import software.amazon.kinesis.retrieval.kpl.Messages;

/** The hand-written de-aggregator against the KCL's {@code AggregatorUtil} on the same inputs. */
class KplDeaggregatorTest {
    private static final String PK = "outer-key";

    private static void assertSameAsKcl(byte[] data) {
        List<UserRecord> ours = KplDeaggregator.deaggregate(PK, data);
        List<UserRecord> kcl = KplTestData.kcl(PK, data);
        assertThat(ours)
                .as("records of %s", Base64.getEncoder().encodeToString(data))
                .isEqualTo(kcl);
    }

    @Test
    void aValidAggregateGivesItsRecordsInOrder() {
        Messages.AggregatedRecord agg =
                Messages.AggregatedRecord.newBuilder()
                        .addPartitionKeyTable("a")
                        .addPartitionKeyTable("b")
                        .addExplicitHashKeyTable("12345")
                        .addRecords(KplTestData.record(1, "one"))
                        .addRecords(KplTestData.record(0, "two").setExplicitHashKeyIndex(0))
                        .build();
        byte[] data = KplTestData.frame(agg.toByteArray());
        KplDeaggregator.Result r = KplDeaggregator.deaggregateChecked(PK, data);
        assertThat(r.problem()).isNull();
        assertThat(r.records())
                .containsExactly(
                        new UserRecord("b", null, "one".getBytes(StandardCharsets.UTF_8), 0, true),
                        new UserRecord(
                                "a", "12345", "two".getBytes(StandardCharsets.UTF_8), 1, true));
        assertSameAsKcl(data);
    }

    @Test
    void randomAggregatesMatchTheKcl() {
        Random rnd = new Random(1);
        for (int i = 0; i < 2000; i++) {
            byte[] data = KplTestData.frame(KplTestData.randomAggregate(rnd, 40).toByteArray());
            assertSameAsKcl(data);
            assertThat(KplDeaggregator.deaggregateChecked(PK, data).problem()).isNull();
        }
    }

    @Test
    void aCorruptedDigestMakesOnePlainRecord() {
        Random rnd = new Random(2);
        for (int i = 0; i < 500; i++) {
            byte[] data = KplTestData.frame(KplTestData.randomAggregate(rnd, 10).toByteArray());
            data[data.length - 1 - rnd.nextInt(16)] ^= (byte) (1 << rnd.nextInt(8));
            assertSameAsKcl(data);
            assertThat(KplDeaggregator.deaggregate(PK, data))
                    .containsExactly(new UserRecord(PK, null, data, 0, false));
        }
    }

    @Test
    void truncatedAggregatesMatchTheKcl() {
        Random rnd = new Random(3);
        for (int i = 0; i < 1000; i++) {
            byte[] proto = KplTestData.randomAggregate(rnd, 10).toByteArray();
            byte[] cut = java.util.Arrays.copyOf(proto, rnd.nextInt(proto.length));
            assertSameAsKcl(KplTestData.frame(cut)); // a valid digest over a truncated protobuf
            byte[] framed = KplTestData.frame(proto);
            assertSameAsKcl(
                    java.util.Arrays.copyOf(framed, rnd.nextInt(framed.length))); // a cut record
        }
    }

    @Test
    void mutatedProtobufsWithValidDigestsMatchTheKcl() {
        // Every parser path: wrong wire types, unknown fields and groups, bad lengths, indexes out
        // of range.
        Random rnd = new Random(4);
        for (int i = 0; i < 20000; i++) {
            byte[] proto = KplTestData.randomAggregate(rnd, 6).toByteArray();
            int mutations = 1 + rnd.nextInt(3);
            for (int m = 0; m < mutations && proto.length > 0; m++) {
                int at = rnd.nextInt(proto.length);
                switch (rnd.nextInt(3)) {
                    case 0:
                        proto[at] = (byte) rnd.nextInt(256);
                        break;
                    case 1:
                        proto[at] ^= (byte) (1 << rnd.nextInt(8));
                        break;
                    default:
                        proto[at] = (byte) (rnd.nextInt(16) << 3 | rnd.nextInt(8));
                        break;
                }
            }
            assertSameAsKcl(KplTestData.frame(proto));
        }
    }

    @Test
    void randomBytesWithValidDigestsMatchTheKcl() {
        Random rnd = new Random(5);
        for (int i = 0; i < 20000; i++) {
            byte[] proto = new byte[rnd.nextInt(64)];
            rnd.nextBytes(proto);
            assertSameAsKcl(KplTestData.frame(proto));
        }
    }

    @Test
    void handBuiltEdgeCasesMatchTheKcl() {
        List<byte[]> protos = new ArrayList<>();
        // An unknown group, nested; an end-group with no group; a deep nest past protobuf's limit
        // of 100.
        protos.add(bytes(0x0a, 1, 'a', 0x2b, 0x08, 1, 0x2c, 0x1a, 4, 0x08, 0, 0x1a, 0));
        protos.add(bytes(0x0a, 1, 'a', 0x2c));
        protos.add(nestedGroups(99));
        protos.add(nestedGroups(100));
        protos.add(nestedGroups(101));
        // Record without data / without a partition key index; a tag without a key.
        protos.add(bytes(0x0a, 1, 'a', 0x1a, 2, 0x08, 0));
        protos.add(bytes(0x0a, 1, 'a', 0x1a, 2, 0x1a, 0));
        protos.add(bytes(0x0a, 1, 'a', 0x1a, 6, 0x08, 0, 0x1a, 0, 0x22, 0));
        // Known field numbers with other wire types are unknown fields.
        protos.add(bytes(0x08, 5, 0x0a, 1, 'a', 0x1a, 4, 0x08, 0, 0x1a, 0, 0x0d, 1, 2, 3, 4));
        // A field number 0, a wire type 6 or 7, an 11-byte varint, a negative length.
        protos.add(bytes(0x0a, 1, 'a', 0x00));
        protos.add(bytes(0x0a, 1, 'a', 0x0e));
        protos.add(bytes(0x0a, 1, 'a', 0x0f));
        protos.add(bytes(0x10, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01));
        protos.add(bytes(0x10, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f));
        protos.add(bytes(0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f));
        // Index 2^32 (0 once cast to int, as the KCL does), a huge index, no records at all.
        protos.add(bytes(0x0a, 1, 'a', 0x1a, 8, 0x08, 0x80, 0x80, 0x80, 0x80, 0x10, 0x1a, 0));
        protos.add(bytes(0x0a, 1, 'a', 0x1a, 6, 0x08, 0xff, 0xff, 0x03, 0x1a, 0));
        protos.add(bytes(0x0a, 1, 'a'));
        // Invalid UTF-8 in a key.
        protos.add(bytes(0x0a, 2, 0xc3, 0x28, 0x1a, 4, 0x08, 0, 0x1a, 0));
        for (byte[] p : protos) {
            assertSameAsKcl(KplTestData.frame(p));
        }
    }

    @Test
    void explicitHashKeysThatAreNotNumbersOrOutOfRangeMatchTheKcl() {
        for (String ehk :
                List.of(
                        "12",
                        "-1",
                        "0",
                        "+5",
                        "x",
                        "",
                        "1e3",
                        "٣",
                        BigInteger.ONE.shiftLeft(128).subtract(BigInteger.ONE).toString(),
                        BigInteger.ONE.shiftLeft(128).toString())) {
            Messages.AggregatedRecord agg =
                    Messages.AggregatedRecord.newBuilder()
                            .addPartitionKeyTable("a")
                            .addExplicitHashKeyTable("7")
                            .addExplicitHashKeyTable(ehk)
                            .addRecords(KplTestData.record(0, "first").setExplicitHashKeyIndex(0))
                            .addRecords(KplTestData.record(0, "second").setExplicitHashKeyIndex(1))
                            .addRecords(KplTestData.record(0, "third"))
                            .build();
            byte[] data = KplTestData.frame(agg.toByteArray());
            assertSameAsKcl(data);
            KplDeaggregator.Result r = KplDeaggregator.deaggregateChecked(PK, data);
            assertThat(r.problem() == null).as(ehk).isEqualTo(r.records().size() == 3);
        }
    }

    @Test
    void recordsPointingOutsideTheTablesLoseTheRestLikeTheKclAndSaySo() {
        byte[] data =
                KplTestData.framedWithKeyA(
                        KplTestData.record(0, "ok"),
                        KplTestData.record(3, "bad"),
                        KplTestData.record(0, "lost"));
        assertSameAsKcl(data);
        KplDeaggregator.Result r = KplDeaggregator.deaggregateChecked(PK, data);
        assertThat(r.records()).hasSize(1);
        assertThat(r.problem()).contains("lost records 1..2").contains("partition key index 3");
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 3, 4, 5, 19, 20, 21, 100})
    void shortAndNonKplDataIsOnePlainRecord(int length) {
        Random rnd = new Random(length);
        byte[] data = new byte[length];
        rnd.nextBytes(data);
        assertSameAsKcl(data);
        assertThat(KplDeaggregator.deaggregate(PK, data))
                .containsExactly(new UserRecord(PK, null, data, 0, false));
        byte[] magicFirst = data.clone();
        System.arraycopy(KplDeaggregator.MAGIC, 0, magicFirst, 0, Math.min(4, length));
        assertSameAsKcl(magicFirst);
        assertSameAsKcl("{\"TICKER\":\"AMZN\"}".getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void randomBinaryMatchesTheKcl() {
        Random rnd = new Random(6);
        for (int i = 0; i < 5000; i++) {
            byte[] data = new byte[rnd.nextInt(200)];
            rnd.nextBytes(data);
            if (rnd.nextBoolean() && data.length >= 4) {
                System.arraycopy(KplDeaggregator.MAGIC, 0, data, 0, 4);
            }
            assertSameAsKcl(data);
        }
    }

    /** The vectors the project's Rust crate kpl-aggregation wrote: NAME.bin and NAME.json. */
    @Test
    void theRustCratesVectorsDeaggregateAsTheRustCrateSaysHereAndInTheKcl()
            throws IOException, URISyntaxException {
        Path dir = Path.of(KplDeaggregatorTest.class.getResource("/kpl-vectors").toURI());
        List<Path> bins;
        try (Stream<Path> s = Files.list(dir)) {
            bins =
                    s.filter(p -> p.toString().endsWith(".bin"))
                            .sorted()
                            .collect(Collectors.toList());
        }
        assertThat(bins)
                .as("KPL vectors in src/test/resources/kpl-vectors (NAME.bin + NAME.json)")
                .isNotEmpty();
        for (Path bin : bins) {
            String name = bin.getFileName().toString().replaceAll("\\.bin$", "");
            Path json = dir.resolve(name + ".json");
            assertThat(json).as("the expectation of %s", name).exists();
            JsonNode expected = Json.MAPPER.readTree(json.toFile());
            String pk = expected.get("partition_key").asText();
            byte[] data = Files.readAllBytes(bin);
            List<UserRecord> ours = KplDeaggregator.deaggregate(pk, data);
            JsonNode records = expected.get("records");
            assertThat(ours).as(name).hasSize(records.size());
            for (int i = 0; i < records.size(); i++) {
                JsonNode r = records.get(i);
                UserRecord u = ours.get(i);
                assertThat(u.partitionKey())
                        .as("%s record %d partition key", name, i)
                        .isEqualTo(r.get("partition_key").asText());
                JsonNode ehk = r.get("explicit_hash_key");
                assertThat(u.explicitHashKey())
                        .as("%s record %d explicit hash key", name, i)
                        .isEqualTo(ehk == null || ehk.isNull() ? null : ehk.asText());
                assertThat(u.data())
                        .as("%s record %d data", name, i)
                        .isEqualTo(Base64.getDecoder().decode(r.get("data_base64").asText()));
            }
            assertThat(ours)
                    .as("%s: ours and the KCL's", name)
                    .isEqualTo(KplTestData.kcl(pk, data));
        }
    }

    private static byte[] bytes(int... b) {
        byte[] out = new byte[b.length];
        for (int i = 0; i < b.length; i++) {
            out[i] = (byte) b[i];
        }
        return out;
    }

    private static byte[] nestedGroups(int depth) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        out.writeBytes(bytes(0x0a, 1, 'a', 0x1a, 4, 0x08, 0, 0x1a, 0));
        for (int i = 0; i < depth; i++) {
            out.write(0x2b); // field 5, start group
        }
        for (int i = 0; i < depth; i++) {
            out.write(0x2c); // field 5, end group
        }
        return out.toByteArray();
    }
}
