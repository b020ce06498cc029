package io.streamstack.flink.taxi;

import java.io.Serializable;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Exponential backoff with jitter between retries of a fare request: retry {@code n} (1-based)
 * waits between half and all of {@code min(max, base * 2^(n-1))}, chosen at random, so that
 * requests failed together by a throttling or failing endpoint do not retry together.
 */
public final class Backoff implements Serializable {
    private static final long serialVersionUID = 1L;

    private final long baseMillis;
    private final long maxMillis;

    public Backoff(long baseMillis, long maxMillis) {
        if (baseMillis < 1 || maxMillis < baseMillis) {
            throw new IllegalArgumentException(
                    "backoff needs 1 <= base <= max, got " + baseMillis + " and " + maxMillis);
        }
        this.baseMillis = baseMillis;
        this.maxMillis = maxMillis;
    }

    /** The ceiling of the wait before retry {@code retry} (1-based). */
    public long ceilingMillis(int retry) {
        int shift = Math.min(Math.max(retry - 1, 0), 30);
        return Math.min(maxMillis, baseMillis << shift);
    }

    /** The wait before retry {@code retry} (1-based): in {@code [ceiling/2, ceiling]}. */
    public long delayMillis(int retry) {
        long ceiling = ceilingMillis(retry);
        long half = ceiling / 2;
        return half + ThreadLocalRandom.current().nextLong(ceiling - half + 1);
    }
}
