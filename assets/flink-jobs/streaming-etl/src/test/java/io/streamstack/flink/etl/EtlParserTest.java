package io.streamstack.flink.etl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamstack.flink.common.BadRecordException;
import io.streamstack.flink.common.Json;
import io.streamstack.flink.common.Parsed;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.DecoderFactory;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class EtlParserTest {
    static final String TRIP =
            "{\"trip_id\":\"0000002a-0000000001\",\"vendor_id\":2,"
                    + "\"pickup_datetime\":\"2026-11-24T13:05:07.250Z\",\"dropoff_datetime\":\"2026-11-24T13:20:00Z\","
                    + "\"passenger_count\":3,\"pickup_longitude\":-73.98,\"pickup_latitude\":40.75,\"dropoff_longitude\":-73.9,"
                    + "\"dropoff_latitude\":40.8,\"trip_distance\":4.25,\"fare_amount\":21.13,\"payment_type\":\"CRD\"}";
    static final long PICKUP = 1_795_525_507_250L; // 2026-11-24T13:05:07.250Z

    static final Schema TAXI = new Schema.Parser().parse(EtlSettings.defaultSchema());

    static EtlParser parquetParser(List<String> partitionFields) {
        return new EtlParser(
                "pickup_datetime", partitionFields, null, false, EtlSettings.defaultSchema());
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static GenericRecord decode(byte[] avro) throws Exception {
        return new GenericDatumReader<GenericRecord>(TAXI)
                .read(null, DecoderFactory.get().binaryDecoder(avro, null));
    }

    @Test
    void aTaxiRecordBecomesItsAvroRecordEventTimeAndFolders() throws Exception {
        EtlRecord r = parquetParser(List.of("vendor_id", "payment_type")).parse(bytes(TRIP));
        assertThat(r.getEventTimeMillis()).isEqualTo(PICKUP);
        assertThat(r.getPartition()).isEqualTo("vendor_id=2/payment_type=CRD");
        assertThat(Partitions.bucket(r.getEventTimeMillis(), r.getPartition()))
                .isEqualTo("year=2026/month=11/day=24/hour=13/vendor_id=2/payment_type=CRD");
        assertThat(r.getJson()).as("no sink needs the JSON text").isNull();
        GenericRecord g = decode(r.getAvro());
        assertThat(g.get("trip_id").toString()).isEqualTo("0000002a-0000000001");
        assertThat(g.get("vendor_id")).isEqualTo(2);
        assertThat(g.get("pickup_datetime")).isEqualTo(PICKUP);
        assertThat(g.get("dropoff_datetime")).isEqualTo(1_795_526_400_000L);
        assertThat(g.get("passenger_count")).isEqualTo(3);
        assertThat(g.get("pickup_longitude")).isEqualTo(-73.98);
        assertThat(g.get("trip_distance")).isEqualTo(4.25);
        assertThat(g.get("fare_amount")).isEqualTo(21.13);
        assertThat(g.get("payment_type").toString()).isEqualTo("CRD");
    }

    @Test
    void jsonAndKeyAreKeptWhenASinkNeedsThem() throws Exception {
        EtlParser p = new EtlParser("ts", List.of(), "id", true, null);
        EtlRecord r =
                p.parse(bytes("{ \"ts\": 1700000000123, \"id\": 42, \"x\": [1, {\"y\": null}] }"));
        assertThat(r.getEventTimeMillis()).isEqualTo(1_700_000_000_123L);
        assertThat(r.getKafkaKey()).isEqualTo("42");
        assertThat(r.getJson())
                .isEqualTo("{\"ts\":1700000000123,\"id\":42,\"x\":[1,{\"y\":null}]}");
        assertThat(r.getAvro()).isNull();
        assertThat(
                        p.parse(bytes("{\"ts\": \"2026-11-24T14:05:07.250+01:00\"}"))
                                .getEventTimeMillis())
                .as("an ISO-8601 offset is honoured")
                .isEqualTo(PICKUP);
        assertThat(p.parse(bytes("{\"ts\": 1}")).getKafkaKey()).as("no key field: no key").isNull();
    }

    @Test
    void kinesisKeyAndTheKinesisRecordLimit() throws Exception {
        EtlParser p = new EtlParser("ts", List.of(), null, "id", 40, true, null);
        assertThat(p.parse(bytes("{\"ts\":1,\"id\":\"abc\"}")).getKinesisKey()).isEqualTo("abc");
        assertThat(p.parse(bytes("{\"ts\":1,\"id\":[1]}")).getKinesisKey())
                .as("not a scalar: a random key")
                .isNull();
        assertThatThrownBy(() -> p.parse(bytes("{\"ts\":1,\"id\":\"" + "x".repeat(40) + "\"}")))
                .as("a record the Kinesis sink cannot send is bad, not a failure of the job")
                .hasMessageContaining("is over the Kinesis sink's 40 bytes");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            textBlock =
                    """
            not json at all                                  | malformed JSON
            {"pickup_datetime": "2026-11-24T13:00:00Z"} trail | malformed JSON
            [1, 2]                                           | not a JSON object
            {"a": 1}                                         | event time field pickup_datetime is missing
            {"pickup_datetime": null}                        | event time field pickup_datetime is missing
            {"pickup_datetime": true}                        | event time field pickup_datetime must be ISO-8601 text or epoch milliseconds, got true
            {"pickup_datetime": 1.5}                         | must be ISO-8601 text or epoch milliseconds, got 1.5
            {"pickup_datetime": "2026-11-24 13:00:00"}       | must be ISO-8601 with a zone (2026-11-24T13:00:05Z) or epoch milliseconds, got "2026-11-24 13:00:00"
            {"pickup_datetime": "2026-11-24T13:00:00"}       | must be ISO-8601 with a zone
            {"pickup_datetime": -1}                          | must be between 1970 and 9999, got -1 ms
            {"pickup_datetime": 253402300800000}             | must be between 1970 and 9999
            """)
    void badInputSaysWhy(String json, String reason) {
        assertThatThrownBy(() -> parquetParser(List.of()).parse(bytes(json)))
                .isInstanceOf(BadRecordException.class)
                .hasMessageContaining(reason);
    }

    @ParameterizedTest(name = "{1}")
    @CsvSource(
            delimiter = '|',
            textBlock =
                    """
            "fare_amount":21.13           | "fare_amount":"21.13"      | schema misfit: field fare_amount wants double, got "21.13"
            "vendor_id":2                 | "vendor_id":2.5            | schema misfit: field vendor_id wants int, got 2.5
            "vendor_id":2                 | "vendor_id":3000000000     | schema misfit: field vendor_id wants int, got 3000000000
            "trip_id":"0000002a-0000000001" | "trip_id":7              | schema misfit: field trip_id wants string, got 7
            "trip_id":"0000002a-0000000001", | "other":1,              | schema misfit: field trip_id is missing or null, the schema wants string
            "payment_type":"CRD"          | "payment_type":null        | schema misfit: field payment_type is missing or null, the schema wants string
            "dropoff_datetime":"2026-11-24T13:20:00Z" | "dropoff_datetime":"soon" | schema misfit: field dropoff_datetime wants long (timestamp-millis, or ISO-8601 text), got "soon"
            """)
    void schemaMisfitsSayWhichFieldAndWhy(String from, String to, String reason) {
        String json = TRIP.replace(from, to);
        assertThat(json).as("test data replaced").isNotEqualTo(TRIP);
        assertThatThrownBy(() -> parquetParser(List.of()).parse(bytes(json)))
                .isInstanceOf(BadRecordException.class)
                .hasMessage(reason);
    }

    @Test
    void unionsDefaultsNestedTypesAndExtraFields() throws Exception {
        Schema s =
                new Schema.Parser()
                        .parse(
                                """
                {"type":"record","name":"R","fields":[
                  {"name":"t","type":"long"},
                  {"name":"opt","type":["null","string"]},
                  {"name":"either","type":["int","string"]},
                  {"name":"dflt","type":"int","default":7},
                  {"name":"tags","type":{"type":"array","items":"string"}},
                  {"name":"attrs","type":{"type":"map","values":"double"}},
                  {"name":"kind","type":{"type":"enum","name":"K","symbols":["A","B"]}},
                  {"name":"inner","type":{"type":"record","name":"I","fields":[{"name":"ok","type":"boolean"}]}}]}""");
        GenericRecord r =
                AvroJson.toRecord(
                        Json.MAPPER.readTree(
                                """
                {"t":1,"either":"x","tags":["a","b"],"attrs":{"k":1},"kind":"B","inner":{"ok":true},"extra":"dropped"}"""),
                        s);
        assertThat(r.get("opt")).isNull();
        assertThat(r.get("either")).isEqualTo("x");
        assertThat(r.get("dflt")).isEqualTo(7);
        assertThat(r.get("tags").toString()).isEqualTo("[a, b]");
        assertThat(r.get("attrs").toString()).isEqualTo("{k=1.0}");
        assertThat(r.get("kind").toString()).isEqualTo("B");
        assertThat(((GenericRecord) r.get("inner")).get("ok")).isEqualTo(true);
        assertThatThrownBy(
                        () ->
                                AvroJson.toRecord(
                                        Json.MAPPER.readTree(
                                                "{\"t\":1,\"either\":true,\"tags\":[],\"attrs\":{},\"kind\":\"A\",\"inner\":{\"ok\":true}}"),
                                        s))
                .hasMessage("schema misfit: field either wants int or string, got true");
        assertThatThrownBy(
                        () ->
                                AvroJson.toRecord(
                                        Json.MAPPER.readTree(
                                                "{\"t\":1,\"either\":1,\"tags\":[\"a\",2],\"attrs\":{},\"kind\":\"C\",\"inner\":{\"ok\":true}}"),
                                        s))
                .hasMessage("schema misfit: field tags[1] wants string, got 2");
        assertThatThrownBy(
                        () ->
                                AvroJson.toRecord(
                                        Json.MAPPER.readTree(
                                                "{\"t\":1,\"either\":1,\"tags\":[],\"attrs\":{},\"kind\":\"C\",\"inner\":{\"ok\":true}}"),
                                        s))
                .hasMessage("schema misfit: field kind wants one of [A, B], got \"C\"");
        assertThatThrownBy(
                        () ->
                                AvroJson.toRecord(
                                        Json.MAPPER.readTree(
                                                "{\"t\":1,\"either\":1,\"tags\":[],\"attrs\":{},\"kind\":\"A\",\"inner\":{}}"),
                                        s))
                .hasMessage(
                        "schema misfit: field inner.ok is missing or null, the schema wants boolean");
    }

    @Test
    void partitionFoldersAreHiveEscapedAndBounded() throws Exception {
        EtlParser p = new EtlParser("t", List.of("a", "b"), null, false, null);
        assertThat(p.parse(bytes("{\"t\":0,\"a\":\"x/y=z%\",\"b\":true}")).getPartition())
                .isEqualTo("a=x%2Fy%3Dz%25/b=true");
        assertThat(p.parse(bytes("{\"t\":0,\"a\":\"\"}")).getPartition())
                .isEqualTo("a=__HIVE_DEFAULT_PARTITION__/b=__HIVE_DEFAULT_PARTITION__");
        assertThat(p.parse(bytes("{\"t\":0,\"a\":\"..\",\"b\":\"\\n\"}")).getPartition())
                .isEqualTo("a=../b=%0A");
        assertThatThrownBy(() -> p.parse(bytes("{\"t\":0,\"a\":{\"x\":1}}")))
                .hasMessage("partition field a must be a string, number or boolean, got an object");
        assertThatThrownBy(() -> p.parse(bytes("{\"t\":0,\"a\":\"" + "x".repeat(129) + "\"}")))
                .hasMessage("partition field a is longer than 128 characters (escaped)");
        assertThat(Partitions.bucket(0, "")).isEqualTo("year=1970/month=01/day=01/hour=00");
        assertThat(Partitions.bucket(EventTimes.MAX_MILLIS, ""))
                .isEqualTo("year=9999/month=12/day=31/hour=23");
    }

    @Test
    void kafkaRecordsNeverThrowAndKeepTheirOrigin() {
        KafkaInput.Deserializer d = new KafkaInput.Deserializer(parquetParser(List.of()), 100);
        Parsed<EtlRecord> bad =
                d.parse(new ConsumerRecord<>("in", 3, 17L, bytes("k1"), bytes("{oops")));
        assertThat(bad.isOk()).isFalse();
        assertThat(bad.getBad().getReason()).startsWith("malformed JSON");
        assertThat(bad.getBad().getStream()).isEqualTo("in");
        assertThat(bad.getBad().getShardId()).isEqualTo("partition-3");
        assertThat(bad.getBad().getSequenceNumber()).isEqualTo("17");
        assertThat(bad.getBad().getPartitionKey()).isEqualTo("k1");
        assertThat(bad.getBad().getDataBase64()).isEqualTo("e29vcHM=");
        assertThat(d.parse(new ConsumerRecord<>("in", 0, 1L, null, null)).getBad().getReason())
                .isEqualTo("empty record (no value)");
        assertThat(
                        d.parse(new ConsumerRecord<>("in", 0, 1L, null, new byte[101]))
                                .getBad()
                                .getReason())
                .isEqualTo("record of 101 bytes is over MaxRecordBytes 100");
        io.streamstack.flink.common.RecordParser<EtlRecord> throwing =
                data -> {
                    throw new IllegalStateException("boom");
                };
        assertThat(
                        new KafkaInput.Deserializer(throwing, 100)
                                .parse(new ConsumerRecord<>("in", 0, 1L, null, bytes("{}")))
                                .getBad()
                                .getReason())
                .isEqualTo("parser failed: java.lang.IllegalStateException: boom");
    }
}
