package io.nacre.s3.auth;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * AWS Signature Version 2, the legacy scheme some clients still use for presigned URLs (s3cmd's
 * signurl, aws-cli's and boto3's presign by default): HMAC-SHA1 over the method, Content-MD5,
 * Content-Type, the date (or expiry), the x-amz-* headers and the resource with its subresources.
 */
public final class SigV2 {

    /** The query parameters that are part of the signed resource (S3 "Signature Version 2"). */
    static final Set<String> SUBRESOURCES = Set.of("acl", "delete", "lifecycle", "location", "logging", "notification",
            "partNumber", "policy", "requestPayment", "response-cache-control", "response-content-disposition",
            "response-content-encoding", "response-content-language", "response-content-type", "response-expires",
            "restore", "tagging", "torrent", "uploadId", "uploads", "versionId", "versioning", "versions", "website",
            "cors", "replication", "encryption", "object-lock", "legal-hold", "retention", "select", "select-type",
            "accelerate", "inventory", "analytics", "metrics", "ownershipControls", "publicAccessBlock",
            "intelligent-tiering", "policyStatus", "attributes");

    private SigV2() {
    }

    /**
     * The string to sign. {@code resource} is "/bucket" plus the raw path for virtual-host requests,
     * else the raw path; {@code query} the decoded parameters.
     */
    public static String stringToSign(String method, String contentMd5, String contentType, String date,
                                      Function<String, List<String>> amzHeaders, Iterable<String> headerNames,
                                      String resource, List<Map.Entry<String, String>> query) {
        StringBuilder sb = new StringBuilder();
        sb.append(method).append('\n')
                .append(contentMd5 == null ? "" : contentMd5).append('\n')
                .append(contentType == null ? "" : contentType).append('\n')
                .append(date == null ? "" : date).append('\n');
        TreeMap<String, String> amz = new TreeMap<>();
        for (String name : headerNames) {
            String n = name.toLowerCase(java.util.Locale.ROOT);
            if (n.startsWith("x-amz-") && !amz.containsKey(n)) {
                List<String> vs = amzHeaders.apply(n);
                StringBuilder v = new StringBuilder();
                for (String x : vs) {
                    if (!v.isEmpty()) {
                        v.append(',');
                    }
                    v.append(x.strip());
                }
                amz.put(n, v.toString());
            }
        }
        amz.forEach((k, v) -> sb.append(k).append(':').append(v).append('\n'));
        sb.append(resource);
        TreeMap<String, String> subs = new TreeMap<>();
        for (Map.Entry<String, String> q : query) {
            if (SUBRESOURCES.contains(q.getKey())) {
                subs.put(q.getKey(), q.getValue());
            }
        }
        char sep = '?';
        for (Map.Entry<String, String> s : subs.entrySet()) {
            sb.append(sep).append(s.getKey());
            if (!s.getValue().isEmpty()) {
                sb.append('=').append(s.getValue());
            }
            sep = '&';
        }
        return sb.toString();
    }

    public static String sign(String secret, String stringToSign) {
        try {
            Mac mac = Mac.getInstance("HmacSHA1");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA1"));
            return Base64.getEncoder().encodeToString(mac.doFinal(stringToSign.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HmacSHA1 unavailable", e);
        }
    }
}
