package io.nacre.nfs.v41.xdr;

import java.io.IOException;
import org.dcache.oncrpc4j.xdr.XdrDecodingStream;
import org.dcache.oncrpc4j.xdr.XdrEncodingStream;

/**
 * LOCK4args. Exactly one of {@code newOwner} (open_to_lock_owner4: the first lock of a lock-owner on
 * this file, derived from an open stateid) and {@code existing} (exist_lock_owner4) is set.
 */
public record LockArgs(int locktype, boolean reclaim, long offset, long length, OpenToLockOwner newOwner,
                       ExistLockOwner existing) implements OpArgs {

    /** open_to_lock_owner4. */
    public record OpenToLockOwner(int openSeqid, Stateid4 openStateid, int lockSeqid, StateOwner4 lockOwner) {
    }

    /** exist_lock_owner4. */
    public record ExistLockOwner(Stateid4 lockStateid, int lockSeqid) {
    }

    public static LockArgs decode(XdrDecodingStream x) throws IOException {
        int type = x.xdrDecodeInt();
        boolean reclaim = x.xdrDecodeBoolean();
        long offset = x.xdrDecodeLong();
        long length = x.xdrDecodeLong();
        if (x.xdrDecodeBoolean()) {
            return new LockArgs(type, reclaim, offset, length, new OpenToLockOwner(x.xdrDecodeInt(),
                    Stateid4.decode(x), x.xdrDecodeInt(), StateOwner4.decode(x)), null);
        }
        return new LockArgs(type, reclaim, offset, length, null,
                new ExistLockOwner(Stateid4.decode(x), x.xdrDecodeInt()));
    }

    @Override
    public int opnum() {
        return OpNum.LOCK;
    }

    @Override
    public void encode(XdrEncodingStream x) {
        x.xdrEncodeInt(locktype);
        x.xdrEncodeBoolean(reclaim);
        x.xdrEncodeLong(offset);
        x.xdrEncodeLong(length);
        x.xdrEncodeBoolean(newOwner != null);
        if (newOwner != null) {
            x.xdrEncodeInt(newOwner.openSeqid());
            newOwner.openStateid().encode(x);
            x.xdrEncodeInt(newOwner.lockSeqid());
            newOwner.lockOwner().encode(x);
        } else {
            existing.lockStateid().encode(x);
            x.xdrEncodeInt(existing.lockSeqid());
        }
    }
}
