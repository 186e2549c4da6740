package io.nacre.s3.ops;

import com.linecorp.armeria.common.RequestHeaders;
import io.nacre.s3.error.S3Error;
import io.nacre.s3.error.S3Exception;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;

/**
 * Conditional requests (If-Match, If-None-Match, If-Modified-Since, If-Unmodified-Since, and their
 * x-amz-copy-source-if-* forms), evaluated as S3 does: If-Match wins over If-Unmodified-Since,
 * If-None-Match over If-Modified-Since; dates at one-second precision; bad dates ignored.
 */
final class Conditions {

    /** What a GET/HEAD does after its conditions: serve, or answer 304. */
    enum Outcome { PROCEED, NOT_MODIFIED }

    private Conditions() {
    }

    /** For GET and HEAD: 412 PreconditionFailed, 304, or proceed. */
    static Outcome forRead(RequestHeaders h, String etag, long mtimeNanos) {
        return evaluate(h, "", etag, mtimeNanos, false);
    }

    /** For the source of a copy: every failed condition is 412. */
    static void forCopySource(RequestHeaders h, String etag, long mtimeNanos) {
        evaluate(h, "x-amz-copy-source-", etag, mtimeNanos, true);
    }

    private static Outcome evaluate(RequestHeaders h, String prefix, String etag, long mtimeNanos, boolean copy) {
        long mtime = Math.floorDiv(mtimeNanos, 1_000_000_000L);
        String ifMatch = h.get(prefix + "if-match");
        String ifNoneMatch = h.get(prefix + "if-none-match");
        Long ifModifiedSince = date(h.get(prefix + "if-modified-since"));
        Long ifUnmodifiedSince = date(h.get(prefix + "if-unmodified-since"));
        if (ifMatch != null) {
            if (!matches(ifMatch, etag)) {
                throw failed(prefix + "If-Match");
            }
        } else if (ifUnmodifiedSince != null && mtime > ifUnmodifiedSince) {
            throw failed(prefix + "If-Unmodified-Since");
        }
        if (ifNoneMatch != null) {
            if (matches(ifNoneMatch, etag)) {
                if (copy) {
                    throw failed(prefix + "If-None-Match");
                }
                return Outcome.NOT_MODIFIED;
            }
        } else if (ifModifiedSince != null && mtime <= ifModifiedSince) {
            if (copy) {
                throw failed(prefix + "If-Modified-Since");
            }
            return Outcome.NOT_MODIFIED;
        }
        return Outcome.PROCEED;
    }

    /** Whether an If-Match / If-None-Match list ("*", or quoted ETags separated by commas) names the ETag. */
    static boolean matches(String list, String etag) {
        for (String item : list.split(",")) {
            String t = item.strip();
            if (t.equals("*")) {
                return true;
            }
            if (t.startsWith("W/")) {
                t = t.substring(2);
            }
            if (unquote(t).equals(etag)) {
                return true;
            }
        }
        return false;
    }

    static String unquote(String s) {
        String t = s.strip();
        if (t.length() >= 2 && t.startsWith("\"") && t.endsWith("\"")) {
            return t.substring(1, t.length() - 1);
        }
        return t;
    }

    private static Long date(String v) {
        if (v == null) {
            return null;
        }
        try {
            return ZonedDateTime.parse(v.strip(), DateTimeFormatter.RFC_1123_DATE_TIME).toEpochSecond();
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    static S3Exception failed(String condition) {
        return new S3Exception(S3Error.PRECONDITION_FAILED, "At least one of the pre-conditions you specified did not hold")
                .with("Condition", condition);
    }
}
