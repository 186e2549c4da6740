package io.nacre.s3.ops;

import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import io.nacre.engine.Fid;
import io.nacre.engine.meta.MetadataService;
import io.nacre.s3.error.ErrorMapping;
import io.nacre.s3.fs.Uploads;
import java.util.Map;

/** DELETE /bucket: removes an empty bucket (BucketNotEmpty otherwise), and its unfinished uploads. */
final class DeleteBucket extends Operation {

    DeleteBucket() {
        super("DeleteBucket", ErrorMapping.Target.BUCKET);
    }

    @Override
    public HttpResponse handle(S3Request r) {
        r.bucketAttr();
        r.gateway().namespace().mds().remove(r.caller(), Fid.ROOT, r.bucket(), MetadataService.RemoveKind.DIRECTORY);
        for (Uploads.Upload u : r.gateway().uploads().list(r.bucket())) {
            r.gateway().uploads().abort(u);
        }
        return Responses.empty(HttpStatus.NO_CONTENT, Map.of());
    }
}
