package io.nacre.nfs.v41.attr;

import io.nacre.engine.Fid;

/**
 * The 64-bit fileid (inode number) of a Fid, as Lustre flattens FIDs for stat(2): unique while object
 * ids within a sequence stay below 2^24 (the MDS uses sequences of 2^17, as Lustre does).
 */
public final class FileIds {

    private FileIds() {
    }

    public static long of(Fid fid) {
        long seq = fid.seq();
        return (seq << 24) + ((seq >>> 24) & 0xffffff0000L) + Integer.toUnsignedLong(fid.oid());
    }
}
