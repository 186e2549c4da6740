package io.nacre.s3.ops;

import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import io.nacre.engine.Fid;
import io.nacre.engine.NacreException;
import io.nacre.engine.Status;
import io.nacre.engine.meta.Attr;
import io.nacre.engine.meta.CreateSpec;
import io.nacre.s3.error.ErrorMapping;
import io.nacre.s3.error.S3Error;
import io.nacre.s3.error.S3Exception;
import io.nacre.s3.keys.BucketNames;
import io.nacre.s3.xml.RequestBodies;
import java.util.Map;
import java.util.Optional;

/** PUT /bucket: makes the bucket's directory below the root (the caller's, so POSIX rules apply as over NFS). */
final class CreateBucket extends Operation {

    CreateBucket() {
        super("CreateBucket", ErrorMapping.Target.BUCKET);
    }

    @Override
    public HttpResponse handle(S3Request r) throws Exception {
        BucketNames.check(r.bucket());
        String acl = CannedAcl.fromRequest(r);
        Optional<String> location = RequestBodies.createBucketLocation(r.smallBody(64 * 1024, false));
        String region = r.gateway().region();
        if (location.isPresent() && !location.get().equals(region)
                && !(region.equals("us-east-1") && location.get().equals("US"))) {
            throw new S3Exception(S3Error.INVALID_ARGUMENT, "The specified location-constraint is not valid: this "
                    + "server's region is " + region).with("ArgumentName", "LocationConstraint")
                    .with("ArgumentValue", location.get());
        }
        if (r.header("x-amz-bucket-object-lock-enabled") != null
                && r.header("x-amz-bucket-object-lock-enabled").equalsIgnoreCase("true")) {
            throw new S3Exception(S3Error.NOT_IMPLEMENTED, "Object Lock is not implemented by this server");
        }
        Attr made;
        try {
            made = r.gateway().namespace().mds().create(r.caller(), Fid.ROOT, r.bucket(), CreateSpec.directory(0755)).attr();
        } catch (NacreException e) {
            if (e.status() == Status.EXISTS) {
                Attr existing = r.gateway().namespace().mds().lookup(io.nacre.engine.Caller.ROOT, Fid.ROOT, r.bucket());
                if (existing.isDir() && existing.uid() == r.caller().uid()) {
                    throw new S3Exception(S3Error.BUCKET_ALREADY_OWNED_BY_YOU,
                            "Your previous request to create the named bucket succeeded and you already own it.")
                            .with("BucketName", r.bucket());
                }
                throw new S3Exception(S3Error.BUCKET_ALREADY_EXISTS, "The requested bucket name is not available. "
                        + "The bucket namespace is shared by all users of the system. Please select a different name "
                        + "and try again.").with("BucketName", r.bucket());
            }
            throw e;
        }
        if (acl != null && !acl.equals("private")) {
            r.gateway().namespace().setBucketAcl(made.fid(), acl);
        }
        return Responses.empty(HttpStatus.OK, Map.of("location", "/" + r.bucket()));
    }
}
