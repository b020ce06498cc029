package io.streamstack.flink.taxi;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.stream.IntStream;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Test;

class TripSamplerTest {
    @Test
    void keepsMultiplesOfTheGeneratorsTripCounter() {
        assertThat(TripSampler.keep("0000002a-0000000020", 20)).isTrue();
        assertThat(TripSampler.keep("0000002a-0000000040", 20)).isTrue();
        assertThat(TripSampler.keep("0000002a-0000000021", 20)).isFalse();
        assertThat(TripSampler.keep("0000002a-0000000000", 20)).isTrue();
        // The seed part does not matter, only the counter after the last '-'.
        assertThat(TripSampler.keep("ffffffff-0000000060", 20)).isTrue();
        assertThat(TripSampler.keep("a-b-0000000060", 20)).isTrue();
        // Longer than a long: still exact.
        assertThat(TripSampler.keep("x-" + "9".repeat(30) + "0", 10)).isTrue();
        assertThat(TripSampler.keep("x-" + "9".repeat(30) + "1", 10)).isFalse();
    }

    @Test
    void keepsOneInNOfAProducerRun() {
        long kept =
                IntStream.rangeClosed(1, 1000)
                        .mapToObj(i -> String.format("0000002a-%010d", i))
                        .filter(id -> TripSampler.keep(id, 20))
                        .count();
        assertThat(kept).isEqualTo(50);
    }

    @Test
    void fallsBackToCrc32WithoutANumericSuffix() {
        for (String id :
                new String[] {"ride-abc", "nodash", "trailing-", "x-12a", "\u00e9t\u00e9-\u0661"}) {
            CRC32 crc = new CRC32();
            crc.update(id.getBytes(StandardCharsets.UTF_8));
            for (int n : new int[] {2, 3, 7, 20}) {
                assertThat(TripSampler.keep(id, n))
                        .as(id + " % " + n)
                        .isEqualTo(crc.getValue() % n == 0);
            }
        }
        // About 1 in N of arbitrary ids, deterministically.
        long kept =
                IntStream.range(0, 20_000)
                        .mapToObj(i -> "ride-" + Integer.toHexString(i * 7919) + "z")
                        .filter(id -> TripSampler.keep(id, 20))
                        .count();
        assertThat(kept).isBetween(850L, 1150L);
        assertThat(TripSampler.keep("ride-abc", 20)).isEqualTo(TripSampler.keep("ride-abc", 20));
    }

    @Test
    void everyOneOrLessKeepsAll() {
        assertThat(TripSampler.keep("0000002a-0000000007", 1)).isTrue();
        assertThat(TripSampler.keep("whatever", 0)).isTrue();
    }
}
