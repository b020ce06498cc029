package io.streamstack.flink.common.kinesis;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.core.io.SimpleVersionedSerializer;

/** Version 1: stream ARN, shard id, parents, position kind and value, finished flag. */
public final class ShardSplitSerializer implements SimpleVersionedSerializer<ShardSplit> {
    static final int VERSION = 1;

    @Override
    public int getVersion() {
        return VERSION;
    }

    @Override
    public byte[] serialize(ShardSplit split) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            write(split, out);
        }
        return bytes.toByteArray();
    }

    @Override
    public ShardSplit deserialize(int version, byte[] serialized) throws IOException {
        if (version != VERSION) {
            throw new IOException("unknown shard split version " + version);
        }
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(serialized))) {
            return read(in);
        }
    }

    static void write(ShardSplit split, DataOutputStream out) throws IOException {
        out.writeUTF(split.streamArn());
        out.writeUTF(split.shardId());
        out.writeInt(split.parentShardIds().size());
        for (String p : split.parentShardIds()) {
            out.writeUTF(p);
        }
        StartingPosition pos = split.startingPosition();
        out.writeByte(pos.kind().ordinal());
        switch (pos.kind()) {
            case AT_TIMESTAMP:
                out.writeLong(pos.timestamp().getEpochSecond());
                out.writeInt(pos.timestamp().getNano());
                break;
            case AFTER_SEQUENCE_NUMBER:
                out.writeUTF(pos.sequenceNumber());
                break;
            default:
                break;
        }
        out.writeBoolean(split.finished());
    }

    static ShardSplit read(DataInputStream in) throws IOException {
        String arn = in.readUTF();
        String shard = in.readUTF();
        int n = in.readInt();
        List<String> parents = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            parents.add(in.readUTF());
        }
        int kind = in.readByte();
        StartingPosition pos;
        switch (StartingPosition.Kind.values()[kind]) {
            case TRIM_HORIZON:
                pos = StartingPosition.trimHorizon();
                break;
            case LATEST:
                pos = StartingPosition.latest();
                break;
            case AT_TIMESTAMP:
                pos =
                        StartingPosition.atTimestamp(
                                Instant.ofEpochSecond(in.readLong(), in.readInt()));
                break;
            case AFTER_SEQUENCE_NUMBER:
                pos = StartingPosition.afterSequenceNumber(in.readUTF());
                break;
            default:
                throw new IOException("unknown position kind " + kind);
        }
        return new ShardSplit(arn, shard, parents, pos, in.readBoolean());
    }
}
