package io.nacre.engine.store;

/**
 * One object of an OST's listing ({@link ObjectStore#list}): its id, its size and bytes used (as
 * {@link ObjectStat}), and when it was last written or truncated, in milliseconds since the epoch (never
 * earlier than the real time: see {@link ObjectStore#list}).
 */
public record ListedObject(long id, long size, long bytesUsed, long lastWriteMillis) {
}
