package io.nacre.s3.ops;

import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import io.nacre.s3.error.ErrorMapping;
import io.nacre.s3.fs.Uploads;
import java.util.Map;

/** DELETE /bucket/key?uploadId=U: removes the upload and its parts. */
final class AbortMultipartUpload extends Operation {

    AbortMultipartUpload() {
        super("AbortMultipartUpload", ErrorMapping.Target.UPLOAD);
    }

    @Override
    public HttpResponse handle(S3Request r) {
        r.bucketAttr();
        Uploads.Upload u = r.gateway().uploads().find(r.bucket(), r.key(), r.param("uploadId"));
        if (u.uid() != r.caller().uid() && !r.caller().isRoot()) {
            r.gateway().namespace().checkAccess(r.caller(), r.bucketAttr().fid(),
                    io.nacre.engine.meta.Access.WRITE);
        }
        r.gateway().uploads().abort(u);
        return Responses.empty(HttpStatus.NO_CONTENT, Map.of());
    }
}
