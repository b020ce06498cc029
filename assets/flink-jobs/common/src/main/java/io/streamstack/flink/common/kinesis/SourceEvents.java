package io.streamstack.flink.common.kinesis;

import java.util.Set;
import org.apache.flink.api.connector.source.SourceEvent;

/** The events between the readers and the enumerator. */
final class SourceEvents {
    private SourceEvents() {}

    /** Reader to enumerator: these shards were read to their end. */
    static final class SplitsFinished implements SourceEvent {
        private static final long serialVersionUID = 1L;
        final Set<String> shardIds;

        SplitsFinished(Set<String> shardIds) {
            this.shardIds = Set.copyOf(shardIds);
        }
    }

    /** Enumerator to reader: it knows these shards are finished; the reader can forget them. */
    static final class FinishedAck implements SourceEvent {
        private static final long serialVersionUID = 1L;
        final Set<String> shardIds;

        FinishedAck(Set<String> shardIds) {
            this.shardIds = Set.copyOf(shardIds);
        }
    }
}
