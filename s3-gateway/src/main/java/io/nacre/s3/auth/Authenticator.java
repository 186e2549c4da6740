package io.nacre.s3.auth;

import static java.util.Objects.requireNonNull;

import com.linecorp.armeria.common.HttpHeaders;
import io.nacre.s3.error.S3Error;
import io.nacre.s3.error.S3Exception;
import java.time.Clock;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Checks a request's SigV4 signature, in the Authorization header or in a presigned URL, against the
 * key store: the canonical request is rebuilt from the raw path and query as sent. Also enforces the
 * clock skew bound and presigned expiry limits (at most 7 days, as AWS).
 */
public final class Authenticator {

    /** AWS refuses requests whose time is more than 15 minutes off. */
    public static final Duration MAX_SKEW = Duration.ofMinutes(15);
    /** The longest a presigned URL may live (X-Amz-Expires), 7 days. */
    public static final long MAX_PRESIGN_SECONDS = 604_800;

    static final DateTimeFormatter AMZ_DATE = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'", Locale.ROOT);

    private final KeyStore keys;
    private final Clock clock;
    private final Map<String, byte[]> signingKeys = new ConcurrentHashMap<>();

    public Authenticator(KeyStore keys, Clock clock) {
        this.keys = requireNonNull(keys, "keys");
        this.clock = requireNonNull(clock, "clock");
    }

    /** The parts of a SigV4 credential: key, date (yyyyMMdd), region. */
    record Credential(String accessKey, String date, String region) {
    }

    /**
     * Authenticates a request. {@code headers} are the request headers (lower-case names; "host" may be
     * given as the :authority pseudo-header); {@code rawPath} and {@code rawQuery} as the client sent them.
     * Returns an anonymous result when the request carries no signature at all.
     */
    public AuthResult authenticate(String method, String rawPath, String rawQuery, HttpHeaders headers) {
        return authenticate(method, rawPath, rawQuery, headers, rawPath);
    }

    /**
     * As {@link #authenticate(String, String, String, HttpHeaders)}; {@code v2Resource} is the resource a
     * Signature Version 2 request signs: "/bucket" + the raw path for virtual-host style, else the raw path.
     */
    public AuthResult authenticate(String method, String rawPath, String rawQuery, HttpHeaders headers,
                                   String v2Resource) {
        String authorization = headers.get("authorization");
        List<Map.Entry<String, String>> query = QueryString.parse(rawQuery);
        boolean presigned = has(query, "X-Amz-Signature") || has(query, "X-Amz-Algorithm")
                || has(query, "X-Amz-Credential");
        if (authorization != null && presigned) {
            throw new S3Exception(S3Error.INVALID_ARGUMENT, "Only one auth mechanism allowed; only the X-Amz-Algorithm "
                    + "query parameter or the Authorization header should be specified").with("ArgumentName", "Authorization");
        }
        if (authorization != null && authorization.startsWith("AWS ")) {
            return v2HeaderAuth(method, headers, authorization, v2Resource, query);
        }
        if (authorization != null) {
            return headerAuth(method, rawPath, rawQuery, headers, authorization);
        }
        if (presigned) {
            return presignedAuth(method, rawPath, rawQuery, headers, query);
        }
        if (has(query, "Signature") || has(query, "AWSAccessKeyId")) {
            return v2QueryAuth(method, headers, v2Resource, query);
        }
        String sha = headers.get("x-amz-content-sha256");
        PayloadMode mode = sha == null ? PayloadMode.UNSIGNED : PayloadMode.of(sha);
        if (mode.signedChunks()) {
            throw new S3Exception(S3Error.ACCESS_DENIED, "A signed streaming payload needs a signed request");
        }
        return new AuthResult(null, mode, mode == PayloadMode.SHA256 ? sha.toLowerCase(Locale.ROOT) : null, null);
    }

    // ---- Authorization header --------------------------------------------------------------------

    private AuthResult headerAuth(String method, String rawPath, String rawQuery, HttpHeaders headers, String auth) {
        if (!auth.startsWith(SigV4.ALGORITHM + " ")) {
            throw new S3Exception(S3Error.INVALID_ARGUMENT, "Unsupported Authorization Type")
                    .with("ArgumentName", "Authorization").with("ArgumentValue", clip(auth));
        }
        String credential = null;
        String signedHeaders = null;
        String signature = null;
        for (String part : auth.substring(SigV4.ALGORITHM.length() + 1).split(",")) {
            String p = part.strip();
            int eq = p.indexOf('=');
            if (eq <= 0) {
                throw malformedHeader("the authorization header is malformed; " + clip(p));
            }
            String name = p.substring(0, eq);
            String value = p.substring(eq + 1).strip();
            switch (name) {
                case "Credential" -> credential = value;
                case "SignedHeaders" -> signedHeaders = value;
                case "Signature" -> signature = value;
                default -> throw malformedHeader("the authorization header is malformed; unexpected " + clip(name));
            }
        }
        if (credential == null || signedHeaders == null || signature == null) {
            throw malformedHeader("the authorization header requires Credential, SignedHeaders and Signature");
        }
        Credential cred = parseCredential(credential, true);
        KeyStore.Key key = keys.find(cred.accessKey()).orElseThrow(Authenticator::unknownKey);

        String amzDate = headers.get("x-amz-date");
        Instant time;
        String timestamp;
        if (amzDate != null) {
            time = parseAmzDate(amzDate, true);
            timestamp = amzDate;
        } else if (headers.get("date") != null) {
            try {
                time = ZonedDateTime.parse(headers.get("date"), DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
            } catch (DateTimeParseException e) {
                throw new S3Exception(S3Error.ACCESS_DENIED, "AWS authentication requires a valid Date or x-amz-date header");
            }
            timestamp = AMZ_DATE.format(time.atOffset(ZoneOffset.UTC));
        } else {
            throw new S3Exception(S3Error.ACCESS_DENIED, "AWS authentication requires a valid Date or x-amz-date header");
        }
        if (!timestamp.startsWith(cred.date())) {
            throw malformedHeader("Invalid credential date \"" + cred.date() + "\". This date is not the same as X-Amz-Date: \""
                    + timestamp.substring(0, Math.min(8, timestamp.length())) + "\".");
        }
        checkSkew(time);

        String contentSha = headers.get("x-amz-content-sha256");
        if (contentSha == null) {
            throw new S3Exception(S3Error.INVALID_REQUEST, "Missing required header for this request: x-amz-content-sha256");
        }
        PayloadMode mode = PayloadMode.of(contentSha);
        List<String> signed = signedHeaderList(signedHeaders, Authenticator::malformedHeader);
        byte[] signingKey = signingKey(key, cred);
        String scope = SigV4.scope(cred.date(), cred.region());
        String expected = verify(key, signingKey, scope, timestamp, method, rawPath, rawQuery, false, headers, signed,
                contentSha, signature);
        ChunkSigner chunks = mode.signedChunks() ? new ChunkSigner(signingKey, timestamp, scope, expected) : null;
        return new AuthResult(key, mode, mode == PayloadMode.SHA256 ? contentSha.toLowerCase(Locale.ROOT) : null, chunks);
    }

    // ---- presigned URL ---------------------------------------------------------------------------

    private AuthResult presignedAuth(String method, String rawPath, String rawQuery, HttpHeaders headers,
                                     List<Map.Entry<String, String>> query) {
        String algorithm = one(query, "X-Amz-Algorithm");
        String credential = one(query, "X-Amz-Credential");
        String date = one(query, "X-Amz-Date");
        String expires = one(query, "X-Amz-Expires");
        String signedHeaders = one(query, "X-Amz-SignedHeaders");
        String signature = one(query, "X-Amz-Signature");
        if (algorithm == null || credential == null || date == null || signedHeaders == null || signature == null) {
            throw queryError("Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, "
                    + "X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.");
        }
        if (!algorithm.equals(SigV4.ALGORITHM)) {
            throw queryError("X-Amz-Algorithm only supports \"AWS4-HMAC-SHA256\"");
        }
        if (expires == null) {
            throw queryError("X-Amz-Expires must be given");
        }
        long expirySeconds;
        try {
            expirySeconds = Long.parseLong(expires);
        } catch (NumberFormatException e) {
            throw queryError("X-Amz-Expires should be a number");
        }
        if (expirySeconds < 0) {
            throw queryError("X-Amz-Expires must be non-negative");
        }
        if (expirySeconds > MAX_PRESIGN_SECONDS) {
            throw queryError("X-Amz-Expires must be less than a week (in seconds) that is 604800");
        }
        Credential cred = parseCredential(credential, false);
        Instant time = parseAmzDate(date, false);
        if (!date.startsWith(cred.date())) {
            throw queryError("Invalid credential date \"" + cred.date() + "\". This date is not the same as X-Amz-Date: \""
                    + date.substring(0, 8) + "\".");
        }
        KeyStore.Key key = keys.find(cred.accessKey()).orElseThrow(Authenticator::unknownKey);
        Instant now = clock.instant();
        if (time.isAfter(now.plus(MAX_SKEW))) {
            throw new S3Exception(S3Error.ACCESS_DENIED, "Request is not valid yet");
        }
        if (now.isAfter(time.plusSeconds(expirySeconds))) {
            throw new S3Exception(S3Error.ACCESS_DENIED, "Request has expired")
                    .with("X-Amz-Expires", expires)
                    .with("Expires", time.plusSeconds(expirySeconds).toString())
                    .with("ServerTime", now.toString());
        }
        String contentSha = one(query, "X-Amz-Content-Sha256");
        if (contentSha == null) {
            contentSha = headers.get("x-amz-content-sha256");
        }
        String payloadHash = contentSha == null ? PayloadMode.UNSIGNED_PAYLOAD : contentSha;
        PayloadMode mode = PayloadMode.of(payloadHash);
        if (mode.chunked()) {
            throw queryError("a presigned request cannot carry a streaming (aws-chunked) payload");
        }
        List<String> signed = signedHeaderList(signedHeaders, Authenticator::queryError);
        verify(key, signingKey(key, cred), SigV4.scope(cred.date(), cred.region()), date, method, rawPath, rawQuery, true,
                headers, signed, payloadHash, signature);
        return new AuthResult(key, mode, mode == PayloadMode.SHA256 ? payloadHash.toLowerCase(Locale.ROOT) : null, null);
    }

    /** Rebuilds the canonical request and checks the signature; returns it (the seed of chunk signatures). */
    private static String verify(KeyStore.Key key, byte[] signingKey, String scope, String timestamp, String method,
                                 String rawPath, String rawQuery, boolean presigned, HttpHeaders headers,
                                 List<String> signed, String payloadHash, String signature) {
        String canonical = SigV4.canonicalRequest(method, SigV4.canonicalUri(rawPath),
                SigV4.canonicalQuery(rawQuery, presigned), SigV4.canonicalHeaders(signed, n -> headerValues(headers, n)),
                signed, payloadHash);
        String sts = SigV4.stringToSign(timestamp, scope, canonical);
        String expected = SigV4.signature(signingKey, sts);
        if (!SigV4.sameSignature(expected, signature)) {
            throw mismatch(key, sts, canonical, signature);
        }
        return expected;
    }

    // ---- Signature Version 2 (legacy: presigned URLs of s3cmd, aws-cli, boto3) ---------------------

    private AuthResult v2HeaderAuth(String method, HttpHeaders headers, String auth, String resource,
                                    List<Map.Entry<String, String>> query) {
        String cred = auth.substring(4).strip();
        int colon = cred.lastIndexOf(':');
        if (colon <= 0) {
            throw new S3Exception(S3Error.INVALID_ARGUMENT, "AWS authorization header is invalid.  Expected AwsAccessKeyId:signature")
                    .with("ArgumentName", "Authorization");
        }
        KeyStore.Key key = keys.find(cred.substring(0, colon)).orElseThrow(Authenticator::unknownKey);
        String amzDate = headers.get("x-amz-date");
        String date = headers.get("date");
        Instant time;
        try {
            time = ZonedDateTime.parse(amzDate != null ? amzDate : date, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
        } catch (DateTimeParseException | NullPointerException e) {
            throw new S3Exception(S3Error.ACCESS_DENIED, "AWS authentication requires a valid Date or x-amz-date header");
        }
        checkSkew(time);
        String sts = SigV2.stringToSign(method, headers.get("content-md5"), headers.get("content-type"),
                amzDate != null ? "" : date, n -> headers.getAll(n), names(headers), resource, query);
        if (!SigV4.sameSignature(SigV2.sign(key.secretKey(), sts), cred.substring(colon + 1))) {
            throw mismatch(key, sts, "", cred.substring(colon + 1));
        }
        return new AuthResult(key, v2Payload(headers), null, null);
    }

    private AuthResult v2QueryAuth(String method, HttpHeaders headers, String resource,
                                   List<Map.Entry<String, String>> query) {
        String akid = one(query, "AWSAccessKeyId");
        String signature = one(query, "Signature");
        String expires = one(query, "Expires");
        if (akid == null || signature == null || expires == null) {
            throw new S3Exception(S3Error.ACCESS_DENIED,
                    "Query-string authentication requires the Signature, Expires and AWSAccessKeyId parameters");
        }
        long expiry;
        try {
            expiry = Long.parseLong(expires);
        } catch (NumberFormatException e) {
            throw new S3Exception(S3Error.ACCESS_DENIED, "Invalid date (should be seconds since epoch): " + clip(expires));
        }
        KeyStore.Key key = keys.find(akid).orElseThrow(Authenticator::unknownKey);
        if (clock.instant().getEpochSecond() > expiry) {
            throw new S3Exception(S3Error.ACCESS_DENIED, "Request has expired")
                    .with("Expires", Instant.ofEpochSecond(expiry).toString())
                    .with("ServerTime", clock.instant().toString());
        }
        String sts = SigV2.stringToSign(method, headers.get("content-md5"), headers.get("content-type"), expires,
                n -> headers.getAll(n), names(headers), resource, query);
        if (!SigV4.sameSignature(SigV2.sign(key.secretKey(), sts), signature)) {
            throw mismatch(key, sts, "", signature);
        }
        return new AuthResult(key, v2Payload(headers), null, null);
    }

    private static PayloadMode v2Payload(HttpHeaders headers) {
        String sha = headers.get("x-amz-content-sha256");
        PayloadMode mode = sha == null ? PayloadMode.UNSIGNED : PayloadMode.of(sha);
        if (mode != PayloadMode.UNSIGNED) {
            throw new S3Exception(S3Error.INVALID_REQUEST, "Signature Version 2 requests carry unsigned payloads only");
        }
        return mode;
    }

    private static List<String> names(HttpHeaders headers) {
        List<String> out = new ArrayList<>();
        headers.names().forEach(n -> out.add(n.toString()));
        return out;
    }

    // ---- pieces ----------------------------------------------------------------------------------

    private byte[] signingKey(KeyStore.Key key, Credential cred) {
        String id = key.accessKey() + '\n' + key.secretKey() + '\n' + cred.date() + '\n' + cred.region();
        byte[] k = signingKeys.get(id);
        if (k == null) {
            if (signingKeys.size() > 4096) {
                signingKeys.clear();
            }
            k = SigV4.signingKey(key.secretKey(), cred.date(), cred.region(), SigV4.SERVICE);
            signingKeys.put(id, k);
        }
        return k;
    }

    private Credential parseCredential(String credential, boolean header) {
        String[] f = credential.split("/", -1);
        if (f.length != 5 || f[0].isEmpty() || f[1].length() != 8 || f[2].isEmpty()) {
            String m = "the Credential is mal-formed; expecting \"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request\".";
            throw header ? malformedHeader(m) : queryError("Error parsing the X-Amz-Credential parameter; " + m);
        }
        for (int i = 0; i < 8; i++) {
            if (!Character.isDigit(f[1].charAt(i))) {
                String m = "Invalid credential date \"" + clip(f[1]) + "\"";
                throw header ? malformedHeader(m) : queryError(m);
            }
        }
        if (!f[3].equals(SigV4.SERVICE)) {
            String m = "the service '" + clip(f[3]) + "' is wrong; expecting 's3'";
            throw header ? malformedHeader(m) : queryError(m);
        }
        if (!f[4].equals(SigV4.TERMINATOR)) {
            String m = "the Credential should be scoped with a valid terminator: 'aws4_request', not '" + clip(f[4]) + "'.";
            throw header ? malformedHeader(m) : queryError(m);
        }
        return new Credential(f[0], f[1], f[2]);
    }

    /**
     * Parses "yyyyMMdd'T'HHmmss'Z'" by hand: every request carries one, and the formatter's general
     * parser cost more than the signature check it precedes.
     */
    static Instant parseAmzDate(String s, boolean header) {
        try {
            if (s.length() != 16 || s.charAt(8) != 'T' || s.charAt(15) != 'Z') {
                throw new DateTimeException("not yyyyMMdd'T'HHmmss'Z': " + s);
            }
            return LocalDateTime.of(digits(s, 0, 4), digits(s, 4, 2), digits(s, 6, 2), digits(s, 9, 2), digits(s, 11, 2),
                    digits(s, 13, 2)).toInstant(ZoneOffset.UTC);
        } catch (DateTimeException e) {
            if (header) {
                throw new S3Exception(S3Error.ACCESS_DENIED, "AWS authentication requires a valid Date or x-amz-date header");
            }
            throw queryError("X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"");
        }
    }

    private static int digits(String s, int from, int n) {
        int v = 0;
        for (int i = from; i < from + n; i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                throw new DateTimeException("not a digit at " + i + ": " + s);
            }
            v = v * 10 + (c - '0');
        }
        return v;
    }

    private void checkSkew(Instant time) {
        Instant now = clock.instant();
        if (Duration.between(time, now).abs().compareTo(MAX_SKEW) > 0) {
            throw new S3Exception(S3Error.REQUEST_TIME_TOO_SKEWED,
                    "The difference between the request time and the current time is too large.")
                    .with("RequestTime", time.toString()).with("ServerTime", now.toString())
                    .with("MaxAllowedSkewMilliseconds", Long.toString(MAX_SKEW.toMillis()));
        }
    }

    private static List<String> signedHeaderList(String signedHeaders, java.util.function.Function<String, S3Exception> error) {
        List<String> list = new ArrayList<>(Arrays.asList(signedHeaders.split(";", -1)));
        for (String h : list) {
            if (h.isEmpty() || !h.equals(h.toLowerCase(Locale.ROOT))) {
                throw error.apply("SignedHeaders must be lower-case header names separated by ';'");
            }
        }
        if (!list.contains("host")) {
            throw error.apply("SignedHeaders must include host");
        }
        return list;
    }

    /** A header's values as the client sent them; "host" falls back to :authority (HTTP/2, or Armeria's view). */
    static List<String> headerValues(HttpHeaders headers, String name) {
        List<String> v = headers.getAll(name);
        if (v.isEmpty() && name.equals("host")) {
            String authority = headers.get(":authority");
            return authority == null ? List.of() : List.of(authority);
        }
        if (v.isEmpty() && name.equals("expect")) {
            return List.of("100-continue"); // the HTTP server answered it and dropped the header
        }
        return v;
    }

    private static S3Exception mismatch(KeyStore.Key key, String sts, String canonical, String given) {
        return new S3Exception(S3Error.SIGNATURE_DOES_NOT_MATCH,
                "The request signature we calculated does not match the signature you provided. Check your key and signing method.")
                .with("AWSAccessKeyId", key.accessKey())
                .with("StringToSign", sts)
                .with("SignatureProvided", clip(given))
                .with("CanonicalRequest", canonical);
    }

    private static S3Exception unknownKey() {
        return new S3Exception(S3Error.INVALID_ACCESS_KEY_ID,
                "The AWS Access Key Id you provided does not exist in our records.");
    }

    private static S3Exception malformedHeader(String m) {
        return new S3Exception(S3Error.AUTHORIZATION_HEADER_MALFORMED, "The authorization header is malformed; " + m);
    }

    private static S3Exception queryError(String m) {
        return new S3Exception(S3Error.AUTHORIZATION_QUERY_PARAMETERS_ERROR, m);
    }

    private static boolean has(List<Map.Entry<String, String>> q, String name) {
        return q.stream().anyMatch(e -> e.getKey().equals(name));
    }

    private static String one(List<Map.Entry<String, String>> q, String name) {
        return q.stream().filter(e -> e.getKey().equals(name)).map(Map.Entry::getValue).findFirst().orElse(null);
    }

    private static String clip(String s) {
        return s.length() > 100 ? s.substring(0, 100) + "..." : s;
    }
}
