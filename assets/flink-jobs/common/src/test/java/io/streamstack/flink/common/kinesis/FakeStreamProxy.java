package io.streamstack.flink.common.kinesis;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.kinesis.model.ExpiredIteratorException;
import software.amazon.awssdk.services.kinesis.model.GetRecordsResponse;
import software.amazon.awssdk.services.kinesis.model.ProvisionedThroughputExceededException;
import software.amazon.awssdk.services.kinesis.model.Record;
import software.amazon.awssdk.services.kinesis.model.ResourceNotFoundException;

/**
 * A simulated Kinesis stream for the reader's unit tests, on a {@link FakeClock}: each shard holds
 * records (appended by the test, or produced at a fixed rate as time passes), iterators are
 * positions, and a test can script the answer of any GetRecords call (an exception) or close a
 * shard. Every call is logged with its time.
 */
final class FakeStreamProxy implements StreamProxy {
    static final String ARN = "arn:aws:kinesis:us-east-1:000000000000:stream/fake";

    /** One simulated shard. */
    static final class Shard {
        final String id;
        final List<Record> records = new ArrayList<>();

        /** Records produced per second as time passes (0: only what the test appends). */
        double ratePerSecond;

        int recordBytes = 100;
        long producingSince;

        /** No more records after the ones held, and no next iterator once they are read. */
        boolean closed;

        final List<Long> getRecordsCalls = new ArrayList<>();
        final List<String> iteratorsUsed = new ArrayList<>();
        final List<StartingPosition> iteratorRequests = new ArrayList<>();

        Shard(String id) {
            this.id = id;
        }

        void append(int n, int bytes) {
            for (int i = 0; i < n; i++) {
                records.add(record(records.size(), bytes));
            }
        }

        Record record(int index, int bytes) {
            return Record.builder()
                    .sequenceNumber(Long.toString(1000 + index))
                    .partitionKey("k")
                    .approximateArrivalTimestamp(Instant.EPOCH)
                    .data(SdkBytes.fromByteArrayUnsafe(new byte[bytes]))
                    .build();
        }
    }

    final FakeClock clock;
    final Map<String, Shard> shards = new LinkedHashMap<>();

    /** Decides the fate of a GetRecords call: an exception to throw, or null to answer. */
    Function<Shard, RuntimeException> fault = s -> null;

    boolean streamExists = true;

    /** Thrown by DescribeStreamSummary when set. */
    RuntimeException streamExistsError;

    int getShardIteratorCalls;
    boolean closed;

    /** Iterators older than this are expired (Kinesis: 5 minutes). */
    long iteratorLifetimeMillis = 300_000;

    private int iteratorCounter;
    private final Map<String, long[]> iterators = new LinkedHashMap<>();

    FakeStreamProxy(FakeClock clock) {
        this.clock = clock;
    }

    Shard shard(String id) {
        return shards.computeIfAbsent(id, Shard::new);
    }

    private void produce(Shard s) {
        if (s.ratePerSecond <= 0 || s.closed) {
            return;
        }
        long due = (long) ((clock.nowMillis() - s.producingSince) * s.ratePerSecond / 1000.0);
        while (s.records.size() < due) {
            s.records.add(s.record(s.records.size(), s.recordBytes));
        }
    }

    private String iterator(Shard s, int index) {
        String it = s.id + "#" + index + "#" + (iteratorCounter++);
        iterators.put(it, new long[] {index, clock.nowMillis()});
        return it;
    }

    @Override
    public String getShardIterator(String streamArn, String shardId, StartingPosition position) {
        getShardIteratorCalls++;
        Shard s = shards.get(shardId);
        if (s == null) {
            throw ResourceNotFoundException.builder()
                    .message("Shard " + shardId + " not found")
                    .build();
        }
        s.iteratorRequests.add(position);
        produce(s);
        switch (position.kind()) {
            case TRIM_HORIZON:
                return iterator(s, 0);
            case LATEST:
                return iterator(s, s.records.size());
            case AFTER_SEQUENCE_NUMBER:
                return iterator(s, (int) (Long.parseLong(position.sequenceNumber()) - 1000 + 1));
            default:
                throw new UnsupportedOperationException(position.toString());
        }
    }

    @Override
    public GetRecordsResponse getRecords(String streamArn, String iterator, int limit) {
        String shardId = iterator.substring(0, iterator.indexOf('#'));
        Shard s = shards.get(shardId);
        s.getRecordsCalls.add(clock.nowMillis());
        s.iteratorsUsed.add(iterator);
        RuntimeException f = fault.apply(s);
        if (f != null) {
            throw f;
        }
        long[] pos = iterators.get(iterator);
        if (pos == null || clock.nowMillis() - pos[1] > iteratorLifetimeMillis) {
            throw ExpiredIteratorException.builder().message("Iterator expired").build();
        }
        produce(s);
        int from = (int) pos[0];
        int to = Math.min(s.records.size(), from + limit);
        List<Record> out = new ArrayList<>(s.records.subList(from, to));
        boolean end = s.closed && to == s.records.size();
        return GetRecordsResponse.builder()
                .records(out)
                .millisBehindLatest(to == s.records.size() ? 0L : 1000L)
                .nextShardIterator(end ? null : iterator(s, to))
                .build();
    }

    @Override
    public boolean streamExists(String streamArn) {
        if (streamExistsError != null) {
            throw streamExistsError;
        }
        return streamExists;
    }

    @Override
    public void close() {
        closed = true;
    }

    static ProvisionedThroughputExceededException throttled() {
        return ProvisionedThroughputExceededException.builder()
                .message("Rate exceeded for shard")
                .build();
    }

    /** A service error with only its code, as the SDK builds one for a code it has no class for. */
    static AwsServiceException serviceError(String code) {
        return AwsServiceException.builder()
                .message(code + " (injected)")
                .statusCode(400)
                .awsErrorDetails(
                        AwsErrorDetails.builder().errorCode(code).errorMessage("injected").build())
                .build();
    }
}
