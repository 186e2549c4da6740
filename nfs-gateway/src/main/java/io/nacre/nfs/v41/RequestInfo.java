package io.nacre.nfs.v41;

import java.net.InetSocketAddress;
import org.dcache.oncrpc4j.rpc.RpcTransport;

/**
 * Who sent a COMPOUND and over what: the client's address, the connection (for binding it to a session
 * and for callbacks), and the RPC credential as sent (before export squashing).
 */
public record RequestInfo(InetSocketAddress remote, RpcTransport transport, int flavor, int uid, int gid, int[] gids) {

    /** The principal that owns client ids and sessions: the flavor and the raw uid. */
    public String principal() {
        return flavor == io.nacre.nfs.v41.xdr.Nfs4.AUTH_SYS ? "sys:" + Integer.toUnsignedString(uid) : "none";
    }
}
