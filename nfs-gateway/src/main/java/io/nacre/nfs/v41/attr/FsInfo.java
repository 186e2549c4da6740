package io.nacre.nfs.v41.attr;

/**
 * File-system-wide attribute values: the fsid, the lease, the I/O sizes offered to clients, and the
 * layout types (empty until pNFS is on) with the preferred block size for layouts.
 */
public record FsInfo(long fsid, int leaseSeconds, long maxRead, long maxWrite, int[] layoutTypes, int layoutBlksize) {

    /** The largest file: offsets are signed 64-bit in the core. */
    public static final long MAX_FILE_SIZE = Long.MAX_VALUE;

    public FsInfo {
        layoutTypes = layoutTypes.clone();
    }
}
