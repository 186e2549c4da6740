package io.nacre.s3.ops;

import io.nacre.s3.error.S3Error;
import io.nacre.s3.error.S3Exception;
import java.util.Set;

/**
 * The only ACLs this server keeps: a bucket is private (signed requests only) or public-read
 * (anonymous GET/HEAD/list allowed, acting as nobody under the usual POSIX checks).
 */
final class CannedAcl {

    static final Set<String> ACCEPTED = Set.of("private", "public-read");
    /** Accepted on objects and buckets because they change nothing for a single-owner server. */
    static final Set<String> HARMLESS = Set.of("bucket-owner-full-control", "bucket-owner-read", "authenticated-read");

    private CannedAcl() {
    }

    /** The x-amz-acl of the request, or null; grants (x-amz-grant-*) are NotImplemented. */
    static String fromRequest(S3Request r) {
        for (var e : r.headers()) {
            if (e.getKey().toString().startsWith("x-amz-grant-")) {
                throw new S3Exception(S3Error.NOT_IMPLEMENTED, "Access grants are not implemented by this server; "
                        + "use x-amz-acl: private or public-read").with("Header", e.getKey().toString());
            }
        }
        String acl = r.header("x-amz-acl");
        if (acl == null) {
            return null;
        }
        String a = acl.strip();
        if (HARMLESS.contains(a)) {
            return "private";
        }
        if (!ACCEPTED.contains(a)) {
            throw new S3Exception(S3Error.NOT_IMPLEMENTED, "Only the private and public-read canned ACLs are implemented")
                    .with("Header", "x-amz-acl");
        }
        return a;
    }
}
