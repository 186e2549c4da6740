package io.nacre.s3.copytool;

import io.nacre.engine.Fid;
import io.nacre.engine.NacreException;
import io.nacre.engine.Status;

/**
 * Archive keys and handles, pure. A file is archived under {@code <prefix>/<path at archive time>}, for
 * people to find; a file without a path (its first name removed) under {@code <prefix>/.nacre/fid/<fid>};
 * a key already holding another file's copy gets {@code .nacre-<fid>} appended. A handle is
 * {@code s3://<bucket>/<key>}.
 */
final class S3Keys {

    private S3Keys() {
    }

    static String trimSlashes(String s) {
        int a = 0;
        int b = s.length();
        while (a < b && s.charAt(a) == '/') {
            a++;
        }
        while (b > a && s.charAt(b - 1) == '/') {
            b--;
        }
        return s.substring(a, b);
    }

    /** The key a file is archived under. */
    static String key(String prefix, String path, Fid fid) {
        String rel = path == null || trimSlashes(path).isEmpty() ? ".nacre/fid/" + fid.toHex() : trimSlashes(path);
        return prefix.isEmpty() ? rel : prefix + "/" + rel;
    }

    /** The key to use when {@code key} holds another file's copy. */
    static String distinct(String key, Fid fid) {
        return key + ".nacre-" + fid.toHex();
    }

    static String handle(String bucket, String key) {
        return "s3://" + bucket + "/" + key;
    }

    /** A parsed handle or source: bucket and key (or prefix, possibly empty). */
    record Location(String bucket, String key) {
    }

    static Location parse(String handle) {
        if (handle == null || !handle.startsWith("s3://")) {
            throw new NacreException(Status.INVALID, "not an S3 location (s3://bucket/key): " + handle);
        }
        String rest = handle.substring("s3://".length());
        int slash = rest.indexOf('/');
        String bucket = slash < 0 ? rest : rest.substring(0, slash);
        String key = slash < 0 ? "" : rest.substring(slash + 1);
        if (bucket.isEmpty()) {
            throw new NacreException(Status.INVALID, "no bucket in " + handle);
        }
        return new Location(bucket, key);
    }
}
