package io.nacre.s3.body;

import io.nacre.s3.checksum.ChecksumAlgorithm;
import io.nacre.s3.checksum.Hasher;
import io.nacre.s3.error.S3Error;
import io.nacre.s3.error.S3Exception;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.util.HexFormat;

/**
 * Reads a request body as the client meant it (aws-chunked decoded, signatures checked) while
 * computing its MD5 (the ETag), the SHA-256 when x-amz-content-sha256 promised one, and the
 * x-amz-checksum algorithm; {@link #finish()} then holds the body to every promise of its
 * {@link PayloadSpec}. The caller keeps what it wrote invisible until finish() returns.
 */
public final class PayloadVerifier extends InputStream {

    /** What a verified body was. {@code checksum} is null when no algorithm was asked for. */
    public record Digests(long length, byte[] md5, ChecksumAlgorithm algorithm, byte[] checksum) {
        public String md5Hex() {
            return HexFormat.of().formatHex(md5);
        }
    }

    private final InputStream in;
    private final AwsChunkedInputStream chunked;
    private final PayloadSpec spec;
    private final Hasher md5 = Hasher.md5();
    private boolean md5Outside;
    private final Hasher sha256;
    private final Hasher checksum;
    private long count;
    private boolean eof;

    public PayloadVerifier(InputStream raw, PayloadSpec spec) {
        this.spec = spec;
        if (spec.auth().payload().chunked()) {
            chunked = new AwsChunkedInputStream(raw, spec.auth().chunks(), spec.auth().payload().trailer());
            in = chunked;
        } else {
            chunked = null;
            in = raw;
        }
        sha256 = spec.auth().payloadSha256() != null ? Hasher.sha256() : null;
        checksum = spec.checksum() != null ? spec.checksum().newHasher() : null;
    }

    /**
     * Leaves the MD5 to the caller (who computes it elsewhere, on another core, over exactly the bytes
     * read) and passes it to {@link #finish(byte[])}.
     */
    public void md5ComputedOutside() {
        md5Outside = true;
    }

    /** The body's length as the request declared it (decoded length for aws-chunked), -1 when unknown. */
    public long declaredLength() {
        return spec.length();
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (eof) {
            return -1;
        }
        int n = in.read(b, off, len);
        if (n < 0) {
            eof = true;
            return -1;
        }
        count += n;
        if (spec.length() >= 0 && count > spec.length()) {
            throw new S3Exception(S3Error.INCOMPLETE_BODY,
                    "The body is longer than the length the request declared (" + spec.length() + " bytes).");
        }
        if (!md5Outside) {
            md5.update(b, off, n);
        }
        if (sha256 != null) {
            sha256.update(b, off, n);
        }
        if (checksum != null) {
            checksum.update(b, off, n);
        }
        return n;
    }

    /** Reads anything left, then checks length and digests; throws the S3 error of the first broken promise. */
    public Digests finish() throws IOException {
        if (md5Outside) {
            throw new IllegalStateException("the MD5 is computed outside: use finish(md5)");
        }
        return finish(null);
    }

    /** As {@link #finish()}, with the MD5 of the body computed by the caller (or null when computed here). */
    public Digests finish(byte[] md5OfBody) throws IOException {
        byte[] skip = new byte[8192];
        while (read(skip, 0, skip.length) >= 0) {
            // drain: every byte counts towards the digests
        }
        if (spec.length() >= 0 && count != spec.length()) {
            throw new S3Exception(S3Error.INCOMPLETE_BODY,
                    "You did not provide the number of bytes specified by the Content-Length HTTP header.");
        }
        byte[] md5Digest = md5OfBody != null ? md5OfBody : md5.finish();
        if (spec.contentMd5() != null && !MessageDigest.isEqual(spec.contentMd5(), md5Digest)) {
            throw new S3Exception(S3Error.BAD_DIGEST, "The Content-MD5 you specified did not match what we received.");
        }
        if (sha256 != null) {
            String got = HexFormat.of().formatHex(sha256.finish());
            if (!got.equals(spec.auth().payloadSha256())) {
                throw new S3Exception(S3Error.X_AMZ_CONTENT_SHA256_MISMATCH,
                        "The provided 'x-amz-content-sha256' header does not match what was computed.")
                        .with("ClientComputedContentSHA256", spec.auth().payloadSha256())
                        .with("S3ComputedContentSHA256", got);
            }
        }
        byte[] sum = null;
        if (checksum != null) {
            sum = checksum.finish();
            byte[] promised = spec.checksumValue();
            if (spec.checksumTrailer()) {
                String v = chunked.trailers().get(spec.checksum().header());
                if (v == null) {
                    throw new S3Exception(S3Error.INVALID_REQUEST, "The trailing header " + spec.checksum().header()
                            + " announced by x-amz-trailer was not sent.");
                }
                promised = spec.checksum().decode(v).orElseThrow(() -> new S3Exception(S3Error.INVALID_REQUEST,
                        "Value for " + spec.checksum().header() + " trailing header is invalid."));
            }
            if (promised != null && !MessageDigest.isEqual(promised, sum)) {
                throw new S3Exception(S3Error.BAD_DIGEST, "The " + spec.checksum().wireName()
                        + " you specified did not match the calculated checksum.");
            }
        }
        return new Digests(count, md5Digest, spec.checksum(), sum);
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
