package io.nacre.s3.error;

/**
 * The S3 error codes this gateway answers with, each with its HTTP status, as AWS documents them
 * (S3 API reference, "Error responses"), plus the two namespace conflicts a file system adds.
 */
public enum S3Error {
    ACCESS_DENIED("AccessDenied", 403),
    AUTHORIZATION_HEADER_MALFORMED("AuthorizationHeaderMalformed", 400),
    AUTHORIZATION_QUERY_PARAMETERS_ERROR("AuthorizationQueryParametersError", 400),
    BAD_DIGEST("BadDigest", 400),
    BAD_REQUEST("BadRequest", 400),
    BUCKET_ALREADY_EXISTS("BucketAlreadyExists", 409),
    BUCKET_ALREADY_OWNED_BY_YOU("BucketAlreadyOwnedByYou", 409),
    BUCKET_NOT_EMPTY("BucketNotEmpty", 409),
    ENTITY_TOO_LARGE("EntityTooLarge", 400),
    ENTITY_TOO_SMALL("EntityTooSmall", 400),
    INCOMPLETE_BODY("IncompleteBody", 400),
    INSUFFICIENT_STORAGE("InsufficientStorage", 507),
    INTERNAL_ERROR("InternalError", 500),
    INVALID_ACCESS_KEY_ID("InvalidAccessKeyId", 403),
    INVALID_ARGUMENT("InvalidArgument", 400),
    INVALID_BUCKET_NAME("InvalidBucketName", 400),
    INVALID_CHUNK_SIZE("InvalidChunkSizeError", 403),
    INVALID_DIGEST("InvalidDigest", 400),
    INVALID_OBJECT_STATE("InvalidObjectState", 403),
    INVALID_PART("InvalidPart", 400),
    INVALID_PART_ORDER("InvalidPartOrder", 400),
    INVALID_RANGE("InvalidRange", 416),
    INVALID_REQUEST("InvalidRequest", 400),
    INVALID_STORAGE_CLASS("InvalidStorageClass", 400),
    INVALID_URI("InvalidURI", 400),
    KEY_TOO_LONG("KeyTooLongError", 400),
    MALFORMED_XML("MalformedXML", 400),
    MAX_MESSAGE_LENGTH_EXCEEDED("MaxMessageLengthExceeded", 400),
    METADATA_TOO_LARGE("MetadataTooLarge", 400),
    METHOD_NOT_ALLOWED("MethodNotAllowed", 405),
    MISSING_CONTENT_LENGTH("MissingContentLength", 411),
    MISSING_REQUEST_BODY("MissingRequestBodyError", 400),
    MISSING_SECURITY_HEADER("MissingSecurityHeader", 400),
    NO_SUCH_BUCKET("NoSuchBucket", 404),
    NO_SUCH_KEY("NoSuchKey", 404),
    NO_SUCH_UPLOAD("NoSuchUpload", 404),
    NO_SUCH_VERSION("NoSuchVersion", 404),
    NOT_IMPLEMENTED("NotImplemented", 501),
    OPERATION_ABORTED("OperationAborted", 409),
    PRECONDITION_FAILED("PreconditionFailed", 412),
    REQUEST_HEADER_SECTION_TOO_LARGE("RequestHeaderSectionTooLarge", 400),
    REQUEST_TIME_TOO_SKEWED("RequestTimeTooSkewed", 403),
    REQUEST_TIMEOUT("RequestTimeout", 400),
    RESTORE_ALREADY_IN_PROGRESS("RestoreAlreadyInProgress", 409),
    SERVICE_UNAVAILABLE("ServiceUnavailable", 503),
    SIGNATURE_DOES_NOT_MATCH("SignatureDoesNotMatch", 403),
    SLOW_DOWN("SlowDown", 503),
    UNEXPECTED_CONTENT("UnexpectedContent", 400),
    X_AMZ_CONTENT_SHA256_MISMATCH("XAmzContentSHA256Mismatch", 400),
    /** The key names a directory that holds other keys (or one made over NFS): a file cannot replace it. */
    OBJECT_EXISTS_AS_DIRECTORY("ObjectExistsAsDirectory", 409),
    /** A segment of the key's path is an object (a file), so nothing can live below it. */
    PARENT_IS_OBJECT("ParentIsObject", 409);

    private final String code;
    private final int httpStatus;

    S3Error(String code, int httpStatus) {
        this.code = code;
        this.httpStatus = httpStatus;
    }

    public String code() {
        return code;
    }

    public int httpStatus() {
        return httpStatus;
    }
}
