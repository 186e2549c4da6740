package io.nacre.s3.ops;

import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.common.ResponseHeadersBuilder;
import io.nacre.s3.error.S3Error;
import io.nacre.s3.error.S3Exception;
import io.nacre.s3.fs.ObjectMeta;
import io.netty.util.AsciiString;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The headers S3 keeps with an object (Content-Type and friends, x-amz-meta-*) and gives back on GET. */
final class ObjectHeaders {

    static final String DEFAULT_CONTENT_TYPE = "binary/octet-stream";
    static final List<String> STORED = List.of("content-type", "content-encoding", "content-disposition",
            "content-language", "cache-control", "expires");
    static final String META_PREFIX = "x-amz-meta-";
    /** S3's limit on user metadata: names and values, in bytes of UTF-8. */
    static final int MAX_USER_METADATA = 2048;

    private ObjectHeaders() {
    }

    /** The headers of a PUT (or copy with REPLACE, or CreateMultipartUpload) to keep with the object. */
    static Map<String, String> fromRequest(RequestHeaders h) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String name : STORED) {
            String v = h.get(name);
            if (v == null) {
                continue;
            }
            if (name.equals("content-encoding")) {
                v = withoutAwsChunked(v);
                if (v.isEmpty()) {
                    continue;
                }
            }
            out.put(name, v);
        }
        int userBytes = 0;
        for (Map.Entry<AsciiString, String> e : h) {
            String name = e.getKey().toString().toLowerCase(Locale.ROOT);
            if (name.startsWith(META_PREFIX)) {
                String prev = out.get(name);
                String v = prev == null ? e.getValue() : prev + "," + e.getValue();
                out.put(name, v);
                userBytes += (name.length() - META_PREFIX.length()) + e.getValue().getBytes(StandardCharsets.UTF_8).length;
            }
        }
        if (userBytes > MAX_USER_METADATA) {
            throw new S3Exception(S3Error.METADATA_TOO_LARGE,
                    "Your metadata headers exceed the maximum allowed metadata size.")
                    .with("Size", Integer.toString(userBytes)).with("MaxSizeAllowed", Integer.toString(MAX_USER_METADATA));
        }
        return out;
    }

    /** aws-chunked is how the body was sent, not how the object is encoded: S3 drops it. */
    static String withoutAwsChunked(String contentEncoding) {
        StringBuilder sb = new StringBuilder();
        for (String part : contentEncoding.split(",")) {
            String p = part.strip();
            if (p.isEmpty() || p.equalsIgnoreCase("aws-chunked")) {
                continue;
            }
            if (!sb.isEmpty()) {
                sb.append(',');
            }
            sb.append(p);
        }
        return sb.toString();
    }

    /** Adds the stored headers to a GET/HEAD response, honouring response-* overrides of signed requests. */
    static void apply(ResponseHeadersBuilder b, ObjectMeta meta, S3Request r) {
        Map<String, String> stored = meta.headers();
        for (String name : STORED) {
            String override = r.auth().anonymous() ? null : r.param("response-" + name);
            String v = override != null ? override : stored.get(name);
            if (v == null && name.equals("content-type")) {
                v = DEFAULT_CONTENT_TYPE;
            }
            if (v != null) {
                b.set(name, v);
            }
        }
        for (Map.Entry<String, String> e : stored.entrySet()) {
            if (e.getKey().startsWith(META_PREFIX)) {
                b.add(e.getKey(), e.getValue());
            }
        }
    }
}
