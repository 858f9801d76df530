package io.zerotrust.jobs.analytics;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import org.apache.flink.core.io.SimpleVersionedSerializer;

/**
 * One insert the exactly-once ClickHouse sink owes, kept in a checkpoint until the committer has made it: the
 * table (without database), the batch id its rows carry in {@code sink_batch}, the checkpoint the writer that made
 * it had started from ({@code origin}, -1 for none), the insert body's format, its row count and the body itself.
 */
public record SinkBatch(String table, String id, long origin, String format, int rows, byte[] body) {

    /** The committable's bytes in a checkpoint; version 1 is the fields in order. */
    public static final class Serializer implements SimpleVersionedSerializer<SinkBatch> {

        @Override
        public int getVersion() {
            return 1;
        }

        @Override
        public byte[] serialize(SinkBatch b) throws IOException {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream(b.body.length + 128);
            try (DataOutputStream out = new DataOutputStream(bytes)) {
                out.writeUTF(b.table);
                out.writeUTF(b.id);
                out.writeLong(b.origin);
                out.writeUTF(b.format);
                out.writeInt(b.rows);
                out.writeInt(b.body.length);
                out.write(b.body);
            }
            return bytes.toByteArray();
        }

        @Override
        public SinkBatch deserialize(int version, byte[] serialized) throws IOException {
            if (version != 1) {
                throw new IOException("a ClickHouse sink batch of version " + version + " in the checkpoint; this "
                        + "version of the sink reads version 1: restore with the version that wrote it");
            }
            try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(serialized))) {
                String table = in.readUTF();
                String id = in.readUTF();
                long origin = in.readLong();
                String format = in.readUTF();
                int rows = in.readInt();
                byte[] body = new byte[in.readInt()];
                in.readFully(body);
                return new SinkBatch(table, id, origin, format, rows, body);
            }
        }
    }
}
