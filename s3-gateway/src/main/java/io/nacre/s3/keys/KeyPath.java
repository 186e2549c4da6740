package io.nacre.s3.keys;

import io.nacre.s3.error.S3Error;
import io.nacre.s3.error.S3Exception;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * An object key as a path below its bucket: '/' separates directories. A key ending in '/' names the
 * directory itself. Keys that cannot be a path ("a//b", "/a", "a/./b", "a/../b", NUL) are refused with
 * an explanatory InvalidArgument rather than stored somewhere else than asked.
 *
 * @param key       the key as the client gave it
 * @param segments  its path components, without the empty one after a trailing '/'
 * @param directory true when the key ends with '/'
 */
public record KeyPath(String key, List<String> segments, boolean directory) {

    /** S3's longest key, in bytes of UTF-8. */
    public static final int MAX_KEY_BYTES = 1024;
    /** The longest path component (NAME_MAX). */
    public static final int MAX_SEGMENT_BYTES = 255;

    public KeyPath {
        segments = List.copyOf(segments);
    }

    public static KeyPath parse(String key) {
        if (key.isEmpty()) {
            throw invalid(key, "an object key cannot be empty");
        }
        if (key.getBytes(StandardCharsets.UTF_8).length > MAX_KEY_BYTES) {
            throw new S3Exception(S3Error.KEY_TOO_LONG, "Your key is too long (more than 1024 bytes of UTF-8)")
                    .with("MaxSizeAllowed", Integer.toString(MAX_KEY_BYTES));
        }
        if (key.indexOf('\0') >= 0) {
            throw invalid(key, "an object key cannot contain NUL characters");
        }
        boolean dir = key.endsWith("/");
        String body = dir ? key.substring(0, key.length() - 1) : key;
        List<String> segs = new ArrayList<>();
        int start = 0;
        while (true) {
            int slash = body.indexOf('/', start);
            String seg = slash < 0 ? body.substring(start) : body.substring(start, slash);
            if (seg.isEmpty()) {
                throw invalid(key, "keys are stored as paths and this key has an empty segment "
                        + "(a leading '/' or '//'); remove the extra '/'");
            }
            if (seg.equals(".") || seg.equals("..")) {
                throw invalid(key, "keys are stored as paths and a path segment cannot be '" + seg + "'");
            }
            if (seg.getBytes(StandardCharsets.UTF_8).length > MAX_SEGMENT_BYTES) {
                throw new S3Exception(S3Error.KEY_TOO_LONG,
                        "Your key is too long: each '/'-separated segment of a key is at most 255 bytes of UTF-8")
                        .with("MaxSizeAllowed", Integer.toString(MAX_SEGMENT_BYTES));
            }
            segs.add(seg);
            if (slash < 0) {
                break;
            }
            start = slash + 1;
        }
        return new KeyPath(key, segs, dir);
    }

    /** The directories leading to the object (all segments but the last). */
    public List<String> parents() {
        return segments.subList(0, segments.size() - 1);
    }

    /** The last segment: the object's (or directory's) own name. */
    public String name() {
        return segments.get(segments.size() - 1);
    }

    /** The path relative to the bucket, without a trailing '/'. */
    public String relativePath() {
        return String.join("/", segments);
    }

    private static S3Exception invalid(String key, String why) {
        return new S3Exception(S3Error.INVALID_ARGUMENT, "Invalid object key: " + why)
                .with("ArgumentName", "key").with("ArgumentValue", key.length() > 200 ? key.substring(0, 200) : key);
    }
}
