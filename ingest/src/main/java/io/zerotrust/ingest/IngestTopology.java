package io.zerotrust.ingest;

import io.zerotrust.ingest.parse.EnvoyParser;
import io.zerotrust.ingest.parse.FlowParser;
import io.zerotrust.ingest.parse.SourceParser;
import io.zerotrust.ingest.parse.SshdParser;
import io.zerotrust.ingest.parse.WindowsParser;
import io.zerotrust.ingest.parse.ZeekParser;
import io.zerotrust.schemas.geo.GeoTable;
import io.zerotrust.schemas.registry.RegistryClient;
import io.zerotrust.schemas.topics.Topics;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;

/**
 * The normalizer: one source node per {@code telemetry.raw.<source>} topic, each feeding its source's
 * {@link Normalizer}, whose connection events go to {@code conn.events} and whose rejects go to
 * {@code telemetry.dlq}. Each normalizer has two window stores, kept for the dedup window: the record ids it has
 * seen, and what its parser remembers across records. Shared by {@link IngestMain} and the tests.
 */
public final class IngestTopology {

    static final String EVENTS_SINK = "conn-events";
    static final String DLQ_SINK = "dead-letters";

    private IngestTopology() {
    }

    /** The parsers, one per source of {@link Topics#RAW_SOURCES}. */
    static List<SourceParser> parsers(IngestSettings s) {
        return List.of(new ZeekParser(), new WindowsParser(s.windowsZone()), new SshdParser(s.sshdZone()),
                new EnvoyParser(), new FlowParser(s.flowColumnMap(), s.flowZone()));
    }

    /** A global store's processor: keeps each record under its key, removes it on a tombstone. */
    static final class StoreAsIs<V> implements Processor<String, V, Void, Void> {
        private final String store;
        private KeyValueStore<String, V> kv;

        StoreAsIs(String store) {
            this.store = store;
        }

        @Override
        public void init(ProcessorContext<Void, Void> context) {
            kv = context.getStateStore(store);
        }

        @Override
        public void process(Record<String, V> record) {
            if (record.key() == null) {
                return;
            }
            if (record.value() == null) {
                kv.delete(record.key());
            } else {
                kv.put(record.key(), record.value());
            }
        }
    }

    private static GeoTable loadGeo(java.nio.file.Path file) {
        try {
            return GeoTable.load(file);
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException(IngestSettings.GEO_FILE + ": cannot read " + file + " (" + e.getMessage()
                    + ")");
        }
    }

    public static Topology buildTopology(Properties props) {
        IngestSettings s = IngestSettings.from(props);
        RegistryClient registry = RegistryClient.connect(s.registryUrl());
        Topology t = new Topology();
        // the inventories: compacted topics into global stores, each record stored as it is (which is also how
        // Kafka Streams restores a global store), indexed in memory by Inventory
        t.addGlobalStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(Inventory.DEVICES_STORE),
                        Serdes.String(), Topics.INVENTORY_DEVICES.valueSerde(registry)).withLoggingDisabled(),
                "inventory-devices-source", Serdes.String().deserializer(),
                Topics.INVENTORY_DEVICES.valueSerde(registry).deserializer(), Topics.INVENTORY_DEVICES.name(),
                "inventory-devices-store", () -> new StoreAsIs<>(Inventory.DEVICES_STORE));
        t.addGlobalStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(Inventory.IDENTITIES_STORE),
                        Serdes.String(), Topics.INVENTORY_IDENTITIES.valueSerde(registry)).withLoggingDisabled(),
                "inventory-identities-source", Serdes.String().deserializer(),
                Topics.INVENTORY_IDENTITIES.valueSerde(registry).deserializer(), Topics.INVENTORY_IDENTITIES.name(),
                "inventory-identities-store", () -> new StoreAsIs<>(Inventory.IDENTITIES_STORE));
        Inventory inventory = new Inventory();
        GeoTable geo = s.geoFile() == null ? GeoTable.bundled() : loadGeo(s.geoFile());
        List<String> normalizers = new ArrayList<>();
        for (SourceParser parser : parsers(s)) {
            String source = parser.source();
            String node = "normalize-" + source;
            t.addSource("raw-" + source, new ByteArrayDeserializer(), new ByteArrayDeserializer(),
                    Topics.telemetryRaw(source).name());
            t.addProcessor(node, () -> new Normalizer(parser, s.dedupWindow(), inventory, geo), "raw-" + source);
            t.addStateStore(Stores.windowStoreBuilder(Stores.persistentWindowStore(Normalizer.seenStore(source),
                    s.dedupWindow(), s.dedupWindow(), false), Serdes.String(), Serdes.Long()).withCachingEnabled(),
                    node);
            t.addStateStore(Stores.windowStoreBuilder(Stores.persistentWindowStore(Normalizer.memoryStore(source),
                    s.dedupWindow(), s.dedupWindow(), false), Serdes.String(), Serdes.String()).withCachingEnabled(),
                    node);
            normalizers.add(node);
        }
        String[] parents = normalizers.toArray(String[]::new);
        t.addSink(EVENTS_SINK, Topics.CONN_EVENTS.name(), Serdes.String().serializer(),
                Topics.CONN_EVENTS.valueSerde(registry).serializer(), parents);
        t.addSink(DLQ_SINK, Topics.TELEMETRY_DLQ.name(), Serdes.String().serializer(),
                Topics.TELEMETRY_DLQ.valueSerde(registry).serializer(), parents);
        return t;
    }
}
