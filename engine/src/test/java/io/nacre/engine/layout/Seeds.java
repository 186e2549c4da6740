package io.nacre.engine.layout;

import java.util.function.LongConsumer;

/** Runs a property over many seeds and names the seed of a failure, so it can be replayed. */
public final class Seeds {

    private Seeds() {
    }

    public static void forEach(int runs, LongConsumer property) {
        long base = RandomLayouts.baseSeed();
        for (int i = 0; i < runs; i++) {
            long seed = base + i;
            try {
                property.accept(seed);
            } catch (AssertionError | RuntimeException e) {
                throw new AssertionError("property failed for seed " + seed + " (replay: -Dnacre.seed=" + seed
                        + "): " + e.getMessage(), e);
            }
        }
    }
}
