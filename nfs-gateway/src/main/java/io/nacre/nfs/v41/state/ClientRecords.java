package io.nacre.nfs.v41.state;

import static java.util.Objects.requireNonNull;

import io.nacre.engine.Caller;
import io.nacre.engine.Fid;
import io.nacre.engine.NacreException;
import io.nacre.engine.Status;
import io.nacre.engine.meta.MetadataService;
import io.nacre.engine.meta.XattrFlag;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which clients hold state, kept across server restarts so that after one the server knows whom to wait
 * for in the grace period and whom to refuse reclaims from (RFC 8881 §8.4.2.1, what knfsd's nfsdcld
 * does). The records are extended attributes of the MDS's hidden directory, so they are replicated with
 * the namespace. Without a MetadataService (a data server) they live in this object only. A named gateway
 * (one of a cluster's) keeps its own records ({@code trusted.nacre.nfs.gateway.<name>.client.<key>}): its
 * grace waits only for its own clients, and reclaims are taken only from them.
 */
public final class ClientRecords {

    private static final Logger LOG = LoggerFactory.getLogger(ClientRecords.class);
    static final String PREFIX = "trusted.nacre.nfs.client.";
    private static final String GATEWAY_PREFIX = "trusted.nacre.nfs.gateway.";
    private static final java.util.regex.Pattern KEY = java.util.regex.Pattern.compile("[0-9a-f]{64}");

    private final MetadataService md;
    private final String prefix;
    private final Set<String> inMemory = ConcurrentHashMap.newKeySet();

    /** The records of the only gateway of {@code md}'s file system, extended attributes of its hidden directory. */
    public ClientRecords(MetadataService md) {
        this(md, null);
    }

    /** The records of gateway {@code gateway} (null: the only one) as extended attributes of the hidden directory. */
    public ClientRecords(MetadataService md, String gateway) {
        this.md = requireNonNull(md, "md");
        this.prefix = prefix(gateway);
    }

    private ClientRecords() {
        this.md = null;
        this.prefix = PREFIX;
    }

    /** The xattr name prefix of a gateway's records; an unnamed gateway's are not a named one's, nor the reverse. */
    static String prefix(String gateway) {
        return gateway == null ? PREFIX : GATEWAY_PREFIX + gateway + ".client.";
    }

    /** Records kept in this object, for a server whose state needs no recovery across restarts. */
    public static ClientRecords inMemory() {
        return new ClientRecords();
    }

    /** The key of a client owner: a digest, as owner ids are up to 1024 bytes and not printable. */
    static String key(byte[] ownerId) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(ownerId));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The clients recorded by earlier server instances. */
    Set<String> load() {
        if (md == null) {
            return Set.copyOf(inMemory);
        }
        Set<String> keys = new HashSet<>();
        for (String name : md.xattrs(Caller.ROOT, Fid.HIDDEN).keySet()) {
            // a key is a SHA-256 in hex: gateway "a"'s prefix also begins gateway "a.client.b"'s names
            if (name.startsWith(prefix) && KEY.matcher(name).region(prefix.length(), name.length()).matches()) {
                keys.add(name.substring(prefix.length()));
            }
        }
        return keys;
    }

    void add(String key, byte[] ownerId) {
        if (md == null) {
            inMemory.add(key);
            return;
        }
        md.setXattr(Caller.ROOT, Fid.HIDDEN, prefix + key, ownerId, XattrFlag.EITHER);
    }

    void remove(String key) {
        if (md == null) {
            inMemory.remove(key);
            return;
        }
        try {
            md.removeXattr(Caller.ROOT, Fid.HIDDEN, prefix + key);
        } catch (NacreException e) {
            if (e.status() != Status.NO_XATTR) {
                LOG.warn("could not remove the recovery record of client {}: {}", key, e.toString());
            }
        }
    }

    static String describe(byte[] ownerId) {
        return new String(ownerId, StandardCharsets.UTF_8);
    }
}
