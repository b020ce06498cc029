package io.streamstack.flink.common.kinesis;

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
import java.util.random.RandomGenerator;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.base.source.reader.RecordsWithSplitIds;
import org.apache.flink.connector.base.source.reader.splitreader.SplitReader;
import org.apache.flink.connector.base.source.reader.splitreader.SplitsChange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.kinesis.model.ExpiredIteratorException;
import software.amazon.awssdk.services.kinesis.model.GetRecordsResponse;
import software.amazon.awssdk.services.kinesis.model.Record;
import software.amazon.awssdk.services.kinesis.model.ResourceNotFoundException;

/**
 * Polls GetRecords for its shards in turn (the fetcher thread), within the Kinesis read limits:
 *
 * <ul>
 *   <li>a shard's next GetRecords call starts at least {@code source.shard.get-records.interval}
 *       (200 ms) after the previous call <em>returned</em>: AWS allows 5 reads per second per
 *       shard, shared by every consumer of the stream, and counting from the answer keeps the calls
 *       200 ms apart when they reach the service too, however long each took on the way;
 *   <li>after an answer of B bytes, the shard waits at least B / 2 MiB/s (the per-shard read rate:
 *       after a 10 MB answer AWS throttles the shard's reads for about 5 s), and after an empty
 *       answer {@code source.reader.empty-records-fetch-interval};
 *   <li>on errors a retry can fix (ProvisionedThroughputExceeded, KMS throttling, 5xx, network) the
 *       iterator is kept and the shard backs off exponentially with jitter ({@code
 *       source.shard.get-records.backoff.base} up to {@code .backoff.max}); the job fails only when
 *       a shard has failed without a break for {@code source.shard.get-records.failure-budget} (a
 *       time, not a count);
 *   <li>an expired iterator is renewed after the last record read (never counted as a failure);
 *   <li>errors no retry can fix (access denied, KMS key not usable, invalid request, a deleted
 *       stream) fail the job at once, naming the cause;
 *   <li>a shard whose answer has no next iterator is closed and read to its end: its split is
 *       finished.
 * </ul>
 *
 * The Kinesis calls go through a {@link StreamProxy}, and time through a {@link Clock}, so that
 * this is unit-tested with a fake proxy on a simulated clock ({@code ShardSplitReaderTest}).
 */
final class ShardSplitReader implements SplitReader<Record, ShardSplit> {
    private static final Logger LOG = LoggerFactory.getLogger(ShardSplitReader.class);

    /** The read rate of one shard (AWS: 2 MB per second per shard), in bytes per second. */
    static final long SHARD_READ_BYTES_PER_SECOND = 2L * 1024 * 1024;

    /** Error codes that no retry fixes: the job fails at once with the reason. */
    private static final Map<String, String> UNRECOVERABLE =
            Map.of(
                    "AccessDeniedException",
                            "access denied: the application's role may not read this stream "
                                    + "(kinesis:GetRecords and kinesis:GetShardIterator on the stream ARN)",
                    "KMSAccessDeniedException",
                            "the stream is encrypted with a KMS key the application's role may not "
                                    + "use (kms:Decrypt on the key)",
                    "KMSDisabledException", "the stream's KMS key is disabled",
                    "KMSInvalidStateException",
                            "the stream's KMS key is not usable (disabled or pending deletion)",
                    "KMSNotFoundException", "the stream's KMS key does not exist",
                    "KMSOptInRequired", "the account is not subscribed to KMS",
                    "InvalidArgumentException",
                            "Kinesis refused the request as invalid (check InputStreamArn)",
                    "ValidationException",
                            "Kinesis refused the request as invalid (check InputStreamArn)",
                    "UnrecognizedClientException",
                            "the credentials are not valid (unknown access key)");

    /** Time for the reader: the system's, or a simulated one in tests. */
    interface Clock {
        long nowMillis();

        /**
         * Waits up to {@code millis}, less when {@code monitor} is notified; called holding
         * monitor's lock.
         */
        void waitOn(Object monitor, long millis) throws InterruptedException;

        Clock SYSTEM =
                new Clock() {
                    @Override
                    public long nowMillis() {
                        return System.currentTimeMillis();
                    }

                    @Override
                    public void waitOn(Object monitor, long millis) throws InterruptedException {
                        monitor.wait(millis);
                    }
                };
    }

    /** The reader's settings, from the source's options. */
    static final class Settings {
        final int maxRecords;
        final long intervalMillis;
        final long emptyIntervalMillis;
        final long failureBudgetMillis;
        final long backoffBaseMillis;
        final long backoffMaxMillis;

        Settings(
                int maxRecords,
                long intervalMillis,
                long emptyIntervalMillis,
                long failureBudgetMillis,
                long backoffBaseMillis,
                long backoffMaxMillis) {
            this.maxRecords = maxRecords;
            this.intervalMillis = intervalMillis;
            this.emptyIntervalMillis = emptyIntervalMillis;
            this.failureBudgetMillis = failureBudgetMillis;
            this.backoffBaseMillis = backoffBaseMillis;
            this.backoffMaxMillis = backoffMaxMillis;
        }

        static Settings from(Configuration c) {
            return new Settings(
                    c.get(KinesisSourceOptions.GET_RECORDS_MAX),
                    c.get(KinesisSourceOptions.GET_RECORDS_INTERVAL).toMillis(),
                    c.get(KinesisSourceOptions.EMPTY_RECORDS_FETCH_INTERVAL).toMillis(),
                    c.get(KinesisSourceOptions.GET_RECORDS_FAILURE_BUDGET).toMillis(),
                    c.get(KinesisSourceOptions.GET_RECORDS_BACKOFF_BASE).toMillis(),
                    c.get(KinesisSourceOptions.GET_RECORDS_BACKOFF_MAX).toMillis());
        }
    }

    /** Told of each shard's millisBehindLatest (the fetcher thread). */
    interface ShardListener {
        void millisBehindLatest(String shardId, long millis);
    }

    private final StreamProxy proxy;
    private final Settings settings;
    private final Clock clock;
    private final RandomGenerator random;
    private final ShardListener listener;
    private final Deque<ShardReadState> shards = new ArrayDeque<>();
    private final Set<String> paused = new HashSet<>();
    private final Object wake = new Object();
    private boolean woken;

    ShardSplitReader(
            StreamProxy proxy,
            Settings settings,
            Clock clock,
            RandomGenerator random,
            ShardListener listener) {
        this.proxy = proxy;
        this.settings = settings;
        this.clock = clock;
        this.random = random;
        this.listener = listener;
    }

    private static final class ShardReadState {
        final ShardSplit split;
        String iterator;
        String lastReadSequenceNumber;
        long nextFetchAt;
        int failures;
        long failingSince = -1;

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
        String shardId = s.split.shardId();
        GetRecordsResponse response;
        try {
            if (s.iterator == null) {
                s.iterator = proxy.getShardIterator(s.split.streamArn(), shardId, position(s));
            }
            response = proxy.getRecords(s.split.streamArn(), s.iterator, settings.maxRecords);
        } catch (SdkException e) {
            return onError(s, e);
        }
        s.failures = 0;
        s.failingSince = -1;

        List<Record> records = response.records();
        if (response.millisBehindLatest() != null) {
            listener.millisBehindLatest(shardId, response.millisBehindLatest());
        }
        boolean finished = response.nextShardIterator() == null;
        long bytes = 0;
        for (Record r : records) {
            bytes += r.data().asByteBuffer().remaining();
        }
        long now = clock.nowMillis();
        long next = now + settings.intervalMillis;
        next = Math.max(next, now + bytes * 1000 / SHARD_READ_BYTES_PER_SECOND);
        if (records.isEmpty()) {
            next = Math.max(next, now + settings.emptyIntervalMillis);
        } else {
            s.lastReadSequenceNumber = records.get(records.size() - 1).sequenceNumber();
        }
        s.nextFetchAt = next;
        if (finished) {
            LOG.info("Shard {} is closed and read to its end", shardId);
        } else {
            s.iterator = response.nextShardIterator();
            shards.addLast(s);
        }
        return new Batch(records, shardId, finished);
    }

    private RecordsWithSplitIds<Record> onError(ShardReadState s, SdkException e)
            throws IOException {
        String shardId = s.split.shardId();
        String code = errorCode(e);
        long now = clock.nowMillis();
        if (e instanceof ExpiredIteratorException || "ExpiredIteratorException".equals(code)) {
            LOG.info(
                    "Shard iterator of {} expired; renewing it after {}",
                    shardId,
                    s.lastReadSequenceNumber == null
                            ? s.split.startingPosition()
                            : s.lastReadSequenceNumber);
            s.iterator = null;
            s.nextFetchAt = now + settings.intervalMillis;
            shards.addLast(s);
            return Batch.EMPTY;
        }
        if (e instanceof ResourceNotFoundException || "ResourceNotFoundException".equals(code)) {
            Boolean streamExists;
            try {
                streamExists = proxy.streamExists(s.split.streamArn());
            } catch (SdkException describe) {
                // Not known: retried below like any other error, never taken for a finished shard.
                streamExists = null;
            }
            if (Boolean.FALSE.equals(streamExists)) {
                throw new IOException(
                        "Kinesis stream "
                                + s.split.streamArn()
                                + " does not exist (ResourceNotFound "
                                + "reading "
                                + shardId
                                + "): was it deleted? A retry cannot fix this",
                        e);
            }
            if (Boolean.TRUE.equals(streamExists)) {
                LOG.warn(
                        "Shard {} is no longer in the stream (its records expired): it is finished ({})",
                        shardId,
                        e.getMessage());
                return new Batch(Collections.emptyList(), shardId, true);
            }
        }
        String reason = UNRECOVERABLE.get(code);
        if (reason != null) {
            throw new IOException(
                    "cannot read "
                            + shardId
                            + " of "
                            + s.split.streamArn()
                            + ": "
                            + code
                            + ": "
                            + reason
                            + ". A retry cannot fix this; the job stops",
                    e);
        }
        s.failures++;
        if (s.failingSince < 0) {
            s.failingSince = now;
        }
        long failingFor = now - s.failingSince;
        if (failingFor >= settings.failureBudgetMillis) {
            throw new IOException(
                    "GetRecords on "
                            + shardId
                            + " has failed for "
                            + failingFor / 1000
                            + " s without a "
                            + "break ("
                            + s.failures
                            + " calls; source.shard.get-records.failure-budget is "
                            + settings.failureBudgetMillis / 1000
                            + " s); last error: "
                            + e,
                    e);
        }
        long backoff = Math.max(backoffMillis(s.failures), settings.intervalMillis);
        LOG.warn(
                "GetRecords on {} failed ({} in a row, for {} ms), retrying in {} ms with the same iterator: {}",
                shardId,
                s.failures,
                failingFor,
                backoff,
                e.toString());
        s.nextFetchAt = now + backoff;
        shards.addLast(s);
        return Batch.EMPTY;
    }

    /** Retry {@code n} (1-based) waits between half and all of {@code min(max, base * 2^(n-1))}. */
    long backoffMillis(int n) {
        int shift = Math.min(Math.max(n - 1, 0), 30);
        long ceiling = Math.min(settings.backoffMaxMillis, settings.backoffBaseMillis << shift);
        long half = ceiling / 2;
        return half + random.nextLong(ceiling - half + 1);
    }

    private static String errorCode(SdkException e) {
        if (e instanceof AwsServiceException
                && ((AwsServiceException) e).awsErrorDetails() != null) {
            String code = ((AwsServiceException) e).awsErrorDetails().errorCode();
            return code == null ? "" : code;
        }
        return "";
    }

    private static StartingPosition position(ShardReadState s) {
        return s.lastReadSequenceNumber != null
                ? StartingPosition.afterSequenceNumber(s.lastReadSequenceNumber)
                : s.split.startingPosition();
    }

    /** The next shard whose turn it is, waiting (up to 100 ms, or a wake-up) when none is due. */
    private ShardReadState nextDue() throws IOException {
        long now = clock.nowMillis();
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
                    clock.waitOn(wake, wait);
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
            ShardReadState s = new ShardReadState(split);
            s.nextFetchAt = clock.nowMillis();
            shards.addLast(s);
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
    public void pauseOrResumeSplits(
            Collection<ShardSplit> toPause, Collection<ShardSplit> toResume) {
        toPause.forEach(s -> paused.add(s.splitId()));
        toResume.forEach(s -> paused.remove(s.splitId()));
    }

    @Override
    public void close() {
        proxy.close();
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
