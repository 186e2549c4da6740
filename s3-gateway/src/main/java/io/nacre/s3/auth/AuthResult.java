package io.nacre.s3.auth;

/**
 * Who sent a request and how its body is protected. {@code key} is null for an anonymous request;
 * {@code payloadSha256} is the lower-case hex digest for {@link PayloadMode#SHA256}; {@code chunks}
 * is set for the signed streaming modes.
 */
public record AuthResult(KeyStore.Key key, PayloadMode payload, String payloadSha256, ChunkSigner chunks) {

    public boolean anonymous() {
        return key == null;
    }
}
