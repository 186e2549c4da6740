package io.nacre.nfs.export;

import static java.util.Objects.requireNonNull;

import io.nacre.engine.Caller;
import java.util.Arrays;

/**
 * One client specification of an export with its options, as in exports(5): which clients, read-only
 * or read-write, how identities are squashed, and whether the client must use a privileged port.
 */
public record ClientRule(ClientMatcher clients, boolean readOnly, Squash squash, int anonUid, int anonGid,
                         boolean secure) {

    /** nobody/nogroup on Debian. */
    public static final int DEFAULT_ANON_ID = 65534;

    public ClientRule {
        requireNonNull(clients, "clients");
        requireNonNull(squash, "squash");
    }

    /** The identity the MDS checks permissions against, after squashing the AUTH_SYS credential. */
    public Caller map(int uid, int gid, int[] gids) {
        return switch (squash) {
            case NONE -> Caller.of(uid, gid, gids);
            case ALL -> Caller.of(anonUid, anonGid);
            case ROOT -> Caller.of(uid == 0 ? anonUid : uid, gid == 0 ? anonGid : gid,
                    Arrays.stream(gids).map(g -> g == 0 ? anonGid : g).toArray());
        };
    }

    /** The identity of a request without credentials (AUTH_NONE). */
    public Caller anonymous() {
        return Caller.of(anonUid, anonGid);
    }
}
