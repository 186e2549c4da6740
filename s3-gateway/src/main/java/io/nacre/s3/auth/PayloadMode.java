package io.nacre.s3.auth;

import io.nacre.s3.error.S3Error;
import io.nacre.s3.error.S3Exception;
import java.util.Locale;

/** How the request body is protected, from x-amz-content-sha256 (S3 "Authenticating requests"). */
public enum PayloadMode {
    /** UNSIGNED-PAYLOAD: the body is not covered by the signature. */
    UNSIGNED,
    /** A hex SHA-256 of the whole body, checked when the body ends. */
    SHA256,
    /** STREAMING-AWS4-HMAC-SHA256-PAYLOAD: aws-chunked, every chunk signed. */
    STREAMING_SIGNED,
    /** STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER: as above, then signed trailing headers. */
    STREAMING_SIGNED_TRAILER,
    /** STREAMING-UNSIGNED-PAYLOAD-TRAILER: aws-chunked without signatures, then trailing headers. */
    STREAMING_UNSIGNED_TRAILER;

    public static final String UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD";
    public static final String STREAMING_SIGNED_PAYLOAD = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD";
    public static final String STREAMING_SIGNED_PAYLOAD_TRAILER = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER";
    public static final String STREAMING_UNSIGNED_PAYLOAD_TRAILER = "STREAMING-UNSIGNED-PAYLOAD-TRAILER";

    /** True for the aws-chunked modes. */
    public boolean chunked() {
        return this == STREAMING_SIGNED || this == STREAMING_SIGNED_TRAILER || this == STREAMING_UNSIGNED_TRAILER;
    }

    public boolean signedChunks() {
        return this == STREAMING_SIGNED || this == STREAMING_SIGNED_TRAILER;
    }

    public boolean trailer() {
        return this == STREAMING_SIGNED_TRAILER || this == STREAMING_UNSIGNED_TRAILER;
    }

    /** The mode a header value names; a value that is neither a mode nor a hex SHA-256 is InvalidArgument. */
    public static PayloadMode of(String contentSha256) {
        return switch (contentSha256) {
            case UNSIGNED_PAYLOAD -> UNSIGNED;
            case STREAMING_SIGNED_PAYLOAD -> STREAMING_SIGNED;
            case STREAMING_SIGNED_PAYLOAD_TRAILER -> STREAMING_SIGNED_TRAILER;
            case STREAMING_UNSIGNED_PAYLOAD_TRAILER -> STREAMING_UNSIGNED_TRAILER;
            default -> {
                if (isSha256Hex(contentSha256)) {
                    yield SHA256;
                }
                throw new S3Exception(S3Error.INVALID_ARGUMENT,
                        "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-... or a hex SHA-256")
                        .with("ArgumentName", "x-amz-content-sha256");
            }
        };
    }

    static boolean isSha256Hex(String s) {
        if (s.length() != 64) {
            return false;
        }
        String l = s.toLowerCase(Locale.ROOT);
        for (int i = 0; i < 64; i++) {
            char c = l.charAt(i);
            if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) {
                return false;
            }
        }
        return true;
    }
}
