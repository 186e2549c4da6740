package io.nacre.appliance.admin;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The signature of OSS joins from other machines: only the holder of the secret makes one that passes. */
class OssSignatureTest {

    private static final byte[] SECRET = "a-secret-all-nodes-share".getBytes(StandardCharsets.UTF_8);
    private static final byte[] BODY = "{\"oss\":\"http://10.0.0.4:9002\"}".getBytes(StandardCharsets.UTF_8);
    private static final Instant NOW = Instant.ofEpochSecond(1_800_000_000L);

    private static String check(byte[] secret, String method, String path, long at, String signature, byte[] body) {
        return OssSignature.check(secret, method, path, Long.toString(at), signature, body, NOW);
    }

    @Test
    void aRequestSignedWithTheSecretPasses() {
        String sig = OssSignature.sign(SECRET, "POST", "/api/v1/oss/join", NOW.getEpochSecond(), BODY);
        assertThat(check(SECRET, "POST", "/api/v1/oss/join", NOW.getEpochSecond(), sig, BODY)).isNull();
        assertThat(check(SECRET, "POST", "/api/v1/oss/join", NOW.getEpochSecond() + 200, OssSignature.sign(SECRET,
                "POST", "/api/v1/oss/join", NOW.getEpochSecond() + 200, BODY), BODY)).as("clocks a little apart").isNull();
    }

    @Test
    void anotherSecretBodyPathMethodOrTimeFails() {
        long t = NOW.getEpochSecond();
        String sig = OssSignature.sign(SECRET, "POST", "/api/v1/oss/join", t, BODY);
        byte[] other = "another-secret-of-some-length".getBytes(StandardCharsets.UTF_8);
        assertThat(check(other, "POST", "/api/v1/oss/join", t, sig, BODY)).contains("another secret");
        assertThat(check(SECRET, "POST", "/api/v1/oss/join", t, sig, "{}".getBytes(StandardCharsets.UTF_8)))
                .contains("another secret");
        assertThat(check(SECRET, "GET", "/api/v1/oss/join", t, sig, BODY)).isNotNull();
        assertThat(check(SECRET, "POST", "/api/v1/oss/cluster", t, sig, BODY)).isNotNull();
        assertThat(check(SECRET, "POST", "/api/v1/oss/join", t + 1, sig, BODY)).isNotNull();
        long old = t - 3600;
        assertThat(check(SECRET, "POST", "/api/v1/oss/join", old,
                OssSignature.sign(SECRET, "POST", "/api/v1/oss/join", old, BODY), BODY)).contains("minutes away");
        assertThat(OssSignature.check(SECRET, "POST", "/api/v1/oss/join", null, sig, BODY, NOW)).isEqualTo("not signed");
        assertThat(OssSignature.check(SECRET, "POST", "/api/v1/oss/join", "soon", sig, BODY, NOW)).contains("bad");
    }
}
