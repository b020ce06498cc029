package io.streamstack.flink.etl;

import com.fasterxml.jackson.databind.JsonNode;
import io.streamstack.flink.common.BadRecordException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.LogicalType;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;

/**
 * Maps a JSON object onto an Avro record schema, the way the Parquet files are written. Supported
 * types: null, boolean, int, long, float, double, string, enum, array, map, record and unions of
 * them; {@code timestamp-millis} and {@code timestamp-micros} longs also take ISO-8601 text. A JSON
 * field the schema lacks is left out; a schema field the JSON lacks takes its default, or null when
 * its type allows null, else the record does not fit. Numbers are never turned into strings nor
 * strings into numbers.
 */
public final class AvroJson {
    private AvroJson() {}

    /**
     * Checks at start that the schema is a record of supported types; the message is the one line
     * to show.
     */
    public static void checkSchema(Schema schema) {
        if (schema.getType() != Schema.Type.RECORD) {
            throw new IllegalArgumentException(
                    "property OutputSchema must be an Avro record schema, got a "
                            + schema.getType().getName());
        }
        check(schema, schema.getName(), new IdentityHashMap<>());
    }

    private static void check(Schema s, String path, Map<Schema, Boolean> seen) {
        switch (s.getType()) {
            case RECORD:
                if (seen.put(s, Boolean.TRUE) != null) {
                    return;
                }
                for (Schema.Field f : s.getFields()) {
                    check(f.schema(), path + "." + f.name(), seen);
                }
                return;
            case ARRAY:
                check(s.getElementType(), path + "[]", seen);
                return;
            case MAP:
                check(s.getValueType(), path + "{}", seen);
                return;
            case UNION:
                for (Schema b : s.getTypes()) {
                    check(b, path, seen);
                }
                return;
            case BYTES:
            case FIXED:
                throw new IllegalArgumentException(
                        "property OutputSchema: "
                                + path
                                + " is of type "
                                + s.getType().getName()
                                + ", which JSON records cannot fill; use string");
            default:
                return;
        }
    }

    /** The record for the JSON object; never returns null. */
    public static GenericRecord toRecord(JsonNode json, Schema schema) throws BadRecordException {
        if (json == null || !json.isObject()) {
            throw new BadRecordException("schema misfit: the record is not a JSON object");
        }
        return (GenericRecord) convert(json, schema, "");
    }

    private static Object convert(JsonNode n, Schema s, String path) throws BadRecordException {
        boolean absent = n == null || n.isNull() || n.isMissingNode();
        switch (s.getType()) {
            case NULL:
                if (absent) {
                    return null;
                }
                throw misfit(path, "null", n);
            case UNION:
                return union(n, s, path, absent);
            default:
                break;
        }
        if (absent) {
            throw new BadRecordException(
                    "schema misfit: "
                            + where(path)
                            + "is missing or null, the schema wants "
                            + describe(s));
        }
        switch (s.getType()) {
            case BOOLEAN:
                if (n.isBoolean()) {
                    return n.booleanValue();
                }
                throw misfit(path, "boolean", n);
            case INT:
                if (n.isIntegralNumber() && n.canConvertToInt()) {
                    return n.intValue();
                }
                throw misfit(path, "int", n);
            case LONG:
                if (n.isIntegralNumber() && n.canConvertToLong()) {
                    return n.longValue();
                }
                if (n.isTextual() && isTimestamp(s.getLogicalType())) {
                    long millis;
                    try {
                        millis = EventTimes.parseIso(n.textValue());
                    } catch (IllegalArgumentException e) {
                        throw misfit(path, describe(s), n);
                    }
                    return s.getLogicalType() instanceof LogicalTypes.TimestampMicros
                            ? Math.multiplyExact(millis, 1000L)
                            : millis;
                }
                throw misfit(path, describe(s), n);
            case FLOAT:
                if (n.isNumber()) {
                    return n.floatValue();
                }
                throw misfit(path, "float", n);
            case DOUBLE:
                if (n.isNumber()) {
                    return n.doubleValue();
                }
                throw misfit(path, "double", n);
            case STRING:
                if (n.isTextual()) {
                    return n.textValue();
                }
                throw misfit(path, "string", n);
            case ENUM:
                if (n.isTextual() && s.hasEnumSymbol(n.textValue())) {
                    return new GenericData.EnumSymbol(s, n.textValue());
                }
                throw misfit(path, "one of " + s.getEnumSymbols(), n);
            case ARRAY:
                {
                    if (!n.isArray()) {
                        throw misfit(path, "array", n);
                    }
                    List<Object> out = new ArrayList<>(n.size());
                    int i = 0;
                    for (JsonNode e : n) {
                        out.add(convert(e, s.getElementType(), path + "[" + i++ + "]"));
                    }
                    return new GenericData.Array<>(s, out);
                }
            case MAP:
                {
                    if (!n.isObject()) {
                        throw misfit(path, "object (map)", n);
                    }
                    Map<String, Object> out = new HashMap<>();
                    for (Map.Entry<String, JsonNode> e : n.properties()) {
                        out.put(
                                e.getKey(),
                                convert(e.getValue(), s.getValueType(), path + "." + e.getKey()));
                    }
                    return out;
                }
            case RECORD:
                {
                    if (!n.isObject()) {
                        throw misfit(path, "object (record " + s.getName() + ")", n);
                    }
                    GenericData.Record r = new GenericData.Record(s);
                    for (Schema.Field f : s.getFields()) {
                        String fp = path.isEmpty() ? f.name() : path + "." + f.name();
                        JsonNode v = n.get(f.name());
                        if ((v == null || v.isMissingNode()) && f.hasDefaultValue()) {
                            r.put(f.pos(), GenericData.get().getDefaultValue(f));
                        } else {
                            r.put(f.pos(), convert(v, f.schema(), fp));
                        }
                    }
                    return r;
                }
            default:
                throw new BadRecordException(
                        "schema misfit: " + where(path) + "has unsupported type " + s.getType());
        }
    }

    private static Object union(JsonNode n, Schema s, String path, boolean absent)
            throws BadRecordException {
        if (absent) {
            for (Schema b : s.getTypes()) {
                if (b.getType() == Schema.Type.NULL) {
                    return null;
                }
            }
            throw new BadRecordException(
                    "schema misfit: "
                            + where(path)
                            + "is missing or null, the schema wants "
                            + describe(s));
        }
        for (Schema b : s.getTypes()) {
            if (b.getType() == Schema.Type.NULL) {
                continue;
            }
            try {
                return convert(n, b, path);
            } catch (BadRecordException e) {
                // try the next branch
            }
        }
        throw misfit(path, describe(s), n);
    }

    private static boolean isTimestamp(LogicalType t) {
        return t instanceof LogicalTypes.TimestampMillis
                || t instanceof LogicalTypes.TimestampMicros;
    }

    private static String describe(Schema s) {
        if (s.getType() == Schema.Type.UNION) {
            List<String> names = new ArrayList<>();
            for (Schema b : s.getTypes()) {
                names.add(describe(b));
            }
            return String.join(" or ", names);
        }
        if (s.getLogicalType() != null) {
            return s.getType().getName()
                    + " ("
                    + s.getLogicalType().getName()
                    + ", or ISO-8601 text)";
        }
        return s.getType().getName();
    }

    private static String where(String path) {
        return path.isEmpty() ? "the record " : "field " + path + " ";
    }

    private static BadRecordException misfit(String path, String wanted, JsonNode got) {
        String shown = got.toString();
        if (shown.length() > 60) {
            shown = shown.substring(0, 57) + "...";
        }
        return new BadRecordException(
                "schema misfit: " + where(path) + "wants " + wanted + ", got " + shown);
    }
}
