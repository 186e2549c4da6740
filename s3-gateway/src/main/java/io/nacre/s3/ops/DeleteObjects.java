package io.nacre.s3.ops;

import com.linecorp.armeria.common.HttpResponse;
import io.nacre.s3.error.ErrorMapping;
import io.nacre.s3.error.S3Exception;
import io.nacre.s3.keys.KeyPath;
import io.nacre.s3.xml.RequestBodies;
import io.nacre.s3.xml.XmlWriter;

/**
 * POST /bucket?delete: removes up to 1,000 keys; the body must carry a Content-MD5 or an
 * x-amz-checksum. Each key succeeds or fails on its own; quiet mode reports only failures.
 */
final class DeleteObjects extends Operation {

    DeleteObjects() {
        super("DeleteObjects", ErrorMapping.Target.BUCKET);
    }

    @Override
    public HttpResponse handle(S3Request r) throws Exception {
        r.bucketAttr();
        RequestBodies.Delete d = RequestBodies.delete(r.smallBody(RequestBodies.MAX_BODY, true));
        XmlWriter doc = XmlWriter.document("DeleteResult");
        for (RequestBodies.ObjectToDelete o : d.objects()) {
            try {
                if (o.versionId() == null || o.versionId().equals("null")) {
                    r.gateway().namespace().deleteKey(r.caller(), r.bucket(), KeyPath.parse(o.key()));
                }
                if (!d.quiet()) {
                    doc.start("Deleted").element("Key", o.key());
                    if (o.versionId() != null) {
                        doc.element("VersionId", o.versionId());
                    }
                    doc.end();
                }
            } catch (RuntimeException e) {
                S3Exception s3 = ErrorMapping.toS3(e, ErrorMapping.Target.OBJECT);
                doc.start("Error").element("Key", o.key());
                if (o.versionId() != null) {
                    doc.element("VersionId", o.versionId());
                }
                doc.element("Code", s3.error().code()).element("Message", s3.getMessage()).end();
            }
        }
        return Responses.xml(doc);
    }
}
