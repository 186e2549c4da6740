package io.nacre.s3.auth;

/**
 * What verifying an aws-chunked body needs from the request's signature: the signing key, timestamp
 * and scope, and the seed signature the first chunk's signature chains from.
 */
public record ChunkSigner(byte[] signingKey, String timestamp, String scope, String seedSignature) {

    public String chunkSignature(String previous, String chunkSha256Hex) {
        return SigV4.chunkSignature(signingKey, timestamp, scope, previous, chunkSha256Hex);
    }

    public String trailerSignature(String previous, String canonicalTrailers) {
        return SigV4.trailerSignature(signingKey, timestamp, scope, previous, canonicalTrailers);
    }
}
