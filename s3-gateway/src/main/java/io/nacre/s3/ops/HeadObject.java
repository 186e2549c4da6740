package io.nacre.s3.ops;

import com.linecorp.armeria.common.HttpResponse;
import io.nacre.s3.error.ErrorMapping;

/** HEAD /bucket/key: GetObject's headers without the body. */
final class HeadObject extends Operation {

    HeadObject() {
        super("HeadObject", ErrorMapping.Target.KEY_READ);
    }

    @Override
    public HttpResponse handle(S3Request r) {
        return ObjectReads.serve(r, true);
    }
}
