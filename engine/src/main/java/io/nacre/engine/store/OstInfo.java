package io.nacre.engine.store;

import java.util.Set;

/**
 * An OST as the file system knows it: its index, the pools it belongs to, and the address of the OSS
 * serving it ({@code node}, e.g. {@code http://10.0.0.5:9002}; empty when served in this process).
 */
public record OstInfo(int index, Set<String> pools, String node) {
    public OstInfo {
        if (index < 0) {
            throw new IllegalArgumentException("OST index must be >= 0: " + index);
        }
        pools = Set.copyOf(pools);
        node = node == null ? "" : node;
    }

    public boolean inPool(String pool) {
        return pool == null || pool.isEmpty() || pools.contains(pool);
    }

    /** Lustre's name for it, e.g. {@code OST0003}. */
    public String name() {
        return "OST%04x".formatted(index);
    }
}
