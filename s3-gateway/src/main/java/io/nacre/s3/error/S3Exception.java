package io.nacre.s3.error;

import static java.util.Objects.requireNonNull;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A request that fails with an S3 error: the code, a message for people and extra elements the
 * error document carries (for example {@code ArgumentName}, {@code Key}, {@code BucketName}).
 */
public final class S3Exception extends RuntimeException {

    private final S3Error error;
    private final Map<String, String> details = new LinkedHashMap<>();

    public S3Exception(S3Error error, String message) {
        super(message);
        this.error = requireNonNull(error, "error");
    }

    public S3Exception(S3Error error, String message, Throwable cause) {
        super(message, cause);
        this.error = requireNonNull(error, "error");
    }

    public S3Error error() {
        return error;
    }

    /** Adds an element to the error document (in order). */
    public S3Exception with(String element, String value) {
        details.put(element, value);
        return this;
    }

    public Map<String, String> details() {
        return Map.copyOf(details);
    }

    /** The details in the order they were added. */
    public Iterable<Map.Entry<String, String>> orderedDetails() {
        return details.entrySet();
    }

    @Override
    public String toString() {
        return "S3Exception[" + error.code() + "]: " + getMessage();
    }
}
