package io.nacre.nfs.v41.state;

import io.nacre.nfs.v41.xdr.CreateSessionRes;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * A client as EXCHANGE_ID made it: its owner (verifier and opaque id), the principal that created it,
 * whether CREATE_SESSION confirmed it, the CREATE_SESSION reply cache, its lease, its sessions and its
 * state. Guarded by the state manager's lock, except the lease time, which SEQUENCE updates.
 */
public final class NfsClient {

    private final long clientid;
    private final byte[] ownerId;
    private final String ownerKey;
    private final long verifier;
    private final String principal;
    private final int flags;
    private volatile long lastRenew;

    boolean confirmed;
    /** The last CREATE_SESSION sequence id accepted, and its reply (RFC 8881 §18.36.4). */
    int createSessionSeq;
    CreateSessionRes createSessionReply;
    boolean reclaimComplete;
    boolean expired;
    final Map<io.nacre.nfs.v41.xdr.SessionId4, Session> sessions = new LinkedHashMap<>();
    final Set<State> states = new LinkedHashSet<>();

    NfsClient(long clientid, byte[] ownerId, long verifier, String principal, int flags, long now) {
        this.clientid = clientid;
        this.ownerId = ownerId.clone();
        this.ownerKey = ClientRecords.key(ownerId);
        this.verifier = verifier;
        this.principal = principal;
        this.flags = flags;
        this.lastRenew = now;
    }

    public long clientid() {
        return clientid;
    }

    byte[] ownerId() {
        return ownerId.clone();
    }

    /** The owner's key in the client records (a digest of the owner id). */
    String ownerKey() {
        return ownerKey;
    }

    long verifier() {
        return verifier;
    }

    String principal() {
        return principal;
    }

    /** The EXCHGID4_FLAG_USE_* flags granted. */
    public int flags() {
        return flags;
    }

    void renew(long now) {
        lastRenew = now;
    }

    long lastRenew() {
        return lastRenew;
    }

    public boolean confirmed() {
        return confirmed;
    }

    @Override
    public String toString() {
        return "client %x".formatted(clientid);
    }
}
