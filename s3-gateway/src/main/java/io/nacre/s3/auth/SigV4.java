package io.nacre.s3.auth;

import io.nacre.s3.error.S3Error;
import io.nacre.s3.error.S3Exception;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * AWS Signature Version 4 as S3 uses it, pure functions only: the canonical request (from the raw
 * request path and query, as the client sent them), the string to sign, the signing key and the
 * signatures of chunks and trailers of streaming uploads.
 */
public final class SigV4 {

    public static final String ALGORITHM = "AWS4-HMAC-SHA256";
    public static final String TERMINATOR = "aws4_request";
    public static final String SERVICE = "s3";
    public static final String EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    private static final HexFormat HEX = HexFormat.of();
    private static final boolean[] UNRESERVED = new boolean[128];

    static {
        for (char c = 'A'; c <= 'Z'; c++) {
            UNRESERVED[c] = true;
        }
        for (char c = 'a'; c <= 'z'; c++) {
            UNRESERVED[c] = true;
        }
        for (char c = '0'; c <= '9'; c++) {
            UNRESERVED[c] = true;
        }
        UNRESERVED['-'] = true;
        UNRESERVED['_'] = true;
        UNRESERVED['.'] = true;
        UNRESERVED['~'] = true;
    }

    private SigV4() {
    }

    // ---- primitives ------------------------------------------------------------------------------

    public static byte[] hmac(byte[] key, String data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }

    public static String hex(byte[] b) {
        return HEX.formatHex(b);
    }

    public static String sha256Hex(byte[] data) {
        return hex(sha256().digest(data));
    }

    public static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 unavailable", e);
        }
    }

    /** kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request"). */
    public static byte[] signingKey(String secret, String date, String region, String service) {
        byte[] k = hmac(("AWS4" + secret).getBytes(StandardCharsets.UTF_8), date);
        k = hmac(k, region);
        k = hmac(k, service);
        return hmac(k, TERMINATOR);
    }

    /** Compares two signatures in time independent of where they differ. */
    public static boolean sameSignature(String expected, String given) {
        return MessageDigest.isEqual(expected.getBytes(StandardCharsets.US_ASCII),
                given.getBytes(StandardCharsets.US_ASCII));
    }

    // ---- canonical request -----------------------------------------------------------------------

    /**
     * The canonical URI of an S3 request: the raw path, percent-decoded to bytes and re-encoded
     * segment by segment with AWS's URI encoding, '/' kept. Not normalized: "//", "." and ";" stay.
     */
    public static String canonicalUri(String rawPath) {
        if (rawPath.isEmpty()) {
            return "/";
        }
        return uriEncode(percentDecode(rawPath, false), false);
    }

    /**
     * The canonical query string: parameters decoded ('+' as a space), then encoded, sorted by name
     * and value; {@code X-Amz-Signature} left out when {@code presigned}.
     */
    public static String canonicalQuery(String rawQuery, boolean presigned) {
        if (rawQuery == null || rawQuery.isEmpty()) {
            return "";
        }
        List<String[]> params = new ArrayList<>();
        for (Map.Entry<String, String> p : QueryString.parse(rawQuery)) {
            if (presigned && p.getKey().equals("X-Amz-Signature")) {
                continue;
            }
            params.add(new String[] {uriEncode(p.getKey().getBytes(StandardCharsets.UTF_8), true),
                    uriEncode(p.getValue().getBytes(StandardCharsets.UTF_8), true)});
        }
        params.sort((a, b) -> {
            int c = a[0].compareTo(b[0]);
            return c != 0 ? c : a[1].compareTo(b[1]);
        });
        StringBuilder sb = new StringBuilder();
        for (String[] p : params) {
            if (!sb.isEmpty()) {
                sb.append('&');
            }
            sb.append(p[0]).append('=').append(p[1]);
        }
        return sb.toString();
    }

    /**
     * The canonical headers block for the signed header names (lower case, in the order given, which
     * must be sorted): "name:value\n" each, values trimmed with inner runs of spaces collapsed, repeated
     * headers joined with ','. {@code values} gives a header's values, empty when absent.
     */
    public static String canonicalHeaders(List<String> signedHeaders, java.util.function.Function<String, List<String>> values) {
        StringBuilder sb = new StringBuilder();
        for (String name : signedHeaders) {
            sb.append(name).append(':');
            List<String> vs = values.apply(name);
            for (int i = 0; i < vs.size(); i++) {
                if (i > 0) {
                    sb.append(',');
                }
                sb.append(trimAll(vs.get(i)));
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    static String trimAll(String v) {
        String s = v.strip();
        if (s.indexOf("  ") < 0) {
            return s;
        }
        StringBuilder sb = new StringBuilder(s.length());
        boolean space = false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == ' ') {
                if (!space) {
                    sb.append(c);
                }
                space = true;
            } else {
                sb.append(c);
                space = false;
            }
        }
        return sb.toString();
    }

    public static String canonicalRequest(String method, String canonicalUri, String canonicalQuery,
                                          String canonicalHeaders, List<String> signedHeaders, String payloadHash) {
        return method + '\n' + canonicalUri + '\n' + canonicalQuery + '\n' + canonicalHeaders + '\n'
                + String.join(";", signedHeaders) + '\n' + payloadHash;
    }

    public static String scope(String date, String region) {
        return date + '/' + region + '/' + SERVICE + '/' + TERMINATOR;
    }

    public static String stringToSign(String timestamp, String scope, String canonicalRequest) {
        return ALGORITHM + '\n' + timestamp + '\n' + scope + '\n'
                + sha256Hex(canonicalRequest.getBytes(StandardCharsets.UTF_8));
    }

    public static String signature(byte[] signingKey, String stringToSign) {
        return hex(hmac(signingKey, stringToSign));
    }

    // ---- streaming -------------------------------------------------------------------------------

    /** The signature of one aws-chunked chunk, chained from the previous one (the seed for the first). */
    public static String chunkSignature(byte[] signingKey, String timestamp, String scope, String previous,
                                        String chunkSha256Hex) {
        String sts = "AWS4-HMAC-SHA256-PAYLOAD\n" + timestamp + '\n' + scope + '\n' + previous + '\n'
                + EMPTY_SHA256 + '\n' + chunkSha256Hex;
        return signature(signingKey, sts);
    }

    /** The signature of the trailing headers, canonicalized as "name:value\n" in sorted order. */
    public static String trailerSignature(byte[] signingKey, String timestamp, String scope, String previous,
                                          String canonicalTrailers) {
        String sts = "AWS4-HMAC-SHA256-TRAILER\n" + timestamp + '\n' + scope + '\n' + previous + '\n'
                + sha256Hex(canonicalTrailers.getBytes(StandardCharsets.UTF_8));
        return signature(signingKey, sts);
    }

    // ---- URI encoding ----------------------------------------------------------------------------

    /** AWS's UriEncode: unreserved characters kept, everything else %XX (upper case); '/' kept unless asked. */
    public static String uriEncode(byte[] bytes, boolean encodeSlash) {
        StringBuilder sb = new StringBuilder(bytes.length + 16);
        for (byte b : bytes) {
            int c = b & 0xff;
            if (c < 128 && UNRESERVED[c] || c == '/' && !encodeSlash) {
                sb.append((char) c);
            } else {
                sb.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
            }
        }
        return sb.toString();
    }

    /**
     * Decodes %XX escapes to bytes; '+' becomes a space only when {@code plusIsSpace} (query strings).
     * A '%' not followed by two hex digits is InvalidURI.
     */
    public static byte[] percentDecode(String s, boolean plusIsSpace) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '%') {
                if (i + 2 >= s.length()) {
                    throw badEscape(s);
                }
                int hi = Character.digit(s.charAt(i + 1), 16);
                int lo = Character.digit(s.charAt(i + 2), 16);
                if (hi < 0 || lo < 0) {
                    throw badEscape(s);
                }
                out.write(hi << 4 | lo);
                i += 2;
            } else if (c == '+' && plusIsSpace) {
                out.write(' ');
            } else if (c < 0x80) {
                out.write(c);
            } else {
                byte[] u = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
                if (Character.isHighSurrogate(c) && i + 1 < s.length()) {
                    u = s.substring(i, i + 2).getBytes(StandardCharsets.UTF_8);
                    i++;
                }
                out.write(u, 0, u.length);
            }
        }
        return out.toByteArray();
    }

    private static S3Exception badEscape(String s) {
        return new S3Exception(S3Error.INVALID_URI, "Couldn't parse the specified URI: bad percent-encoding");
    }
}
