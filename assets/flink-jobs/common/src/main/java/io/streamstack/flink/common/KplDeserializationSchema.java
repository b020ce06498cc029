package io.streamstack.flink.common;

import io.streamstack.flink.common.kinesis.KinesisDeserializationSchema;
import java.util.List;
import java.util.Objects;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.util.Collector;
import software.amazon.awssdk.services.kinesis.model.Record;

/**
 * De-aggregates each Kinesis record (KPL format) and parses every user record with a {@link
 * RecordParser}: emits one {@link Parsed} per user record, a value or a {@link BadRecord}. It never
 * throws: garbage, user records over {@code maxRecordBytes} (a plain record is one user record; an
 * aggregate's records are checked one by one, since Kinesis itself caps the aggregate at 1 MiB),
 * parser failures of any kind and aggregates that lost records all come out as bad records.
 */
public final class KplDeserializationSchema<T> implements KinesisDeserializationSchema<Parsed<T>> {
    private static final long serialVersionUID = 1L;

    /** The default of the {@code MaxRecordBytes} property: Kinesis' own record limit, 1 MiB. */
    public static final int DEFAULT_MAX_RECORD_BYTES = 1_048_576;

    private final RecordParser<T> parser;
    private final TypeInformation<T> valueType;
    private final int maxRecordBytes;

    public KplDeserializationSchema(
            RecordParser<T> parser, TypeInformation<T> valueType, int maxRecordBytes) {
        this.parser = Objects.requireNonNull(parser);
        this.valueType = Objects.requireNonNull(valueType);
        if (maxRecordBytes < 1) {
            throw new IllegalArgumentException(
                    "MaxRecordBytes must be at least 1, got " + maxRecordBytes);
        }
        this.maxRecordBytes = maxRecordBytes;
    }

    @Override
    public void deserialize(
            Record record, String stream, String shardId, Collector<Parsed<T>> out) {
        String seq = record.sequenceNumber();
        String pk = record.partitionKey();
        byte[] data;
        try {
            data = record.data() == null ? new byte[0] : record.data().asByteArray();
        } catch (RuntimeException e) {
            out.collect(
                    Parsed.bad(
                            BadRecord.of(
                                    "unreadable record data: " + e,
                                    stream,
                                    shardId,
                                    seq,
                                    0,
                                    pk,
                                    null)));
            return;
        }
        KplDeaggregator.Result result = KplDeaggregator.deaggregateChecked(pk, data);
        List<UserRecord> users = result.records();
        for (UserRecord u : users) {
            if (u.data().length > maxRecordBytes) {
                out.collect(
                        bad(
                                "record of "
                                        + u.data().length
                                        + " bytes is over MaxRecordBytes "
                                        + maxRecordBytes,
                                u,
                                stream,
                                shardId,
                                seq));
            } else {
                out.collect(parse(u, stream, shardId, seq));
            }
        }
        if (result.problem() != null) {
            out.collect(
                    Parsed.bad(
                            BadRecord.of(
                                    result.problem(),
                                    stream,
                                    shardId,
                                    seq,
                                    users.size(),
                                    pk,
                                    data)));
        }
    }

    /** Parses one user record; never throws. */
    public Parsed<T> parse(UserRecord u, String stream, String shardId, String seq) {
        try {
            T value = parser.parse(u.data());
            if (value == null) {
                return bad("parser returned nothing", u, stream, shardId, seq);
            }
            return Parsed.ok(value);
        } catch (BadRecordException e) {
            return bad(e.reason(), u, stream, shardId, seq);
        } catch (RuntimeException | StackOverflowError e) {
            return bad("parser failed: " + e, u, stream, shardId, seq);
        }
    }

    /**
     * User record {@code u} of the Kinesis record {@code seq} as a bad record for {@code reason}.
     */
    private static <V> Parsed<V> bad(
            String reason, UserRecord u, String stream, String shardId, String seq) {
        return Parsed.bad(
                BadRecord.of(
                        reason, stream, shardId, seq, u.subSequence(), u.partitionKey(), u.data()));
    }

    @Override
    public TypeInformation<Parsed<T>> getProducedType() {
        return Parsed.typeInfo(valueType);
    }
}
