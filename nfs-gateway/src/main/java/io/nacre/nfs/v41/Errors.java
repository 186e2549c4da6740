package io.nacre.nfs.v41;

import io.nacre.engine.NacreException;
import io.nacre.engine.Status;
import io.nacre.nfs.v41.xdr.Nfs4Status;

/** The one place where the core's protocol-neutral {@link Status} becomes an nfsstat4. */
public final class Errors {

    private Errors() {
    }

    public static int toNfs(Status status) {
        return switch (status) {
            case NOT_FOUND -> Nfs4Status.NFS4ERR_NOENT;
            case EXISTS -> Nfs4Status.NFS4ERR_EXIST;
            case NOT_EMPTY -> Nfs4Status.NFS4ERR_NOTEMPTY;
            case NOT_DIR -> Nfs4Status.NFS4ERR_NOTDIR;
            case IS_DIR -> Nfs4Status.NFS4ERR_ISDIR;
            case STALE -> Nfs4Status.NFS4ERR_STALE;
            case ACCESS -> Nfs4Status.NFS4ERR_ACCESS;
            case PERM -> Nfs4Status.NFS4ERR_PERM;
            case INVALID -> Nfs4Status.NFS4ERR_INVAL;
            case NAME_TOO_LONG -> Nfs4Status.NFS4ERR_NAMETOOLONG;
            case TOO_BIG -> Nfs4Status.NFS4ERR_FBIG;
            case TOO_MANY_LINKS -> Nfs4Status.NFS4ERR_MLINK;
            case NO_SPACE -> Nfs4Status.NFS4ERR_NOSPC;
            case READ_ONLY -> Nfs4Status.NFS4ERR_ROFS;
            case NO_XATTR -> Nfs4Status.NFS4ERR_NOENT;
            // transient: the client retries after a pause (a restore from the archive, a leader election)
            case BUSY, DELAY, UNAVAILABLE -> Nfs4Status.NFS4ERR_DELAY;
            case NOT_SUPPORTED -> Nfs4Status.NFS4ERR_NOTSUPP;
            case CORRUPT, IO -> Nfs4Status.NFS4ERR_IO;
        };
    }

    public static int toNfs(NacreException e) {
        return toNfs(e.status());
    }
}
