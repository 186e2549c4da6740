package io.nacre.s3.ops;

import com.linecorp.armeria.common.HttpResponse;
import io.nacre.s3.error.S3Error;
import io.nacre.s3.error.S3Exception;

/** An S3 operation this server knows of but does not implement: 501 NotImplemented, saying which. */
final class NotImplemented extends Operation {

    NotImplemented(String name) {
        super(name, io.nacre.s3.error.ErrorMapping.Target.OBJECT);
    }

    @Override
    public HttpResponse handle(S3Request r) {
        throw new S3Exception(S3Error.NOT_IMPLEMENTED,
                "A header or query you provided implies functionality that is not implemented: " + name());
    }
}
