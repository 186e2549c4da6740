package io.nacre.s3.ops;

import com.linecorp.armeria.common.HttpMethod;
import io.nacre.s3.error.S3Error;
import io.nacre.s3.error.S3Exception;
import java.util.List;
import java.util.function.Predicate;

/**
 * The dispatch table: which operation a request is, from its method, what it addresses (the service,
 * a bucket, an object) and its subresource query parameters, first match wins, as the S3 API
 * reference lists them.
 */
public final class Operations {

    /** What a request's path addresses. */
    public enum Level { SERVICE, BUCKET, OBJECT }

    private record Route(HttpMethod method, Level level, String param, boolean copySource, S3Operation op) {
    }

    private static final S3Operation GET_OBJECT = new GetObject();

    /** Subresources S3 has and this server does not implement. */
    private static final List<String> UNIMPLEMENTED_BUCKET = List.of("policy", "cors", "lifecycle", "tagging",
            "encryption", "website", "logging", "notification", "replication", "object-lock", "ownershipControls",
            "publicAccessBlock", "accelerate", "requestPayment", "analytics", "metrics", "inventory",
            "intelligent-tiering", "policyStatus", "select", "legal-hold", "retention", "torrent", "attributes");

    private static final List<Route> ROUTES = List.of(
            new Route(HttpMethod.GET, Level.SERVICE, null, false, new ListBuckets()),

            new Route(HttpMethod.GET, Level.BUCKET, "location", false, new BucketInfo.GetBucketLocation()),
            new Route(HttpMethod.GET, Level.BUCKET, "versioning", false, new BucketInfo.GetBucketVersioning()),
            new Route(HttpMethod.GET, Level.BUCKET, "acl", false, new BucketInfo.GetBucketAcl()),
            new Route(HttpMethod.GET, Level.BUCKET, "uploads", false, new ListMultipartUploads()),
            new Route(HttpMethod.GET, Level.BUCKET, "versions", false, new ListObjectVersions()),
            new Route(HttpMethod.GET, Level.BUCKET, "list-type", false, new ListObjectsV2()),
            new Route(HttpMethod.GET, Level.BUCKET, null, false, new ListObjects()),
            new Route(HttpMethod.HEAD, Level.BUCKET, null, false, new HeadBucket()),
            new Route(HttpMethod.PUT, Level.BUCKET, "acl", false, new BucketInfo.PutBucketAcl()),
            new Route(HttpMethod.PUT, Level.BUCKET, null, false, new CreateBucket()),
            new Route(HttpMethod.DELETE, Level.BUCKET, null, false, new DeleteBucket()),
            new Route(HttpMethod.POST, Level.BUCKET, "delete", false, new DeleteObjects()),

            new Route(HttpMethod.GET, Level.OBJECT, "uploadId", false, new ListParts()),
            new Route(HttpMethod.GET, Level.OBJECT, "acl", false, new BucketInfo.GetObjectAcl()),
            new Route(HttpMethod.GET, Level.OBJECT, "tagging", false, new BucketInfo.GetObjectTagging()),
            new Route(HttpMethod.GET, Level.OBJECT, null, false, GET_OBJECT),
            new Route(HttpMethod.HEAD, Level.OBJECT, null, false, new HeadObject()),
            new Route(HttpMethod.PUT, Level.OBJECT, "uploadId", true, new UploadPartCopy()),
            new Route(HttpMethod.PUT, Level.OBJECT, "uploadId", false, new UploadPart()),
            new Route(HttpMethod.PUT, Level.OBJECT, "acl", false, new NotImplemented("PutObjectAcl")),
            new Route(HttpMethod.PUT, Level.OBJECT, "tagging", false, new NotImplemented("PutObjectTagging")),
            new Route(HttpMethod.PUT, Level.OBJECT, null, true, new CopyObject()),
            new Route(HttpMethod.PUT, Level.OBJECT, null, false, new PutObject()),
            new Route(HttpMethod.DELETE, Level.OBJECT, "uploadId", false, new AbortMultipartUpload()),
            new Route(HttpMethod.DELETE, Level.OBJECT, "tagging", false, new NotImplemented("DeleteObjectTagging")),
            new Route(HttpMethod.DELETE, Level.OBJECT, null, false, new DeleteObject()),
            new Route(HttpMethod.POST, Level.OBJECT, "uploads", false, new CreateMultipartUpload()),
            new Route(HttpMethod.POST, Level.OBJECT, "uploadId", false, new CompleteMultipartUpload()),
            new Route(HttpMethod.POST, Level.OBJECT, "restore", false, new RestoreObject()),
            new Route(HttpMethod.POST, Level.OBJECT, "select", false, new NotImplemented("SelectObjectContent")));

    private Operations() {
    }

    /**
     * The operation for a request; MethodNotAllowed when the method makes no sense for what the path
     * addresses, NotImplemented for subresources this server does not have.
     */
    public static S3Operation resolve(HttpMethod method, Level level, Predicate<String> hasParam, boolean copySource) {
        if (level != Level.SERVICE) {
            for (String sub : UNIMPLEMENTED_BUCKET) {
                if (hasParam.test(sub) && !(level == Level.OBJECT && sub.equals("tagging"))) {
                    return new NotImplemented(method + " ?" + sub);
                }
            }
        }
        for (Route r : ROUTES) {
            if (r.method.equals(method) && r.level == level && (r.param == null || hasParam.test(r.param))
                    && (!r.copySource || copySource)) {
                return r.op;
            }
        }
        throw new S3Exception(S3Error.METHOD_NOT_ALLOWED, "The specified method is not allowed against this resource.")
                .with("Method", method.name()).with("ResourceType", level.name());
    }
}
