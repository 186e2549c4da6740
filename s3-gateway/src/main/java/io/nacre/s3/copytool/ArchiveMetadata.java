package io.nacre.s3.copytool;

import io.nacre.engine.Fid;
import io.nacre.engine.NacreException;
import io.nacre.engine.meta.Attr;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What an archive object says about its file, in {@code x-amz-meta-*} headers, so that the archive can
 * be read without Nacre. Owner, mode and times use s3fs-fuse's names and forms (uid, gid, mode as the
 * decimal st_mode, mtime/atime/ctime in epoch seconds), so s3fs shows them; the Fid, the path at archive
 * time (percent-encoded: metadata is ASCII), the size, the SHA-256 (single-part objects) or the part
 * size (multipart objects, whose ETag is then checkable by anyone) carry the {@code nacre-} prefix.
 */
final class ArchiveMetadata {

    static final String FID = "nacre-fid";
    static final String PATH = "nacre-path";
    static final String SIZE = "nacre-size";
    static final String SHA256 = "nacre-sha256";
    static final String PART_SIZE = "nacre-part-size";
    static final String MTIME_NS = "nacre-mtime-ns";

    private ArchiveMetadata() {
    }

    static Map<String, String> of(Fid fid, String path, Attr a, String sha256, long partSize) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put(FID, fid.toString());
        if (path != null) {
            m.put(PATH, URLEncoder.encode(path, StandardCharsets.UTF_8).replace("%2F", "/").replace("+", "%20"));
        }
        m.put("uid", Integer.toString(a.uid()));
        m.put("gid", Integer.toString(a.gid()));
        m.put("mode", Integer.toString(a.stMode()));
        m.put("mtime", Long.toString(Math.floorDiv(a.mtime(), 1_000_000_000L)));
        m.put("atime", Long.toString(Math.floorDiv(a.atime(), 1_000_000_000L)));
        m.put("ctime", Long.toString(Math.floorDiv(a.ctime(), 1_000_000_000L)));
        m.put(MTIME_NS, Long.toString(a.mtime()));
        m.put(SIZE, Long.toString(a.size()));
        if (sha256 != null) {
            m.put(SHA256, sha256);
        }
        if (partSize > 0) {
            m.put(PART_SIZE, Long.toString(partSize));
        }
        return m;
    }

    /** The Fid an archive object was written for, or null (not written by Nacre). */
    static Fid fidOf(Map<String, String> metadata) {
        String v = metadata.get(FID);
        if (v == null) {
            return null;
        }
        try {
            return Fid.parse(v);
        } catch (NacreException e) {
            return null;
        }
    }
}
