package io.streamstack.flink.taxi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.streamstack.flink.common.BadRecordException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class TaxiRidesTest {
    /** A record exactly as the producer's taxi generator writes it. */
    static final String RIDE =
            "{\"trip_id\":\"0000002a-0000000120\",\"vendor_id\":2,"
                    + "\"pickup_datetime\":\"2026-11-24T08:30:00.123Z\",\"dropoff_datetime\":\"2026-11-24T08:41:10.123Z\","
                    + "\"passenger_count\":3,\"pickup_longitude\":-73.981234,\"pickup_latitude\":40.751234,"
                    + "\"dropoff_longitude\":-73.950001,\"dropoff_latitude\":40.780002,\"trip_distance\":2.31,"
                    + "\"fare_amount\":14.36,\"payment_type\":\"CRD\"}";

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void parsesTheGeneratorsRecord() throws Exception {
        TaxiRide r = TaxiRides.parse(bytes(RIDE + "\n"));
        assertThat(r.getTripId()).isEqualTo("0000002a-0000000120");
        assertThat(r.getVendorId()).isEqualTo(2);
        assertThat(r.getPassengerCount()).isEqualTo(3);
        assertThat(r.getPickupLongitude()).isEqualTo(-73.981234);
        assertThat(r.getPickupLatitude()).isEqualTo(40.751234);
        assertThat(r.getDropoffLongitude()).isEqualTo(-73.950001);
        assertThat(r.getDropoffLatitude()).isEqualTo(40.780002);
        assertThat(r.getTripDistance()).isEqualTo(2.31);
        assertThat(r.getFareAmount()).isEqualTo(14.36);
        assertThat(r.getPaymentType()).isEqualTo("CRD");
        assertThat(r.getPickupDatetime()).isEqualTo("2026-11-24T08:30:00.123Z");
        assertThat(r.getPickupMillis())
                .isEqualTo(Instant.parse("2026-11-24T08:30:00.123Z").toEpochMilli());
    }

    @Test
    void writesTheSameFieldsBack() throws Exception {
        TaxiRide r = TaxiRides.parse(bytes(RIDE));
        JsonNode back = TaxiRides.MAPPER.readTree(TaxiRides.write(TaxiRides.toJson(r)));
        assertThat(back).isEqualTo(TaxiRides.MAPPER.readTree(RIDE));
        assertThat(TaxiRides.parse(bytes(TaxiRides.write(back)))).isEqualTo(r);
    }

    @Test
    void acceptsAnOffsetAndConvertsItToUtc() throws Exception {
        TaxiRide r =
                TaxiRides.parse(
                        bytes(
                                RIDE.replace(
                                        "2026-11-24T08:30:00.123Z", "2026-11-24T09:30:00+01:00")));
        assertThat(r.getPickupMillis())
                .isEqualTo(Instant.parse("2026-11-24T08:30:00Z").toEpochMilli());
    }

    @Test
    void rejectsMalformedRecordsNamingTheProblem() {
        assertRejected("", "empty");
        assertRejected("{\"trip_id\":", "not JSON");
        assertRejected("[1,2,3]", "expected a JSON object");
        assertRejected("42", "expected a JSON object");
        assertRejected(RIDE + " {}", "not JSON");
        assertRejectedEdit("\"vendor_id\":2,", "", "vendor_id: missing");
        assertRejectedEdit("\"vendor_id\":2", "\"vendor_id\":null", "vendor_id: missing");
        assertRejectedEdit(
                "\"vendor_id\":2", "\"vendor_id\":\"2\"", "vendor_id: expected an integer");
        assertRejectedEdit("\"passenger_count\":3", "\"passenger_count\":2.5", "passenger_count");
        assertRejectedEdit(
                "\"passenger_count\":3", "\"passenger_count\":99999999999", "passenger_count");
        assertRejectedEdit(
                "-73.981234", "\"-73.98\"", "pickup_longitude: expected a finite number");
        assertRejectedEdit("\"0000002a-0000000120\"", "120", "trip_id: expected a string");
        assertRejectedEdit("\"0000002a-0000000120\"", "\"  \"", "trip_id: empty");
        assertRejectedEdit(
                "2026-11-24T08:30:00.123Z", "yesterday", "pickup_datetime: not an RFC 3339");
        assertRejectedEdit("2026-11-24T08:41:10.123Z", "2026-11-24T08:41:10", "dropoff_datetime");
        assertRejectedEdit("\"CRD\"", "true", "payment_type: expected a string");
    }

    @Test
    void rejectsBinaryGarbageAndOversizedRecords() {
        byte[] garbage = {(byte) 0xff, (byte) 0xfe, 0x00, 0x01, (byte) 0x80, '{', '"'};
        assertThatThrownBy(() -> TaxiRides.parse(garbage)).isInstanceOf(BadRecordException.class);
        byte[] badUtf8 = bytes(RIDE.replace("CRD", "C\u00e9D"));
        badUtf8[badUtf8.length - 5] = (byte) 0xc3; // keeps the lead byte ...
        badUtf8[badUtf8.length - 4] = (byte) 0x28; // ... with an invalid continuation
        assertThatThrownBy(() -> TaxiRides.parse(badUtf8)).isInstanceOf(BadRecordException.class);
        String big = RIDE.replace("\"CRD\"", "\"" + "x".repeat(TaxiRides.MAX_RECORD_BYTES) + "\"");
        assertThatThrownBy(() -> TaxiRides.parse(bytes(big)))
                .isInstanceOf(BadRecordException.class)
                .hasMessageContaining("exceeds");
        assertThatThrownBy(() -> TaxiRides.parse(null)).hasMessageContaining("empty");
    }

    /** The generator's record with {@code target} replaced: rejected with {@code message}. */
    private static void assertRejectedEdit(String target, String replacement, String message) {
        assertRejected(RIDE.replace(target, replacement), message);
    }

    private static void assertRejected(String record, String message) {
        assertThatThrownBy(() -> TaxiRides.parse(bytes(record)))
                .as(record)
                .isInstanceOf(BadRecordException.class)
                .hasMessageContaining(message);
    }
}
