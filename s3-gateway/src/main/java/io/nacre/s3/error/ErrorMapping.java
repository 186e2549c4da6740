package io.nacre.s3.error;

import io.nacre.engine.NacreException;

/**
 * The one place where the core's protocol-neutral {@link io.nacre.engine.Status} becomes an S3 error.
 * What was being looked for (a bucket, a key, an upload) decides which "NoSuch..." a NOT_FOUND is.
 */
public final class ErrorMapping {

    /** What the failed request was about. */
    public enum Target {
        BUCKET(S3Error.NO_SUCH_BUCKET),
        /** Writing a key: a file or directory in the way is a conflict (409). */
        OBJECT(S3Error.NO_SUCH_KEY),
        /** Reading a key: whatever is not a file at that path means there is no such key. */
        KEY_READ(S3Error.NO_SUCH_KEY),
        UPLOAD(S3Error.NO_SUCH_UPLOAD);

        private final S3Error notFound;

        Target(S3Error notFound) {
            this.notFound = notFound;
        }
    }

    private ErrorMapping() {
    }

    /** Maps any failure: S3Exceptions pass through, NacreExceptions are translated, anything else is internal. */
    public static S3Exception toS3(Throwable t, Target target) {
        Throwable c = t;
        while (c != null) {
            if (c instanceof S3Exception s3) {
                return s3;
            }
            if (c instanceof NacreException ne) {
                return toS3(ne, target);
            }
            c = c.getCause();
        }
        return new S3Exception(S3Error.INTERNAL_ERROR, "We encountered an internal error. Please try again.", t);
    }

    public static S3Exception toS3(NacreException e, Target target) {
        String m = e.getMessage();
        if (target == Target.KEY_READ && (e.status() == io.nacre.engine.Status.NOT_DIR
                || e.status() == io.nacre.engine.Status.IS_DIR)) {
            return toS3(new NacreException(io.nacre.engine.Status.NOT_FOUND, m, e), target);
        }
        S3Exception out = switch (e.status()) {
            case NOT_FOUND, STALE -> new S3Exception(target.notFound, switch (target) {
                case BUCKET -> "The specified bucket does not exist";
                case OBJECT, KEY_READ -> "The specified key does not exist.";
                case UPLOAD -> "The specified multipart upload does not exist.";
            });
            case EXISTS -> target == Target.BUCKET
                    ? new S3Exception(S3Error.BUCKET_ALREADY_OWNED_BY_YOU,
                            "Your previous request to create the named bucket succeeded and you already own it.")
                    : new S3Exception(S3Error.OBJECT_EXISTS_AS_DIRECTORY, "The key conflicts with an existing entry: " + m);
            case NOT_EMPTY -> target == Target.BUCKET
                    ? new S3Exception(S3Error.BUCKET_NOT_EMPTY, "The bucket you tried to delete is not empty")
                    : new S3Exception(S3Error.OBJECT_EXISTS_AS_DIRECTORY,
                            "The key names a directory that holds other keys; delete those first");
            case IS_DIR -> new S3Exception(S3Error.OBJECT_EXISTS_AS_DIRECTORY,
                    "The key names a directory, not an object (add a trailing '/' to address the directory)");
            case NOT_DIR -> new S3Exception(S3Error.PARENT_IS_OBJECT,
                    "A prefix of the key (up to a '/') is an object, so no key can be stored below it");
            case ACCESS, PERM -> new S3Exception(S3Error.ACCESS_DENIED, "Access Denied");
            case READ_ONLY -> new S3Exception(S3Error.ACCESS_DENIED, "Access Denied: the file system is read-only");
            case INVALID -> new S3Exception(S3Error.INVALID_ARGUMENT, m);
            case NAME_TOO_LONG -> new S3Exception(S3Error.KEY_TOO_LONG,
                    "Your key is too long: each '/'-separated segment is at most 255 bytes");
            case TOO_BIG -> new S3Exception(S3Error.ENTITY_TOO_LARGE,
                    "Your proposed upload exceeds the maximum allowed object size.");
            case TOO_MANY_LINKS -> new S3Exception(S3Error.INVALID_REQUEST,
                    "The directory holds the most subdirectories it can: " + m);
            case NO_SPACE -> new S3Exception(S3Error.INSUFFICIENT_STORAGE, "The storage is full: " + m);
            case BUSY -> new S3Exception(S3Error.OPERATION_ABORTED,
                    "A conflicting operation is currently in progress against this resource. Please try again.");
            case DELAY -> new S3Exception(S3Error.SLOW_DOWN, "Please reduce your request rate: " + m);
            case NOT_SUPPORTED -> new S3Exception(S3Error.NOT_IMPLEMENTED,
                    "A header or operation you provided implies functionality that is not implemented: " + m);
            case UNAVAILABLE -> new S3Exception(S3Error.SERVICE_UNAVAILABLE,
                    "The service is unavailable. Please retry: " + m);
            case CORRUPT, IO, NO_XATTR -> new S3Exception(S3Error.INTERNAL_ERROR,
                    "We encountered an internal error. Please try again.");
        };
        out.initCause(e);
        return out;
    }
}
