package io.streamstack.flink.common.kinesis;

import org.apache.flink.connector.base.source.reader.RecordsWithSplitIds;
import org.apache.flink.connector.base.source.reader.splitreader.SplitReader;
import org.apache.flink.connector.base.source.reader.splitreader.SplitsChange;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.kinesis.KinesisClient;
import software.amazon.awssdk.services.kinesis.model.ExpiredIteratorException;
import software.amazon.awssdk.services.kinesis.model.GetRecordsResponse;
import software.amazon.awssdk.services.kinesis.model.GetShardIteratorRequest;
import software.amazon.awssdk.services.kinesis.model.Record;
import software.amazon.awssdk.services.kinesis.model.ResourceNotFoundException;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.Collections;
import java.util.Deque;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Polls GetRecords for its shards in turn (the fetcher thread). After an empty answer a shard waits
 * {@code source.reader.empty-records-fetch-interval}; after a failed call it backs off (up to 10 s) and,
 * after 10 failures in a row, fails the job. An expired iterator is renewed after the last record read.
 */
final class ShardSplitReader implements SplitReader<Record, ShardSplit> {
    private static final Logger LOG = LoggerFactory.getLogger(ShardSplitReader.class);
    private static final int MAX_CONSECUTIVE_FAILURES = 10;

    private final KinesisClient kinesis;
    private final int maxRecords;
    private final long emptyIntervalMillis;
    private final Map<String, AtomicLong> millisBehindLatest;
    private final Deque<ShardReadState> shards = new ArrayDeque<>();
    private final Set<String> paused = new HashSet<>();
    private final Object wake = new Object();
    private boolean woken;

    ShardSplitReader(KinesisClient kinesis, int maxRecords, long emptyIntervalMillis,
            Map<String, AtomicLong> millisBehindLatest) {
        this.kinesis = kinesis;
        this.maxRecords = maxRecords;
        this.emptyIntervalMillis = emptyIntervalMillis;
        this.millisBehindLatest = millisBehindLatest;
    }

    private static final class ShardReadState {
        final ShardSplit split;
        String iterator;
        String lastReadSequenceNumber;
        long nextFetchAt;
        int failures;

        ShardReadState(ShardSplit split) {
            this.split = split;
        }
    }

    @Override
    public RecordsWithSplitIds<Record> fetch() throws IOException {
        ShardReadState s = nextDue();
        if (s == null) {
            return Batch.EMPTY;
        }
        GetRecordsResponse response;
        try {
            if (s.iterator == null) {
                s.iterator = iterator(s);
            }
            response = kinesis.getRecords(b -> b.streamARN(s.split.streamArn()).shardIterator(s.iterator).limit(maxRecords));
            s.failures = 0;
        } catch (ExpiredIteratorException e) {
            LOG.info("Shard iterator of {} expired; renewing it", s.split.shardId());
            s.iterator = null;
            shards.addLast(s);
            return Batch.EMPTY;
        } catch (ResourceNotFoundException e) {
            LOG.warn("Shard {} no longer exists: it is finished ({})", s.split.shardId(), e.getMessage());
            return new Batch(Collections.emptyList(), s.split.shardId(), true);
        } catch (SdkException e) {
            s.failures++;
            if (s.failures >= MAX_CONSECUTIVE_FAILURES) {
                throw new IOException("GetRecords on " + s.split.shardId() + " failed " + s.failures + " times in a row", e);
            }
            long backoff = Math.min(10_000L, 200L << Math.min(s.failures, 6));
            LOG.warn("GetRecords on {} failed ({} in a row), retrying in {} ms: {}", s.split.shardId(), s.failures,
                    backoff, e.toString());
            s.iterator = null;
            s.nextFetchAt = System.currentTimeMillis() + backoff;
            shards.addLast(s);
            return Batch.EMPTY;
        }

        List<Record> records = response.records();
        if (response.millisBehindLatest() != null) {
            AtomicLong gauge = millisBehindLatest.get(s.split.shardId());
            if (gauge != null) {
                gauge.set(response.millisBehindLatest());
            }
        }
        boolean finished = response.nextShardIterator() == null;
        if (!records.isEmpty()) {
            s.lastReadSequenceNumber = records.get(records.size() - 1).sequenceNumber();
        } else {
            s.nextFetchAt = System.currentTimeMillis() + emptyIntervalMillis;
        }
        if (finished) {
            LOG.info("Shard {} is closed and read to its end", s.split.shardId());
        } else {
            s.iterator = response.nextShardIterator();
            shards.addLast(s);
        }
        return new Batch(records, s.split.shardId(), finished);
    }

    private String iterator(ShardReadState s) {
        StartingPosition p = s.lastReadSequenceNumber != null
                ? StartingPosition.afterSequenceNumber(s.lastReadSequenceNumber)
                : s.split.startingPosition();
        GetShardIteratorRequest.Builder b = GetShardIteratorRequest.builder()
                .streamARN(s.split.streamArn())
                .shardId(s.split.shardId());
        return kinesis.getShardIterator(p.apply(b).build()).shardIterator();
    }

    /** The next shard whose turn it is, waiting (up to 100 ms, or a wake-up) when none is due. */
    private ShardReadState nextDue() throws IOException {
        long now = System.currentTimeMillis();
        long earliest = Long.MAX_VALUE;
        for (int i = 0, n = shards.size(); i < n; i++) {
            ShardReadState s = shards.pollFirst();
            if (!paused.contains(s.split.shardId()) && s.nextFetchAt <= now) {
                return s;
            }
            if (!paused.contains(s.split.shardId())) {
                earliest = Math.min(earliest, s.nextFetchAt);
            }
            shards.addLast(s);
        }
        long wait = earliest == Long.MAX_VALUE ? 100 : Math.max(1, Math.min(100, earliest - now));
        synchronized (wake) {
            if (!woken) {
                try {
                    wake.wait(wait);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted while waiting for a shard's turn", e);
                }
            }
            woken = false;
        }
        return null;
    }

    @Override
    public void handleSplitsChanges(SplitsChange<ShardSplit> change) {
        for (ShardSplit split : change.splits()) {
            shards.addLast(new ShardReadState(split));
        }
    }

    @Override
    public void wakeUp() {
        synchronized (wake) {
            woken = true;
            wake.notifyAll();
        }
    }

    @Override
    public void pauseOrResumeSplits(Collection<ShardSplit> toPause, Collection<ShardSplit> toResume) {
        toPause.forEach(s -> paused.add(s.splitId()));
        toResume.forEach(s -> paused.remove(s.splitId()));
    }

    @Override
    public void close() {
        kinesis.close();
    }

    /** The records of one GetRecords call of one shard. */
    static final class Batch implements RecordsWithSplitIds<Record> {
        static final Batch EMPTY = new Batch(Collections.emptyList(), null, false);

        private final Iterator<Record> records;
        private final String shardId;
        private final boolean finished;
        private boolean splitReturned;

        Batch(List<Record> records, String shardId, boolean finished) {
            this.records = records.iterator();
            this.shardId = shardId;
            this.finished = finished;
        }

        @Override
        public String nextSplit() {
            if (splitReturned || shardId == null || !records.hasNext()) {
                return null;
            }
            splitReturned = true;
            return shardId;
        }

        @Override
        public Record nextRecordFromSplit() {
            return records.hasNext() ? records.next() : null;
        }

        @Override
        public Set<String> finishedSplits() {
            return finished && shardId != null ? Set.of(shardId) : Set.of();
        }
    }
}
