package io.nacre.nfs.v41;

import io.nacre.nfs.v41.xdr.Nfs4Status;

/** An operation fails with this nfsstat4; the compound stops there and the status is returned. */
public class NfsException extends RuntimeException {

    private final int status;

    public NfsException(int status, String message) {
        super(message, null, false, false);
        this.status = status;
    }

    public NfsException(int status) {
        this(status, Nfs4Status.name(status));
    }

    public int status() {
        return status;
    }

    @Override
    public String toString() {
        return Nfs4Status.name(status) + ": " + getMessage();
    }
}
