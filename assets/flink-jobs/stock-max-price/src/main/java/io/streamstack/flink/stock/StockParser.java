package io.streamstack.flink.stock;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import io.streamstack.flink.common.BadRecordException;
import io.streamstack.flink.common.Json;
import io.streamstack.flink.common.RecordParser;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;

/**
 * Parses one stock record: a JSON object with {@code EVENT_TIME} (an ISO-8601 date-time with {@code
 * Z} or an offset), {@code TICKER} (a non-empty string) and {@code PRICE} (a finite number). Other
 * fields are ignored.
 */
public final class StockParser implements RecordParser<Stock> {
    private static final long serialVersionUID = 1L;

    @Override
    public Stock parse(byte[] data) throws BadRecordException {
        JsonNode root;
        try {
            root = Json.MAPPER.readTree(data);
        } catch (JacksonException e) {
            throw new BadRecordException("not JSON: " + firstLine(e.getOriginalMessage()));
        } catch (java.io.IOException e) {
            throw new BadRecordException("not JSON: " + e.getMessage());
        }
        if (root == null || !root.isObject()) {
            throw new BadRecordException("not a JSON object");
        }
        JsonNode time = root.get("EVENT_TIME");
        if (time == null || !time.isTextual()) {
            throw new BadRecordException("EVENT_TIME must be an ISO-8601 string");
        }
        long eventTime;
        try {
            eventTime =
                    OffsetDateTime.parse(time.asText(), DateTimeFormatter.ISO_OFFSET_DATE_TIME)
                            .toInstant()
                            .toEpochMilli();
        } catch (DateTimeParseException | ArithmeticException e) {
            throw new BadRecordException(
                    "EVENT_TIME is not an ISO-8601 date-time with an offset: "
                            + clip(time.asText()));
        }
        JsonNode ticker = root.get("TICKER");
        if (ticker == null || !ticker.isTextual() || ticker.asText().isBlank()) {
            throw new BadRecordException("TICKER must be a non-empty string");
        }
        JsonNode price = root.get("PRICE");
        if (price == null || !price.isNumber()) {
            throw new BadRecordException("PRICE must be a number");
        }
        double p = price.asDouble();
        if (!Double.isFinite(p)) {
            throw new BadRecordException("PRICE is out of range");
        }
        return new Stock(ticker.asText(), p, eventTime);
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return clip(nl < 0 ? s : s.substring(0, nl));
    }

    private static String clip(String s) {
        return s.length() <= 100 ? s : s.substring(0, 100) + "...";
    }
}
