package io.nacre.s3.ops;

import io.nacre.s3.error.ErrorMapping;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import io.nacre.engine.meta.Attr;
import io.nacre.s3.body.PayloadVerifier;
import io.nacre.s3.checksum.ChecksumAlgorithm;
import io.nacre.s3.error.S3Error;
import io.nacre.s3.error.S3Exception;
import io.nacre.s3.fs.Namespace;
import io.nacre.s3.fs.ObjectMeta;
import io.nacre.s3.fs.Uploads;
import io.nacre.s3.xml.RequestBodies;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * PUT /bucket/key?partNumber=N&uploadId=U: streams a part into its own file (its own OST objects,
 * laid out as the object will be), verified before it replaces an earlier upload of that part.
 */
final class UploadPart extends Operation {


    UploadPart() {

        super("UploadPart", ErrorMapping.Target.OBJECT);

    }

    /** S3's largest part. */
    static final long MAX_PART_SIZE = 5L << 30;

    @Override
    public HttpResponse handle(S3Request r) throws Exception {
        int number = RequestBodies.partNumber(r.param("partNumber"));
        Gateway gw = r.gateway();
        r.bucketAttr();
        Uploads.Upload u = gw.uploads().find(r.bucket(), r.key(), r.param("uploadId"));
        PayloadVerifier body = r.body(u.checksum());
        Namespace.Staged staged = gw.namespace().stage(r.caller(), r.bucketAttr().fid());
        PayloadVerifier.Digests d;
        Attr written;
        try {
            d = Bodies.write(gw.namespace().io(), staged.fid(), body, gw.blocking());
            if (d.length() > MAX_PART_SIZE) {
                throw new S3Exception(S3Error.ENTITY_TOO_LARGE, "Your proposed upload exceeds the maximum allowed size")
                        .with("MaxSizeAllowed", Long.toString(MAX_PART_SIZE));
            }
            written = gw.namespace().io().getattr(staged.fid());
            String sum = d.checksum() == null ? null : ChecksumAlgorithm.encode(d.checksum());
            gw.meta().store(staged.fid(), new ObjectMeta(written.dataVersion(), d.md5Hex(), Map.of(), d.algorithm(), sum,
                    false, null));
        } catch (Exception e) {
            gw.namespace().discard(staged);
            throw e;
        }
        gw.uploads().putPart(u, number, staged);
        Map<String, String> h = new LinkedHashMap<>();
        h.put("etag", Responses.quote(d.md5Hex()));
        if (d.checksum() != null) {
            h.put(d.algorithm().header(), ChecksumAlgorithm.encode(d.checksum()));
        }
        return Responses.empty(HttpStatus.OK, h);
    }
}
