package io.streamstack.flink.common.kinesis;

/**
 * A simulated clock: waiting moves time on at once, so the reader's pacing is tested without
 * sleeping.
 */
final class FakeClock implements ShardSplitReader.Clock {
    long now;

    @Override
    public long nowMillis() {
        return now;
    }

    @Override
    public void waitOn(Object monitor, long millis) {
        now += millis;
    }
}
