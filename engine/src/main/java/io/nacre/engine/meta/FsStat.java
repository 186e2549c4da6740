package io.nacre.engine.meta;

/** statfs: bytes over all OSTs, inodes on the MDT. */
public record FsStat(long bytesTotal, long bytesFree, long bytesAvail, long filesTotal, long filesFree) {
}
