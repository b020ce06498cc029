package io.streamstack.flink.common.kinesis;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.flink.core.io.SimpleVersionedSerializer;

/**
 * The enumerator's checkpoint: shards handed out, shards waiting for their parents, shards
 * finished.
 */
public final class EnumeratorState {
    final List<ShardSplit> assigned;
    final List<ShardSplit> pending;
    final Set<String> finished;

    EnumeratorState(List<ShardSplit> assigned, List<ShardSplit> pending, Set<String> finished) {
        this.assigned = List.copyOf(assigned);
        this.pending = List.copyOf(pending);
        this.finished = Set.copyOf(finished);
    }

    /** Version 1. */
    public static final class Serializer implements SimpleVersionedSerializer<EnumeratorState> {
        @Override
        public int getVersion() {
            return 1;
        }

        @Override
        public byte[] serialize(EnumeratorState s) throws IOException {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try (DataOutputStream out = new DataOutputStream(bytes)) {
                writeSplits(s.assigned, out);
                writeSplits(s.pending, out);
                out.writeInt(s.finished.size());
                for (String id : s.finished) {
                    out.writeUTF(id);
                }
            }
            return bytes.toByteArray();
        }

        @Override
        public EnumeratorState deserialize(int version, byte[] serialized) throws IOException {
            if (version != 1) {
                throw new IOException("unknown enumerator state version " + version);
            }
            try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(serialized))) {
                List<ShardSplit> assigned = readSplits(in);
                List<ShardSplit> pending = readSplits(in);
                int n = in.readInt();
                Set<String> finished = new HashSet<>();
                for (int i = 0; i < n; i++) {
                    finished.add(in.readUTF());
                }
                return new EnumeratorState(assigned, pending, finished);
            }
        }

        private static void writeSplits(List<ShardSplit> splits, DataOutputStream out)
                throws IOException {
            out.writeInt(splits.size());
            for (ShardSplit s : splits) {
                ShardSplitSerializer.write(s, out);
            }
        }

        private static List<ShardSplit> readSplits(DataInputStream in) throws IOException {
            int n = in.readInt();
            List<ShardSplit> splits = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                splits.add(ShardSplitSerializer.read(in));
            }
            return splits;
        }
    }
}
