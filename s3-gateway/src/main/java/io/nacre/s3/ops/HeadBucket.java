package io.nacre.s3.ops;

import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import io.nacre.s3.error.ErrorMapping;
import java.util.Map;

/** HEAD /bucket: 200 with the bucket's region when it exists and the caller may look into it. */
final class HeadBucket extends Operation {

    HeadBucket() {
        super("HeadBucket", ErrorMapping.Target.BUCKET);
    }

    @Override
    public HttpResponse handle(S3Request r) {
        r.bucketAttr();
        return Responses.empty(HttpStatus.OK, Map.of("x-amz-bucket-region", r.gateway().region()));
    }
}
