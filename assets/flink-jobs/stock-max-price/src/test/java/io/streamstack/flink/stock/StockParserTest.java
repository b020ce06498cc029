package io.streamstack.flink.stock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamstack.flink.common.BadRecordException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class StockParserTest {
    private final StockParser parser = new StockParser();

    private Stock parse(String s) throws BadRecordException {
        return parser.parse(s.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void parsesTheProducersRecords() throws Exception {
        assertThat(
                        parse(
                                "{\"EVENT_TIME\": \"2026-11-24T13:00:01.123Z\", \"TICKER\": \"AMZN\", \"PRICE\": 12.34}"))
                .isEqualTo(
                        new Stock(
                                "AMZN",
                                12.34,
                                Instant.parse("2026-11-24T13:00:01.123Z").toEpochMilli()));
        assertThat(
                        parse(
                                "{\"EVENT_TIME\":\"2026-11-24T15:00:01+02:00\",\"TICKER\":\"A\",\"PRICE\":7,\"X\":[1]}"))
                .isEqualTo(new Stock("A", 7, Instant.parse("2026-11-24T13:00:01Z").toEpochMilli()));
        assertThat(
                        parse(
                                        "{\"EVENT_TIME\":\"2026-11-24T13:00:01.123456789Z\",\"TICKER\":\"A\",\"PRICE\":-0.5}")
                                .getEventTimeMillis())
                .isEqualTo(Instant.parse("2026-11-24T13:00:01.123Z").toEpochMilli());
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "{bad|not JSON",
                "[1,2]|not a JSON object",
                "\"x\"|not a JSON object",
                "|not a JSON object",
                "{\"EVENT_TIME\":\"2026-11-24T13:00:01Z\",\"TICKER\":\"A\",\"PRICE\":1} x|not JSON",
                "{\"TICKER\":\"A\",\"PRICE\":1}|EVENT_TIME must be an ISO-8601 string",
                "{\"EVENT_TIME\":123,\"TICKER\":\"A\",\"PRICE\":1}|EVENT_TIME must be an ISO-8601 string",
                "{\"EVENT_TIME\":\"yesterday\",\"TICKER\":\"A\",\"PRICE\":1}|EVENT_TIME is not an ISO-8601 date-time",
                "{\"EVENT_TIME\":\"2026-11-24T13:00:01\",\"TICKER\":\"A\",\"PRICE\":1}|EVENT_TIME is not an ISO-8601 date-time",
                "{\"EVENT_TIME\":\"2026-11-24T13:00:01Z\",\"PRICE\":1}|TICKER must be a non-empty string",
                "{\"EVENT_TIME\":\"2026-11-24T13:00:01Z\",\"TICKER\":\"\",\"PRICE\":1}|TICKER must be a non-empty string",
                "{\"EVENT_TIME\":\"2026-11-24T13:00:01Z\",\"TICKER\":5,\"PRICE\":1}|TICKER must be a non-empty string",
                "{\"EVENT_TIME\":\"2026-11-24T13:00:01Z\",\"TICKER\":\"A\",\"PRICE\":\"12\"}|PRICE must be a number",
                "{\"EVENT_TIME\":\"2026-11-24T13:00:01Z\",\"TICKER\":\"A\",\"PRICE\":null}|PRICE must be a number",
                "{\"EVENT_TIME\":\"2026-11-24T13:00:01Z\",\"TICKER\":\"A\"}|PRICE must be a number",
                "{\"EVENT_TIME\":\"2026-11-24T13:00:01Z\",\"TICKER\":\"A\",\"PRICE\":1e999}|PRICE is out of range",
                "{\"EVENT_TIME\":\"2026-11-24T13:00:01Z\",\"TICKER\":\"A\",\"PRICE\":NaN}|not JSON",
                "{\"EVENT_TIME\":\"2026-11-24T13:00:01Z\",\"TICKER\":\"A\",\"TICKER\":\"B\",\"PRICE\":1}|not JSON",
            })
    void explainsWhatIsWrong(String input, String reason) {
        assertThatThrownBy(() -> parse(input == null ? "" : input))
                .isInstanceOf(BadRecordException.class)
                .hasMessageStartingWith(reason);
    }

    @Test
    void garbageIsABadRecordAndNothingElse() {
        Random rnd = new Random(3);
        for (int i = 0; i < 20000; i++) {
            byte[] data = new byte[rnd.nextInt(64)];
            rnd.nextBytes(data);
            if (i % 2 == 0 && data.length > 0) {
                data[0] = '{';
            }
            try {
                parser.parse(data);
            } catch (BadRecordException e) {
                assertThat(e.reason()).isNotBlank();
            }
        }
        byte[] deep = "[".repeat(100_000).getBytes(StandardCharsets.US_ASCII);
        assertThatThrownBy(() -> parser.parse(deep)).isInstanceOf(BadRecordException.class);
    }
}
