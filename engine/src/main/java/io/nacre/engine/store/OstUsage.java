package io.nacre.engine.store;

/** One OST's space: bytes (data, checksums and index included) and objects. */
public record OstUsage(int ost, long bytesTotal, long bytesUsed, long bytesFree, long objects) {
}
