package io.streamstack.flink.etl;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.flink.api.common.serialization.BulkWriter;
import org.apache.flink.api.common.serialization.Encoder;
import org.apache.flink.connector.file.sink.FileSink;
import org.apache.flink.core.fs.FSDataOutputStream;
import org.apache.flink.core.fs.Path;
import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.apache.flink.formats.parquet.ParquetBuilder;
import org.apache.flink.formats.parquet.ParquetWriterFactory;
import org.apache.flink.streaming.api.functions.sink.filesystem.BucketAssigner;
import org.apache.flink.streaming.api.functions.sink.filesystem.OutputFileConfig;
import org.apache.flink.streaming.api.functions.sink.filesystem.bucketassigners.SimpleVersionedStringSerializer;
import org.apache.flink.streaming.api.functions.sink.filesystem.rollingpolicies.OnCheckpointRollingPolicy;
import org.apache.parquet.avro.AvroParquetWriter;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;

/**
 * The file sink under {@code
 * <OutputPath>/results/year=YYYY/month=MM/day=DD/hour=HH[/field=value...]/}: Parquet (Snappy) files
 * of the Avro schema, or JSON lines, rolled and committed on each checkpoint (exactly once; bulk
 * formats can only roll on checkpoints).
 */
public final class FileOutput {
    private FileOutput() {}

    /** The folder of the records under the output path. */
    public static final String RESULTS = "results";

    /** The sink for the settings' format. */
    public static FileSink<EtlRecord> sink(EtlSettings s) {
        Path base = new Path(s.outputPath() + "/" + RESULTS);
        if (s.outputFormat() == EtlSettings.Format.PARQUET) {
            return FileSink.forBulkFormat(base, new AvroParquetFactory(s.outputSchema()))
                    .withBucketAssigner(new Buckets())
                    .withRollingPolicy(OnCheckpointRollingPolicy.build())
                    .withOutputFileConfig(
                            OutputFileConfig.builder()
                                    .withPartPrefix("part")
                                    .withPartSuffix(".parquet")
                                    .build())
                    .build();
        }
        return FileSink.forRowFormat(base, new JsonLineEncoder())
                .withBucketAssigner(new Buckets())
                .withRollingPolicy(OnCheckpointRollingPolicy.build())
                .withOutputFileConfig(
                        OutputFileConfig.builder()
                                .withPartPrefix("part")
                                .withPartSuffix(".jsonl")
                                .build())
                .build();
    }

    /** Buckets by event time and the partition fields ({@link Partitions#bucket}). */
    public static final class Buckets implements BucketAssigner<EtlRecord, String> {
        private static final long serialVersionUID = 1L;

        @Override
        public String getBucketId(EtlRecord r, Context context) {
            return Partitions.bucket(r.getEventTimeMillis(), r.getPartition());
        }

        @Override
        public SimpleVersionedSerializer<String> getSerializer() {
            return SimpleVersionedStringSerializer.INSTANCE;
        }
    }

    /** One JSON object per line. */
    public static final class JsonLineEncoder implements Encoder<EtlRecord> {
        private static final long serialVersionUID = 1L;

        @Override
        public void encode(EtlRecord r, OutputStream out) throws IOException {
            out.write(r.getJson().getBytes(StandardCharsets.UTF_8));
            out.write('\n');
        }
    }

    /**
     * Parquet writers of the schema, fed with the records' Avro encoding (checked at the source).
     */
    public static final class AvroParquetFactory implements BulkWriter.Factory<EtlRecord> {
        private static final long serialVersionUID = 1L;
        private final String schemaJson;
        private final ParquetWriterFactory<GenericRecord> parquet;

        public AvroParquetFactory(String schemaJson) {
            this.schemaJson = schemaJson;
            this.parquet = new ParquetWriterFactory<>(builder(schemaJson));
        }

        private static ParquetBuilder<GenericRecord> builder(String schemaJson) {
            // A plain configuration: Hadoop's Configuration would read XML (woodstox) and more that
            // the jar leaves out.
            return out ->
                    AvroParquetWriter.<GenericRecord>builder(out)
                            .withConf(new PlainParquetConfiguration())
                            .withSchema(new Schema.Parser().parse(schemaJson))
                            .withDataModel(GenericData.get())
                            .withCompressionCodec(CompressionCodecName.SNAPPY)
                            .build();
        }

        @Override
        public BulkWriter<EtlRecord> create(FSDataOutputStream out) throws IOException {
            BulkWriter<GenericRecord> writer = parquet.create(out);
            GenericDatumReader<GenericRecord> reader =
                    new GenericDatumReader<>(new Schema.Parser().parse(schemaJson));
            return new BulkWriter<>() {
                private BinaryDecoder decoder;

                @Override
                public void addElement(EtlRecord r) throws IOException {
                    decoder = DecoderFactory.get().binaryDecoder(r.getAvro(), decoder);
                    writer.addElement(reader.read(null, decoder));
                }

                @Override
                public void flush() throws IOException {
                    writer.flush();
                }

                @Override
                public void finish() throws IOException {
                    writer.finish();
                }
            };
        }
    }
}
