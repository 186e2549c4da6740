package io.nacre.s3.fs;

import io.nacre.engine.Caller;
import io.nacre.engine.Fid;
import io.nacre.engine.NacreException;
import io.nacre.engine.Status;
import io.nacre.engine.io.FileIo;
import io.nacre.engine.hsm.ArchiveCopy;
import io.nacre.engine.meta.Attr;
import io.nacre.engine.meta.HsmState;
import io.nacre.engine.meta.MetadataService;
import io.nacre.engine.meta.XattrFlag;
import io.nacre.s3.checksum.Hasher;
import java.nio.ByteBuffer;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads and writes objects' {@link ObjectMeta}, and keeps ETags true: an ETag stored for an older
 * data version (the file was written over NFS or by the CLI since) is recomputed from the data, as
 * the MD5 of its bytes, and cached until the data changes again.
 */
public final class MetaStore {

    private static final Logger LOG = LoggerFactory.getLogger(MetaStore.class);

    /** The MD5 of nothing: the ETag of empty objects and directory keys. */
    public static final String EMPTY_ETAG = "d41d8cd98f00b204e9800998ecf8427e";

    private static final int READ_CHUNK = 1 << 20;

    private final MetadataService mds;
    private final FileIo io;

    public MetaStore(MetadataService mds, FileIo io) {
        this.mds = mds;
        this.io = io;
    }

    /** The stored metadata, whatever data version it was made for; empty when none or unreadable. */
    public Optional<ObjectMeta> stored(Fid fid) {
        return mds.getXattr(Caller.ROOT, fid, ObjectMeta.XATTR).map(ObjectMeta::decode);
    }

    public void store(Fid fid, ObjectMeta meta) {
        mds.setXattr(Caller.ROOT, fid, ObjectMeta.XATTR, meta.encode(), XattrFlag.EITHER);
    }

    /**
     * The metadata of a file whose current attributes are {@code attr}, its ETag valid for the data
     * now: stored when its data version matches, else recomputed from the bytes (and stored).
     */
    public ObjectMeta current(Fid fid, Attr current) {
        return current(fid, current, stored(fid));
    }

    /**
     * As {@link #current(Fid, Attr)}, with the stored metadata as the caller read it already, at or before
     * {@code current} (a stored ETag then counts only if made for the data version of {@code current}).
     */
    public ObjectMeta current(Fid fid, Attr current, Optional<ObjectMeta> stored) {
        Attr attr = current;
        // Writes through this process's FileIo that the MDS has not recorded yet (an NFS WRITE before its
        // COMMIT) changed the bytes without changing the data version: the kept ETag may be of older
        // data, and one computed now must not be kept under that version.
        boolean unrecorded = attr.isRegular() && io.hasUnrecordedWrites(fid);
        if (stored.isPresent() && stored.get().dataVersion() == attr.dataVersion() && !unrecorded) {
            return stored.get();
        }
        if (attr.isDir()) {
            // A directory key has no data: its ETag is always that of nothing.
            return stored.map(m -> new ObjectMeta(current.dataVersion(), EMPTY_ETAG, m.headers(), null, null, false, null))
                    .orElse(new ObjectMeta(attr.dataVersion(), EMPTY_ETAG, Map.of(), null, null, false, null));
        }
        ObjectMeta base = stored.orElse(new ObjectMeta(attr.dataVersion(), EMPTY_ETAG, Map.of(), null, null, false, null));
        if (attr.isRegular() && attr.hsm().has(HsmState.RELEASED)) {
            return archivedEtag(fid, attr, base);
        }
        for (int attempt = 0; attempt < 3; attempt++) {
            long version = attr.dataVersion();
            String etag = md5Of(fid, attr.size());
            Attr after = io.getattr(fid);
            if (after.dataVersion() == version && after.size() == attr.size()) {
                ObjectMeta fresh = base.withEtag(version, etag);
                if (unrecorded) {
                    return fresh;
                }
                try {
                    store(fid, fresh);
                } catch (NacreException e) {
                    LOG.debug("could not cache the ETag of {}: {}", fid, e.toString());
                }
                return fresh;
            }
            attr = after; // written meanwhile: again, on the new data
        }
        throw new NacreException(Status.BUSY, "the data of " + fid + " keeps changing; cannot compute its ETag");
    }

    /**
     * The ETag of a released file (its data is only in the archive): an imported object's own ETag, which
     * is kept; else one made from the archive copy's SHA-256 with a "-1" suffix, so that clients do not take
     * it for an MD5 (the real MD5 is computed once the data is back).
     */
    private ObjectMeta archivedEtag(Fid fid, Attr attr, ObjectMeta base) {
        ArchiveCopy copy = mds.hsmCopy(fid);
        String sum = copy == null ? "" : copy.checksum();
        if (sum.startsWith("etag:")) {
            ObjectMeta m = base.withEtag(attr.dataVersion(), sum.substring("etag:".length()).replace("\"", ""));
            try {
                store(fid, m);
            } catch (NacreException e) {
                LOG.debug("could not cache the ETag of {}: {}", fid, e.toString());
            }
            return m;
        }
        String hex = sum.startsWith("sha256:") && sum.length() >= "sha256:".length() + 32
                ? sum.substring("sha256:".length(), "sha256:".length() + 32) : EMPTY_ETAG;
        return base.withEtag(attr.dataVersion(), hex + "-1");
    }

    /** The hex MD5 of a file's first {@code size} bytes. */
    public String md5Of(Fid fid, long size) {
        Hasher md5 = Hasher.md5();
        if (size > 0) {
            ByteBuffer buf = ByteBuffer.allocate((int) Math.min(READ_CHUNK, size));
            try (FileIo.Reader r = io.openReader(fid, 0, size)) {
                while (true) {
                    buf.clear();
                    int n = r.read(buf);
                    if (n < 0) {
                        break;
                    }
                    buf.flip();
                    md5.update(buf);
                }
            }
        }
        return HexFormat.of().formatHex(md5.finish());
    }
}
