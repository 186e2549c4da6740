package io.nacre.nfs.v41.xdr;

import java.io.IOException;

/** Arguments that do not match the XDR definition, or exceed a protocol bound: NFS4ERR_BADXDR. */
public final class BadXdrException extends IOException {
    public BadXdrException(String message) {
        super(message);
    }
}
