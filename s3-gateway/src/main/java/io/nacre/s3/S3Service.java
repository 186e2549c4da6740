package io.nacre.s3;

import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.ServiceRequestContext;
import io.nacre.s3.auth.AuthResult;
import io.nacre.s3.auth.QueryString;
import io.nacre.s3.auth.SigV4;
import io.nacre.s3.error.ErrorMapping;
import io.nacre.s3.error.S3Error;
import io.nacre.s3.error.S3Exception;
import io.nacre.s3.ops.Gateway;
import io.nacre.s3.ops.Operations;
import io.nacre.s3.ops.Responses;
import io.nacre.s3.ops.S3Operation;
import io.nacre.s3.ops.S3Request;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The S3 endpoint: reads bucket and key from the raw request target (path style, or virtual-host
 * style under a configured domain), authenticates, picks the operation from {@link Operations} and
 * runs it on a virtual thread; every failure becomes an S3 error document.
 */
final class S3Service implements HttpService {

    private static final Logger LOG = LoggerFactory.getLogger(S3Service.class);
    private static final HexFormat HEX = HexFormat.of().withUpperCase();
    private static final long DRAIN_LIMIT = 1 << 20;
    private static final long DRAIN_WAIT_SECONDS = 5;
    /** What anonymous requests may do, on public-read buckets only. */
    private static final Set<String> ANONYMOUS_OPS = Set.of("GetObject", "HeadObject", "ListObjects", "ListObjectsV2",
            "HeadBucket", "GetBucketLocation");

    private final Gateway gateway;
    private final String virtualHostDomain;

    S3Service(Gateway gateway, String virtualHostDomain) {
        this.gateway = gateway;
        this.virtualHostDomain = virtualHostDomain == null || virtualHostDomain.isEmpty()
                ? null : virtualHostDomain.toLowerCase(Locale.ROOT);
    }

    /**
     * An id to find a request by in logs; unique, not secret, so not from SecureRandom (whose shared
     * source is a lock every concurrent request would queue on).
     */
    static String newRequestId() {
        return HEX.toHexDigits(ThreadLocalRandom.current().nextLong());
    }

    @Override
    public HttpResponse serve(ServiceRequestContext ctx, HttpRequest req) {
        String requestId = newRequestId();
        ctx.addAdditionalResponseHeader("x-amz-request-id", requestId);
        ctx.addAdditionalResponseHeader("x-amz-id-2", requestId);
        return HttpResponse.of(CompletableFuture.supplyAsync(() -> handle(ctx, req, requestId), gateway.blocking()));
    }

    /**
     * Bucket, key and query of a request, from its raw target; {@code v2Resource} is what a Signature
     * Version 2 request signs ("/bucket" + the path for virtual-host style).
     */
    record Target(String bucket, String key, String rawPath, String rawQuery, String v2Resource) {
        Operations.Level level() {
            return bucket == null ? Operations.Level.SERVICE : key == null ? Operations.Level.BUCKET : Operations.Level.OBJECT;
        }

        String resource() {
            return bucket == null ? "/" : key == null ? "/" + bucket : "/" + bucket + "/" + key;
        }
    }

    /**
     * Splits the raw request target (as sent: "//" and ";" kept) into bucket and key; under the
     * virtual-host domain the bucket is the host's first labels and the whole path is the key.
     */
    static Target target(String rawTarget, String host, String virtualHostDomain) {
        int q = rawTarget.indexOf('?');
        String rawPath = q < 0 ? rawTarget : rawTarget.substring(0, q);
        String rawQuery = q < 0 ? "" : rawTarget.substring(q + 1);
        if (!rawPath.startsWith("/")) {
            throw new S3Exception(S3Error.INVALID_URI, "Couldn't parse the specified URI.");
        }
        String bucket = null;
        String keyPart;
        String v2Resource = rawPath;
        String h = host == null ? "" : host.toLowerCase(Locale.ROOT);
        int colon = h.lastIndexOf(':');
        if (colon > 0 && h.indexOf(']') < colon) {
            h = h.substring(0, colon);
        }
        if (virtualHostDomain != null && h.endsWith("." + virtualHostDomain)) {
            bucket = h.substring(0, h.length() - virtualHostDomain.length() - 1);
            keyPart = rawPath.substring(1);
            v2Resource = "/" + bucket + rawPath;
        } else {
            String rest = rawPath.substring(1);
            int slash = rest.indexOf('/');
            String b = slash < 0 ? rest : rest.substring(0, slash);
            if (!b.isEmpty()) {
                bucket = QueryString.decode(b.replace("+", "%2B"));
            }
            keyPart = slash < 0 ? "" : rest.substring(slash + 1);
        }
        String key = keyPart.isEmpty() ? null : utf8(SigV4.percentDecode(keyPart, false));
        if (bucket == null && key != null) {
            throw new S3Exception(S3Error.INVALID_URI, "Couldn't parse the specified URI.");
        }
        return new Target(bucket, key, rawPath, rawQuery, v2Resource);
    }

    private static String utf8(byte[] b) {
        try {
            return java.nio.charset.StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
                    .decode(java.nio.ByteBuffer.wrap(b)).toString();
        } catch (java.nio.charset.CharacterCodingException e) {
            throw new S3Exception(S3Error.INVALID_URI, "Couldn't parse the specified URI: the key is not UTF-8");
        }
    }

    private HttpResponse handle(ServiceRequestContext ctx, HttpRequest req, String requestId) {
        RequestHeaders headers = req.headers();
        HttpMethod method = headers.method();
        boolean head = method == HttpMethod.HEAD;
        String resource = "/";
        S3Operation op = null;
        S3Request r = null;
        try {
            String host = headers.get("host") != null ? headers.get("host") : headers.authority();
            Target t = target(ctx.rawPath(), host, virtualHostDomain);
            resource = t.resource();
            Map<String, List<String>> query = new LinkedHashMap<>();
            for (Map.Entry<String, String> p : QueryString.parse(t.rawQuery())) {
                query.computeIfAbsent(p.getKey(), k -> new ArrayList<>()).add(p.getValue());
            }
            AuthResult auth = gateway.authenticator().authenticate(method.name(), t.rawPath(), t.rawQuery(), headers,
                    t.v2Resource());
            op = Operations.resolve(method, t.level(), query::containsKey, headers.contains("x-amz-copy-source"));
            r = new S3Request(requestId, method, t.bucket(), t.key(), query, headers, auth, req, gateway);
            if (auth.anonymous()) {
                checkAnonymous(r, op);
            }
            LOG.debug("{} {} {} by {}", requestId, op.name(), resource, auth.anonymous() ? "anonymous" : auth.key().accessKey());
            return op.handle(r);
        } catch (Throwable e) {
            S3Exception s3 = ErrorMapping.toS3(e, op == null ? ErrorMapping.Target.OBJECT : op.target());
            if (s3.error() == S3Error.INTERNAL_ERROR) {
                LOG.warn("{} {} {} failed", requestId, op == null ? method : op.name(), resource, e);
            } else {
                LOG.debug("{} {} {}: {} {}", requestId, op == null ? method : op.name(), resource, s3.error().code(),
                        s3.getMessage());
            }
            drainSmallBody(req, headers);
            return Responses.error(s3, resource, requestId, head);
        } finally {
            if (r != null) {
                r.closeBody();
            }
        }
    }

    /**
     * Reads and drops a small request body nobody read before an error answer. Answering first makes
     * HTTP/2 reset the request stream (CANCEL), and some clients (the JDK's) then report a failure
     * instead of the answer. Large bodies are not read (a refused 5 GiB upload is not worth taking in;
     * those clients see the reset, as with AWS's closed connection), nor bodies held back by
     * "Expect: 100-continue", whose point is that an error goes without them.
     */
    private static void drainSmallBody(HttpRequest req, RequestHeaders headers) {
        long declared = headers.contentLength();
        if (req.isComplete() || declared <= 0 || declared > DRAIN_LIMIT || headers.contains("expect")) {
            return;
        }
        try {
            req.aggregate().get(DRAIN_WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            // already read in part, aborted or too slow: answer anyway
        }
    }

    private void checkAnonymous(S3Request r, S3Operation op) {
        if (r.bucket() != null && ANONYMOUS_OPS.contains(op.name())
                && gateway.namespace().bucketAcl(r.bucketAttr().fid()).equals("public-read")) {
            return;
        }
        throw new S3Exception(S3Error.ACCESS_DENIED, "Access Denied");
    }
}
