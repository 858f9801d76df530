package io.zerotrust.ingest;

import io.zerotrust.avro.DeviceInventory;
import io.zerotrust.avro.IdentityInventory;
import io.zerotrust.ingest.parse.WindowsParser;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/**
 * The device and identity inventories as the normalizers read them: snapshots of the two global stores (filled from
 * the compacted {@code inventory.devices} and {@code inventory.identities} topics) indexed in memory by device id,
 * host name and address, and by user. A snapshot is rebuilt at most every {@link #REFRESH_MS} by whichever
 * normalizer asks first, so an inventory change reaches events within that time; lookups never touch the stores.
 * One per application instance, shared by its normalizers.
 */
final class Inventory {

    static final String DEVICES_STORE = "inventory-devices";
    static final String IDENTITIES_STORE = "inventory-identities";
    static final long REFRESH_MS = 30_000;

    /** An immutable view of both inventories. */
    record Snapshot(Map<String, DeviceInventory> byId, Map<String, DeviceInventory> byHost,
                    Map<String, DeviceInventory> byAddress, Map<String, IdentityInventory> byUser, long builtAtMs) {

        DeviceInventory device(String deviceId, String host, String address) {
            DeviceInventory d = deviceId == null ? null : byId.get(deviceId);
            if (d == null && host != null) {
                d = byHost.get(hostKey(host));
            }
            if (d == null && address != null) {
                d = byAddress.get(address);
            }
            return d;
        }

        IdentityInventory identity(String user) {
            return user == null ? null : byUser.get(user.toLowerCase(Locale.ROOT));
        }
    }

    private static final Snapshot EMPTY = new Snapshot(Map.of(), Map.of(), Map.of(), Map.of(), 0L);

    private volatile Snapshot current = EMPTY;

    Snapshot current() {
        return current;
    }

    /**
     * Rebuilds the snapshot from the stores unless another normalizer did within the last half period (every
     * normalizer asks every {@link #REFRESH_MS}; one rebuild per period is enough), or always with {@code force}.
     */
    synchronized void refresh(ReadOnlyKeyValueStore<String, DeviceInventory> devices,
                              ReadOnlyKeyValueStore<String, IdentityInventory> identities, long nowMs, boolean force) {
        if (!force && nowMs - current.builtAtMs() < REFRESH_MS / 2) {
            return;
        }
        Map<String, DeviceInventory> byId = new HashMap<>();
        Map<String, DeviceInventory> byHost = new HashMap<>();
        Map<String, DeviceInventory> byAddress = new HashMap<>();
        try (KeyValueIterator<String, DeviceInventory> it = devices.all()) {
            while (it.hasNext()) {
                KeyValue<String, DeviceInventory> kv = it.next();
                DeviceInventory d = kv.value;
                if (d == null) {
                    continue;
                }
                byId.put(d.getDeviceId(), d);
                d.getHostnames().forEach(h -> byHost.put(hostKey(h), d));
                d.getAddresses().forEach(a -> byAddress.put(a, d));
            }
        }
        Map<String, IdentityInventory> byUser = new HashMap<>();
        try (KeyValueIterator<String, IdentityInventory> it = identities.all()) {
            while (it.hasNext()) {
                KeyValue<String, IdentityInventory> kv = it.next();
                if (kv.value != null) {
                    byUser.put(kv.value.getUser().toLowerCase(Locale.ROOT), kv.value);
                }
            }
        }
        current = new Snapshot(byId, byHost, byAddress, byUser, nowMs);
    }

    /** Host names match by their short, upper-case form (WORKSTATION5 = workstation5.corp.example). */
    static String hostKey(String host) {
        return WindowsParser.shortName(host);
    }
}
