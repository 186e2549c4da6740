package io.nacre.s3.body;

import com.linecorp.armeria.common.HttpHeaders;
import io.nacre.s3.auth.AuthResult;
import io.nacre.s3.checksum.ChecksumAlgorithm;
import io.nacre.s3.error.S3Error;
import io.nacre.s3.error.S3Exception;
import java.util.Base64;
import java.util.Locale;

/**
 * What a request promises about its body, read from its headers once: the decoded length, a
 * Content-MD5, the x-amz-content-sha256 digest, an x-amz-checksum-* value (in a header, or announced
 * by x-amz-trailer for the trailing headers), and the aws-chunked framing. {@link PayloadVerifier}
 * holds the body to these promises.
 *
 * @param length          the decoded body length, or -1 when unknown (HTTP chunked without length)
 * @param contentMd5      the Content-MD5 digest, or null
 * @param auth            the request's authentication: payload mode, SHA-256, chunk signer
 * @param checksum        the x-amz-checksum algorithm to compute and store, or null
 * @param checksumValue   its value from a header, or null (absent, or coming in a trailer)
 * @param checksumTrailer true when the value comes as a trailing header
 */
public record PayloadSpec(long length, byte[] contentMd5, AuthResult auth, ChecksumAlgorithm checksum,
                          byte[] checksumValue, boolean checksumTrailer) {

    /**
     * Reads the promises from the request headers. {@code defaultChecksum} is an algorithm to compute
     * even when the request names none (a multipart upload's), or null.
     */
    public static PayloadSpec from(HttpHeaders headers, AuthResult auth, ChecksumAlgorithm defaultChecksum) {
        long length;
        if (auth.payload().chunked()) {
            String decoded = headers.get("x-amz-decoded-content-length");
            if (decoded == null) {
                throw new S3Exception(S3Error.MISSING_CONTENT_LENGTH,
                        "You must provide the x-amz-decoded-content-length HTTP header with an aws-chunked body.");
            }
            length = parseLength(decoded, "x-amz-decoded-content-length");
        } else {
            String cl = headers.get("content-length");
            length = cl == null ? -1 : parseLength(cl, "Content-Length");
        }

        byte[] md5 = null;
        String md5Header = headers.get("content-md5");
        if (md5Header != null) {
            try {
                md5 = Base64.getDecoder().decode(md5Header.strip());
            } catch (IllegalArgumentException e) {
                md5 = null;
            }
            if (md5 == null || md5.length != 16) {
                throw new S3Exception(S3Error.INVALID_DIGEST, "The Content-MD5 you specified is not valid.");
            }
        }

        ChecksumAlgorithm alg = null;
        byte[] value = null;
        for (ChecksumAlgorithm a : ChecksumAlgorithm.values()) {
            String v = headers.get(a.header());
            if (v == null) {
                continue;
            }
            if (alg != null) {
                throw new S3Exception(S3Error.INVALID_REQUEST, "Expecting a single x-amz-checksum- header. "
                        + "Multiple checksum Types are not allowed.");
            }
            alg = a;
            value = a.decode(v).orElseThrow(() -> new S3Exception(S3Error.INVALID_REQUEST,
                    "Value for " + a.header() + " header is invalid."));
        }
        boolean trailer = false;
        String trailerHeader = headers.get("x-amz-trailer");
        if (trailerHeader != null) {
            if (!auth.payload().trailer()) {
                throw new S3Exception(S3Error.INVALID_REQUEST,
                        "x-amz-trailer needs a STREAMING-...-TRAILER x-amz-content-sha256");
            }
            ChecksumAlgorithm t = ChecksumAlgorithm.fromHeader(trailerHeader.strip().toLowerCase(Locale.ROOT))
                    .orElseThrow(() -> new S3Exception(S3Error.INVALID_REQUEST,
                            "The value specified in the x-amz-trailer header is not supported"));
            if (alg != null && alg != t) {
                throw new S3Exception(S3Error.INVALID_REQUEST, "Expecting a single x-amz-checksum- header. "
                        + "Multiple checksum Types are not allowed.");
            }
            alg = t;
            trailer = true;
        }
        String sdkAlg = headers.get("x-amz-sdk-checksum-algorithm");
        if (alg == null && sdkAlg != null) {
            alg = ChecksumAlgorithm.fromWireName(sdkAlg).orElseThrow(() -> new S3Exception(S3Error.INVALID_REQUEST,
                    "Checksum algorithm provided is unsupported. Please try again with any of the valid types: "
                            + "[CRC32, CRC32C, CRC64NVME, SHA1, SHA256]"));
        }
        if (alg == null) {
            alg = defaultChecksum;
        }
        return new PayloadSpec(length, md5, auth, alg, value, trailer);
    }

    private static long parseLength(String s, String header) {
        try {
            long v = Long.parseLong(s.strip());
            if (v >= 0) {
                return v;
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw new S3Exception(S3Error.INVALID_ARGUMENT, header + " is not a valid length").with("ArgumentName", header);
    }
}
