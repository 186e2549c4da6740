package io.nacre.nfs.v41.pnfs;

/**
 * The pNFS role a server plays (RFC 8881 §13.1): the metadata server handing out layouts
 * ({@link MetadataServerRole}), or a data server serving the objects they name (the data-server
 * package). A server without a role is a plain NFSv4.1 server.
 */
public interface PnfsRole {

    /** The EXCHGID4_FLAG_USE_* flags EXCHANGE_ID answers with. */
    int exchangeIdFlags();
}
