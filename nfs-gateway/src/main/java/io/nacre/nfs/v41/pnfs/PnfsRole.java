package io.nacre.nfs.v41.pnfs;

import io.nacre.nfs.v41.state.Session;

/**
 * The pNFS role a server plays (RFC 8881 §13.1): the metadata server handing out layouts
 * ({@link MetadataServerRole}), or a data server serving the objects they name (the data-server
 * package). A server without a role is a plain NFSv4.1 server.
 */
public interface PnfsRole {

    /** The EXCHGID4_FLAG_USE_* flags EXCHANGE_ID answers with. */
    int exchangeIdFlags();

    /** SEQ4_STATUS_* bits this role adds to the reply of a new request on {@code slot} with {@code seqid}. */
    default int sequenceFlags(Session session, int slot, int seqid) {
        return 0;
    }
}
