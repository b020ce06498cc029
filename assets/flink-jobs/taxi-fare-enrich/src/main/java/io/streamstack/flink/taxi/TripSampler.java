package io.streamstack.flink.taxi;

import io.streamstack.flink.common.JobMetrics;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichFilterFunction;
import org.apache.flink.metrics.Counter;

/**
 * Keeps a deterministic 1 in {@code every} of the rides, chosen by trip id alone (so a replay,
 * another parallelism or another run keeps exactly the same rides).
 *
 * <ul>
 *   <li>An id ending in {@code -} and decimal digits (the producer writes {@code SEED-COUNTER},
 *       e.g. {@code 0000002a-0000000120}) is kept when that number is a multiple of {@code every}:
 *       with the default 20, trips 20, 40, 60, ... of each producer run.
 *   <li>Any other id (no {@code -}, or something other than digits after the last {@code -}) is
 *       kept when the CRC32 of its UTF-8 bytes, read as an unsigned 32-bit number, is a multiple of
 *       {@code every}.
 * </ul>
 *
 * <p>{@code every <= 1} keeps every ride. Kept rides are counted in {@code
 * kinesisanalytics.sampledRides} (the group Managed Flink exports).
 */
public final class TripSampler extends RichFilterFunction<TaxiRide> {
    private static final long serialVersionUID = 1L;

    private final int every;
    private transient Counter sampled;

    public TripSampler(int every) {
        this.every = every;
    }

    @Override
    public void open(OpenContext ctx) {
        sampled = JobMetrics.group(getRuntimeContext()).counter("sampledRides");
    }

    @Override
    public boolean filter(TaxiRide ride) {
        boolean keep = keep(ride.getTripId(), every);
        if (keep) {
            sampled.inc();
        }
        return keep;
    }

    /** Whether the ride with this id is in the sample. */
    public static boolean keep(String tripId, int every) {
        if (every <= 1) {
            return true;
        }
        int dash = tripId.lastIndexOf('-');
        String suffix = tripId.substring(dash + 1);
        if (dash >= 0 && !suffix.isEmpty() && allDigits(suffix)) {
            // Digit by digit, so any length works without overflow.
            long rem = 0;
            for (int i = 0; i < suffix.length(); i++) {
                rem = (rem * 10 + (suffix.charAt(i) - '0')) % every;
            }
            return rem == 0;
        }
        CRC32 crc = new CRC32();
        crc.update(tripId.getBytes(StandardCharsets.UTF_8));
        return crc.getValue() % every == 0;
    }

    private static boolean allDigits(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return true;
    }
}
