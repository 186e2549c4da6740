package io.nacre.s3.ops;

import io.nacre.s3.error.ErrorMapping;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import java.util.Map;

/** DELETE /bucket/key: removes the key (204 whether or not it existed), and directories it leaves empty. */
final class DeleteObject extends Operation {

    DeleteObject() {
        super("DeleteObject", ErrorMapping.Target.OBJECT);
    }

    @Override
    public HttpResponse handle(S3Request r) {
        String version = r.param("versionId");
        if (version == null || version.equals("null")) {
            r.gateway().namespace().deleteKey(r.caller(), r.bucket(), r.keyPath());
        }
        return Responses.empty(HttpStatus.NO_CONTENT, Map.of());
    }
}
