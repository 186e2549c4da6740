package io.nacre.engine.store;

/** An object's size (its highest written offset + 1, holes included) and the bytes it occupies. */
public record ObjectStat(long size, long bytesUsed) {
    public static final ObjectStat ABSENT = new ObjectStat(0, 0);
}
