package io.nacre.s3.ops;

import com.linecorp.armeria.common.HttpResponse;
import io.nacre.s3.error.ErrorMapping;

/** HEAD /bucket/key: GetObject's headers without the body. */
final class HeadObject implements S3Operation {

    @Override
    public String name() {
        return "HeadObject";
    }

    @Override
    public ErrorMapping.Target target() {
        return ErrorMapping.Target.KEY_READ;
    }

    @Override
    public HttpResponse handle(S3Request r) {
        return ObjectReads.serve(r, true);
    }
}
