package io.nacre.ost.oss;

import io.nacre.engine.NacreException;
import io.nacre.engine.Status;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Clock;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The cluster-secret signature on OSS requests: header {@code nacre-auth: v1 <unix seconds> <hex>} where
 * hex is HMAC-SHA256(secret, method LF path-and-query LF seconds). It proves the sender holds the secret
 * and binds the operation, object, offsets and time; it does not cover the body, so on an untrusted
 * network the links also need TLS. Signatures older or newer than {@link #WINDOW_SECONDS} are refused.
 */
final class OssAuth {

    static final long WINDOW_SECONDS = 300;
    private static final String VERSION = "v1";

    private final SecretKeySpec key;
    private final Clock clock;

    OssAuth(byte[] secret, Clock clock) {
        if (secret.length < 16) {
            throw new IllegalArgumentException("the cluster secret must be at least 16 bytes");
        }
        this.key = new SecretKeySpec(secret.clone(), "HmacSHA256");
        this.clock = clock;
    }

    String sign(String method, String pathAndQuery) {
        long now = clock.instant().getEpochSecond();
        return VERSION + " " + now + " " + HexFormat.of().formatHex(mac(method, pathAndQuery, now));
    }

    /** Throws ACCESS unless {@code header} is a fresh signature of this request. */
    void verify(String method, String pathAndQuery, String header) {
        if (header == null) {
            throw new NacreException(Status.ACCESS, "request is not signed with the cluster secret");
        }
        String[] parts = header.split(" ");
        if (parts.length != 3 || !parts[0].equals(VERSION)) {
            throw new NacreException(Status.ACCESS, "malformed " + OssProtocol.AUTH + " header");
        }
        long when;
        byte[] given;
        try {
            when = Long.parseLong(parts[1]);
            given = HexFormat.of().parseHex(parts[2]);
        } catch (IllegalArgumentException e) {
            throw new NacreException(Status.ACCESS, "malformed " + OssProtocol.AUTH + " header");
        }
        long now = clock.instant().getEpochSecond();
        if (Math.abs(now - when) > WINDOW_SECONDS) {
            throw new NacreException(Status.ACCESS, "request signature expired (clock skew?)");
        }
        if (!MessageDigest.isEqual(given, mac(method, pathAndQuery, when))) {
            throw new NacreException(Status.ACCESS, "bad request signature (wrong cluster secret?)");
        }
    }

    private byte[] mac(String method, String pathAndQuery, long seconds) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(key);
            return mac.doFinal((method + "\n" + pathAndQuery + "\n" + seconds).getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available", e);
        }
    }
}
