package io.nacre.s3.ops;

import static java.util.Objects.requireNonNull;

import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.RequestHeaders;
import io.nacre.engine.Caller;
import io.nacre.engine.meta.Attr;
import io.nacre.s3.auth.AuthResult;
import io.nacre.s3.body.PayloadSpec;
import io.nacre.s3.body.PayloadVerifier;
import io.nacre.s3.body.RequestBodyStream;
import io.nacre.s3.checksum.ChecksumAlgorithm;
import io.nacre.s3.error.S3Error;
import io.nacre.s3.error.S3Exception;
import io.nacre.s3.keys.KeyPath;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Map;

/**
 * One S3 request as the operations see it: who sent it (key, and the POSIX caller it maps to), the
 * bucket and key it addresses (decoded from the raw path), its query parameters and headers, and its
 * body as a stream, read only by the operation that needs it.
 */
public final class S3Request {

    /** The identity anonymous requests act as on public buckets (nobody). */
    public static final Caller ANONYMOUS = Caller.of(65534, 65534);

    private final String requestId;
    private final HttpMethod method;
    private final String bucket;
    private final String key;
    private final Map<String, List<String>> query;
    private final RequestHeaders headers;
    private final AuthResult auth;
    private final HttpRequest http;
    private final Gateway gateway;
    private RequestBodyStream body;
    private KeyPath keyPath;
    private Attr bucketAttr;

    public S3Request(String requestId, HttpMethod method, String bucket, String key, Map<String, List<String>> query,
                     RequestHeaders headers, AuthResult auth, HttpRequest http, Gateway gateway) {
        this.requestId = requireNonNull(requestId, "requestId");
        this.method = requireNonNull(method, "method");
        this.bucket = bucket;
        this.key = key;
        this.query = Map.copyOf(query);
        this.headers = requireNonNull(headers, "headers");
        this.auth = requireNonNull(auth, "auth");
        this.http = http;
        this.gateway = requireNonNull(gateway, "gateway");
    }

    public String requestId() {
        return requestId;
    }

    public HttpMethod method() {
        return method;
    }

    /** The bucket name, or null for service-level requests. */
    public String bucket() {
        return bucket;
    }

    /** The object key, or null for bucket-level requests. */
    public String key() {
        return key;
    }

    /** The key as a path; InvalidArgument and friends when it cannot be one. */
    public KeyPath keyPath() {
        if (keyPath == null) {
            keyPath = KeyPath.parse(key);
        }
        return keyPath;
    }

    /** The bucket's directory, looked up (and access-checked by the lookup) once per request. */
    public Attr bucketAttr() {
        if (bucketAttr == null) {
            bucketAttr = gateway.namespace().bucket(caller(), bucket);
        }
        return bucketAttr;
    }

    public boolean hasParam(String name) {
        return query.containsKey(name);
    }

    /** A query parameter's first value, or null. */
    public String param(String name) {
        List<String> v = query.get(name);
        return v == null || v.isEmpty() ? null : v.get(0);
    }

    public RequestHeaders headers() {
        return headers;
    }

    /** A request header's value, or null. */
    public String header(String name) {
        return headers.get(name);
    }

    public AuthResult auth() {
        return auth;
    }

    /** The POSIX identity the request acts as: its key's uid/gid, nobody when anonymous. */
    public Caller caller() {
        return auth.anonymous() ? ANONYMOUS : Caller.of(auth.key().uid(), auth.key().gid());
    }

    public Gateway gateway() {
        return gateway;
    }

    /** The path this request is about, for error documents: "/bucket/key". */
    public String resource() {
        if (bucket == null) {
            return "/";
        }
        return key == null ? "/" + bucket : "/" + bucket + "/" + key;
    }

    /**
     * The raw body as the client sent it (aws-chunked not yet decoded), read from the connection's own
     * buffers; {@link #closeBody} releases what the operation left unread.
     */
    public InputStream rawBody() {
        if (http == null) {
            return InputStream.nullInputStream();
        }
        if (body == null) {
            body = new RequestBodyStream(http);
        }
        return body;
    }

    /** Releases the buffers of a body the operation did not read to its end (or at all). */
    public void closeBody() {
        if (body != null) {
            body.close();
        }
    }

    /** The body, decoded and verified as it is read; finish() holds it to the request's promises. */
    public PayloadVerifier body(ChecksumAlgorithm defaultChecksum) {
        return new PayloadVerifier(rawBody(), PayloadSpec.from(headers, auth, defaultChecksum));
    }

    /**
     * A small body (an XML document) read whole and verified, at most {@code max} bytes; a longer one
     * is MaxMessageLengthExceeded. With {@code needsDigest}, a Content-MD5 or x-amz-checksum must come.
     */
    public byte[] smallBody(int max, boolean needsDigest) throws IOException {
        PayloadSpec spec = PayloadSpec.from(headers, auth, null);
        if (spec.length() > max) {
            throw tooLong(max);
        }
        if (needsDigest && spec.contentMd5() == null && spec.checksum() == null) {
            throw new S3Exception(S3Error.INVALID_REQUEST,
                    "Missing required header for this request: Content-MD5 (or an x-amz-checksum-* header)");
        }
        try (PayloadVerifier v = new PayloadVerifier(rawBody(), spec)) {
            byte[] buf = new byte[Math.min(max + 1, spec.length() >= 0 ? (int) spec.length() + 1 : 64 * 1024)];
            int len = 0;
            while (true) {
                if (len == buf.length) {
                    if (buf.length > max) {
                        throw tooLong(max);
                    }
                    buf = java.util.Arrays.copyOf(buf, Math.min(max + 1, buf.length * 2));
                }
                int n = v.read(buf, len, buf.length - len);
                if (n < 0) {
                    break;
                }
                len += n;
                if (len > max) {
                    throw tooLong(max);
                }
            }
            v.finish();
            return java.util.Arrays.copyOf(buf, len);
        }
    }

    private static S3Exception tooLong(int max) {
        return new S3Exception(S3Error.MAX_MESSAGE_LENGTH_EXCEEDED, "Your request was too big (at most " + max + " bytes).");
    }
}
