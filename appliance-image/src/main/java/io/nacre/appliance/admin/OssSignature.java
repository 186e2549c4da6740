package io.nacre.appliance.admin;

import static java.util.Objects.requireNonNull;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * How an OSS node on another machine proves it holds the cluster secret when it joins through the admin
 * endpoint (whose verbs otherwise answer callers on the machine itself only): an HMAC-SHA256 with the
 * secret over the method, the path, the time and the body's SHA-256, in two headers. The time bounds a
 * replay to {@link #SKEW} either way.
 */
public final class OssSignature {

    public static final String DATE_HEADER = "x-nacre-date";
    public static final String SIGNATURE_HEADER = "x-nacre-signature";
    static final Duration SKEW = Duration.ofMinutes(5);

    private OssSignature() {
    }

    /** The signature of a request made at {@code epochSecond}, in hex. */
    public static String sign(byte[] secret, String method, String path, long epochSecond, byte[] body) {
        requireNonNull(secret, "secret");
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            String bodyHash = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body));
            String text = method + "\n" + path + "\n" + epochSecond + "\n" + bodyHash;
            return HexFormat.of().formatHex(mac.doFinal(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
        }
    }

    /**
     * Null when the request is signed with {@code secret} within the allowed skew of {@code now}, else why
     * not (for the refusal).
     */
    public static String check(byte[] secret, String method, String path, String date, String signature, byte[] body,
                               Instant now) {
        if (date == null || signature == null) {
            return "not signed";
        }
        long at;
        try {
            at = Long.parseLong(date);
        } catch (NumberFormatException e) {
            return "a bad " + DATE_HEADER;
        }
        if (Math.abs(now.getEpochSecond() - at) > SKEW.toSeconds()) {
            return "signed at a time more than " + SKEW.toMinutes() + " minutes away from this node's clock";
        }
        byte[] want = sign(secret, method, path, at, body).getBytes(StandardCharsets.US_ASCII);
        if (!MessageDigest.isEqual(want, signature.getBytes(StandardCharsets.US_ASCII))) {
            return "signed with another secret";
        }
        return null;
    }
}
