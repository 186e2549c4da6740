package io.nacre.s3.body;

import io.nacre.s3.auth.ChunkSigner;
import io.nacre.s3.auth.SigV4;
import io.nacre.s3.error.S3Error;
import io.nacre.s3.error.S3Exception;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Decodes an aws-chunked body ("Content-Encoding: aws-chunked", S3 SigV4 streaming uploads) as it
 * streams: {@code hex-size[;chunk-signature=sig]\r\n data \r\n}... a zero-size final chunk, then for
 * the trailer modes the trailing headers ({@code name:value\r\n}..., with {@code x-amz-trailer-signature}
 * when signed) and an empty line. Chunk signatures are chained from the seed signature and checked at
 * each chunk's end; memory stays bounded by one small header line whatever the chunk sizes.
 * Framing errors are IncompleteBody; a wrong signature is SignatureDoesNotMatch.
 */
public final class AwsChunkedInputStream extends InputStream {

    /** Chunk header lines and trailer lines are short; anything longer is not aws-chunked. */
    static final int MAX_LINE = 4096;
    /** At most this many trailing headers. */
    static final int MAX_TRAILERS = 16;

    private final InputStream in;
    private final ChunkSigner signer;
    private final boolean trailers;
    private final byte[] buf = new byte[16 * 1024];
    private int bufPos;
    private int bufLen;

    private long chunkRemaining;
    private String chunkSignature;
    private String previousSignature;
    private final MessageDigest chunkDigest;
    private boolean done;
    private final Map<String, String> trailerValues = new TreeMap<>();

    /**
     * @param in       the raw body
     * @param signer   verifies chunk (and trailer) signatures; null for STREAMING-UNSIGNED-PAYLOAD-TRAILER
     * @param trailers whether trailing headers follow the final chunk
     */
    public AwsChunkedInputStream(InputStream in, ChunkSigner signer, boolean trailers) {
        this.in = in;
        this.signer = signer;
        this.trailers = trailers;
        this.previousSignature = signer == null ? null : signer.seedSignature();
        this.chunkDigest = signer == null ? null : SigV4.sha256();
        this.chunkRemaining = -1;
    }

    /** The trailing headers (lower-case names), once the stream has been read to its end. */
    public Map<String, String> trailers() {
        return Map.copyOf(trailerValues);
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        while (!done) {
            if (chunkRemaining < 0) {
                startChunk();
                continue;
            }
            if (chunkRemaining == 0) {
                endChunk();
                continue;
            }
            int want = (int) Math.min(len, chunkRemaining);
            int n;
            if (bufPos < bufLen) {
                n = Math.min(want, bufLen - bufPos);
                System.arraycopy(buf, bufPos, b, off, n);
                bufPos += n;
            } else {
                n = in.read(b, off, want);
                if (n < 0) {
                    throw incomplete("the body ended inside a chunk");
                }
            }
            if (chunkDigest != null) {
                chunkDigest.update(b, off, n);
            }
            chunkRemaining -= n;
            return n;
        }
        return -1;
    }

    private void startChunk() throws IOException {
        String line = readLine();
        if (line == null) {
            throw incomplete("the body ended before its final (zero-size) chunk");
        }
        int semi = line.indexOf(';');
        String hex = semi < 0 ? line : line.substring(0, semi);
        long size = parseHexSize(hex.strip());
        chunkSignature = null;
        if (semi >= 0) {
            for (String ext : line.substring(semi + 1).split(";")) {
                int eq = ext.indexOf('=');
                if (eq > 0 && ext.substring(0, eq).strip().equals("chunk-signature")) {
                    chunkSignature = ext.substring(eq + 1).strip();
                }
            }
        }
        if (signer != null && chunkSignature == null) {
            throw incomplete("a chunk of a signed streaming body has no chunk-signature");
        }
        chunkRemaining = size;
        if (size == 0) {
            verifyChunk();
            finish();
        }
    }

    private void endChunk() throws IOException {
        verifyChunk();
        int cr = next();
        int lf = next();
        if (cr != '\r' || lf != '\n') {
            throw incomplete("a chunk's data is not followed by CRLF (its size does not match its data)");
        }
        chunkRemaining = -1;
    }

    private void verifyChunk() {
        if (signer == null) {
            return;
        }
        String expected = signer.chunkSignature(previousSignature, SigV4.hex(chunkDigest.digest()));
        if (!SigV4.sameSignature(expected, chunkSignature)) {
            throw new S3Exception(S3Error.SIGNATURE_DOES_NOT_MATCH,
                    "The chunk signature we calculated does not match the signature you provided.");
        }
        previousSignature = expected;
    }

    private void finish() throws IOException {
        done = true;
        if (!trailers) {
            String end = readLine();
            if (end != null && !end.isEmpty()) {
                throw incomplete("unexpected data after the final chunk");
            }
            expectEof();
            return;
        }
        String trailerSignature = null;
        StringBuilder canonical = new StringBuilder();
        while (true) {
            String line = readLine();
            if (line == null || line.isEmpty()) {
                break;
            }
            int colon = line.indexOf(':');
            if (colon <= 0) {
                throw incomplete("a trailing header is not name:value");
            }
            String name = line.substring(0, colon).strip().toLowerCase(Locale.ROOT);
            String value = line.substring(colon + 1).strip();
            if (name.equals("x-amz-trailer-signature")) {
                trailerSignature = value;
                continue;
            }
            if (trailerValues.size() >= MAX_TRAILERS) {
                throw incomplete("too many trailing headers");
            }
            trailerValues.put(name, value);
        }
        if (signer != null) {
            for (Map.Entry<String, String> t : trailerValues.entrySet()) {
                canonical.append(t.getKey()).append(':').append(t.getValue()).append('\n');
            }
            if (trailerSignature == null) {
                throw incomplete("the trailing headers of a signed streaming body have no x-amz-trailer-signature");
            }
            String expected = signer.trailerSignature(previousSignature, canonical.toString());
            if (!SigV4.sameSignature(expected, trailerSignature)) {
                throw new S3Exception(S3Error.SIGNATURE_DOES_NOT_MATCH,
                        "The trailer signature we calculated does not match the signature you provided.");
            }
        }
        expectEof();
    }

    private void expectEof() throws IOException {
        if (bufPos < bufLen || in.read() >= 0) {
            throw incomplete("unexpected data after the end of the aws-chunked body");
        }
    }

    private static long parseHexSize(String hex) {
        if (hex.isEmpty() || hex.length() > 15) {
            throw incomplete("a chunk size is not a hexadecimal number");
        }
        long v = 0;
        for (int i = 0; i < hex.length(); i++) {
            int d = Character.digit(hex.charAt(i), 16);
            if (d < 0) {
                throw incomplete("a chunk size is not a hexadecimal number");
            }
            v = v << 4 | d;
        }
        return v;
    }

    /** A CRLF-terminated line without its terminator; null at end of stream before any byte. */
    private String readLine() throws IOException {
        StringBuilder sb = new StringBuilder(96);
        while (true) {
            int c = next();
            if (c < 0) {
                if (sb.isEmpty()) {
                    return null;
                }
                throw incomplete("the body ended inside a chunk header");
            }
            if (c == '\r') {
                if (next() != '\n') {
                    throw incomplete("a chunk header line is not ended by CRLF");
                }
                return sb.toString();
            }
            if (sb.length() >= MAX_LINE) {
                throw incomplete("a chunk header line is too long");
            }
            sb.append((char) c);
        }
    }

    private int next() throws IOException {
        if (bufPos >= bufLen) {
            bufLen = in.read(buf, 0, buf.length);
            bufPos = 0;
            if (bufLen <= 0) {
                bufLen = 0;
                return -1;
            }
        }
        return buf[bufPos++] & 0xff;
    }

    static S3Exception incomplete(String why) {
        return new S3Exception(S3Error.INCOMPLETE_BODY, "The request body is not a valid aws-chunked body: " + why);
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
