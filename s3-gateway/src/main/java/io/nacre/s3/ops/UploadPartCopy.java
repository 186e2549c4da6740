package io.nacre.s3.ops;

import io.nacre.s3.error.ErrorMapping;
import com.linecorp.armeria.common.HttpResponse;
import io.nacre.engine.meta.Attr;
import io.nacre.s3.checksum.ChecksumAlgorithm;
import io.nacre.s3.error.S3Error;
import io.nacre.s3.error.S3Exception;
import io.nacre.s3.fs.Namespace;
import io.nacre.s3.fs.ObjectMeta;
import io.nacre.s3.fs.Uploads;
import io.nacre.s3.xml.RequestBodies;
import io.nacre.s3.xml.XmlWriter;
import java.util.Map;

/** PUT /bucket/key?partNumber=N&uploadId=U with x-amz-copy-source: a part copied from (a range of) an object. */
final class UploadPartCopy extends Operation {

    UploadPartCopy() {
        super("UploadPartCopy", ErrorMapping.Target.OBJECT);
    }

    @Override
    public HttpResponse handle(S3Request r) {
        int number = RequestBodies.partNumber(r.param("partNumber"));
        Gateway gw = r.gateway();
        r.bucketAttr();
        Uploads.Upload u = gw.uploads().find(r.bucket(), r.key(), r.param("uploadId"));
        CopySource src = CopySource.parse(r.header("x-amz-copy-source"));
        ObjectReads.Found found = ObjectReads.find(r, src.bucket(), src.key(), src.versionId());
        if (!found.attr().isRegular()) {
            throw new S3Exception(S3Error.INVALID_REQUEST, "The source of a copy must be an object, not a directory key");
        }
        Conditions.forCopySource(r.headers(), found.meta().etag(), found.attr().mtime());
        long size = found.attr().size();
        long first = 0;
        long length = size;
        String range = r.header("x-amz-copy-source-range");
        if (range != null) {
            ByteRange br = ByteRange.parse(range, size);
            if (br == null || !range.strip().matches("bytes=\\d+-\\d+")) {
                throw new S3Exception(S3Error.INVALID_ARGUMENT,
                        "The x-amz-copy-source-range value must be of the form bytes=first-last where first and last "
                                + "are the zero-based offsets of the first and last bytes to copy")
                        .with("ArgumentName", "x-amz-copy-source-range");
            }
            first = br.first();
            length = br.length();
        }
        if (length > UploadPart.MAX_PART_SIZE) {
            throw new S3Exception(S3Error.ENTITY_TOO_LARGE, "Your proposed upload exceeds the maximum allowed size");
        }
        Namespace.Staged staged = gw.namespace().stage(r.caller(), r.bucketAttr().fid());
        CopyObject.Copied c;
        try {
            c = CopyObject.copy(gw.namespace().io(), found.attr().fid(), first, length, staged.fid(), u.checksum());
            Attr written = gw.namespace().io().getattr(staged.fid());
            String sum = c.checksum() == null ? null : ChecksumAlgorithm.encode(c.checksum());
            gw.meta().store(staged.fid(), new ObjectMeta(written.dataVersion(), c.md5Hex(), Map.of(), u.checksum(), sum,
                    false, null));
        } catch (RuntimeException e) {
            gw.namespace().discard(staged);
            throw e;
        }
        gw.uploads().putPart(u, number, staged);
        XmlWriter doc = XmlWriter.document("CopyPartResult")
                .element("ETag", Responses.quote(c.md5Hex()))
                .element("LastModified", Responses.iso(gw.clock().millis() * 1_000_000L));
        if (c.checksum() != null) {
            doc.element(u.checksum().xmlElement(), ChecksumAlgorithm.encode(c.checksum()));
        }
        return Responses.xml(doc);
    }
}
