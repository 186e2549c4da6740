package io.nacre.s3.ops;

import com.linecorp.armeria.common.HttpResponse;
import io.nacre.s3.error.ErrorMapping;

/** GET /bucket/key: the object's bytes (a Range or a part of them), its ETag and stored headers. */
final class GetObject extends Operation {

    GetObject() {
        super("GetObject", ErrorMapping.Target.KEY_READ);
    }

    @Override
    public HttpResponse handle(S3Request r) {
        return ObjectReads.serve(r, false);
    }
}
