package io.streamstack.flink.taxi;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.streamstack.flink.common.BadRecordException;
import io.streamstack.flink.common.Json;
import io.streamstack.flink.common.RecordParser;
import java.io.IOException;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;

/**
 * Parses the producer's taxi JSON records into {@link TaxiRide}s and writes rides back as JSON.
 *
 * <p>Strict about what the rest of the job relies on: an object with every generator field, the
 * right JSON type for each (numbers as numbers, ids and times as strings), finite numbers, integral
 * counts, RFC 3339 timestamps with an offset. Ranges (coordinates, passengers) are the fare
 * endpoint's business: it answers 400 naming the field, which the job records as a failed request.
 */
public final class TaxiRides {
    /** Records longer than this are rejected unread (a ride is about 330 bytes). */
    public static final int MAX_RECORD_BYTES = 16 * 1024;

    /** common's strict mapper: one document, no trailing tokens, no duplicate keys. */
    static final ObjectMapper MAPPER = Json.MAPPER;

    /** The parser the Kinesis source runs on every user record. */
    public static final class Parser implements RecordParser<TaxiRide> {
        private static final long serialVersionUID = 1L;

        @Override
        public TaxiRide parse(byte[] data) throws BadRecordException {
            return TaxiRides.parse(data);
        }
    }

    private TaxiRides() {}

    /**
     * Parses one record (UTF-8 JSON object); a {@link BadRecordException} names the field and what
     * was expected.
     */
    public static TaxiRide parse(byte[] bytes) throws BadRecordException {
        if (bytes == null || bytes.length == 0) {
            throw new BadRecordException("empty record");
        }
        if (bytes.length > MAX_RECORD_BYTES) {
            throw new BadRecordException(
                    "record of " + bytes.length + " bytes exceeds " + MAX_RECORD_BYTES);
        }
        JsonNode root;
        try {
            root = MAPPER.readTree(bytes);
        } catch (IOException e) {
            throw new BadRecordException("not JSON: " + firstLine(e));
        }
        if (root == null || !root.isObject()) {
            throw new BadRecordException("expected a JSON object");
        }
        TaxiRide r = new TaxiRide();
        r.setTripId(text(root, "trip_id"));
        if (r.getTripId().isBlank()) {
            throw new BadRecordException("trip_id: empty");
        }
        r.setVendorId(integer(root, "vendor_id"));
        r.setPickupDatetime(text(root, "pickup_datetime"));
        r.setPickupMillis(epochMillis(r.getPickupDatetime(), "pickup_datetime"));
        r.setDropoffDatetime(text(root, "dropoff_datetime"));
        epochMillis(r.getDropoffDatetime(), "dropoff_datetime");
        r.setPassengerCount(integer(root, "passenger_count"));
        r.setPickupLongitude(number(root, "pickup_longitude"));
        r.setPickupLatitude(number(root, "pickup_latitude"));
        r.setDropoffLongitude(number(root, "dropoff_longitude"));
        r.setDropoffLatitude(number(root, "dropoff_latitude"));
        r.setTripDistance(number(root, "trip_distance"));
        r.setFareAmount(number(root, "fare_amount"));
        r.setPaymentType(text(root, "payment_type"));
        return r;
    }

    /** The ride's fields under the generator's names, in the generator's order. */
    public static ObjectNode toJson(TaxiRide r) {
        ObjectNode o = MAPPER.createObjectNode();
        o.put("trip_id", r.getTripId());
        o.put("vendor_id", r.getVendorId());
        o.put("pickup_datetime", r.getPickupDatetime());
        o.put("dropoff_datetime", r.getDropoffDatetime());
        o.put("passenger_count", r.getPassengerCount());
        o.put("pickup_longitude", r.getPickupLongitude());
        o.put("pickup_latitude", r.getPickupLatitude());
        o.put("dropoff_longitude", r.getDropoffLongitude());
        o.put("dropoff_latitude", r.getDropoffLatitude());
        o.put("trip_distance", r.getTripDistance());
        o.put("fare_amount", r.getFareAmount());
        o.put("payment_type", r.getPaymentType());
        return o;
    }

    static String write(JsonNode node) {
        try {
            return MAPPER.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            // A tree of plain nodes always serializes.
            throw new IllegalStateException(e);
        }
    }

    private static JsonNode field(JsonNode root, String name) throws BadRecordException {
        JsonNode v = root.get(name);
        if (v == null || v.isNull()) {
            throw new BadRecordException(name + ": missing");
        }
        return v;
    }

    private static String text(JsonNode root, String name) throws BadRecordException {
        JsonNode v = field(root, name);
        if (!v.isTextual()) {
            throw new BadRecordException(name + ": expected a string, got " + v.getNodeType());
        }
        return v.textValue();
    }

    private static int integer(JsonNode root, String name) throws BadRecordException {
        JsonNode v = field(root, name);
        if (!v.isIntegralNumber() || !v.canConvertToInt()) {
            throw new BadRecordException(name + ": expected an integer, got " + v);
        }
        return v.intValue();
    }

    private static double number(JsonNode root, String name) throws BadRecordException {
        JsonNode v = field(root, name);
        if (!v.isNumber() || !Double.isFinite(v.doubleValue())) {
            throw new BadRecordException(name + ": expected a finite number, got " + v);
        }
        return v.doubleValue();
    }

    private static long epochMillis(String s, String name) throws BadRecordException {
        try {
            return OffsetDateTime.parse(s, DateTimeFormatter.ISO_OFFSET_DATE_TIME)
                    .toInstant()
                    .toEpochMilli();
        } catch (DateTimeParseException | ArithmeticException e) {
            throw new BadRecordException(name + ": not an RFC 3339 timestamp: " + abbreviate(s));
        }
    }

    private static String firstLine(Exception e) {
        String m = String.valueOf(e.getMessage());
        int nl = m.indexOf('\n');
        return abbreviate(nl < 0 ? m : m.substring(0, nl));
    }

    static String abbreviate(String s) {
        return s.length() <= 120 ? s : s.substring(0, 120) + "...";
    }
}
