package io.nacre.s3.ops;

import com.linecorp.armeria.common.HttpResponse;
import io.nacre.s3.checksum.ChecksumAlgorithm;
import io.nacre.s3.error.ErrorMapping;
import io.nacre.s3.error.S3Error;
import io.nacre.s3.error.S3Exception;
import io.nacre.s3.fs.Uploads;
import io.nacre.s3.xml.XmlWriter;
import java.util.List;

/** GET /bucket/key?uploadId=U: the parts uploaded so far, from part-number-marker, at most max-parts. */
final class ListParts extends Operation {

    ListParts() {
        super("ListParts", ErrorMapping.Target.UPLOAD);
    }

    @Override
    public HttpResponse handle(S3Request r) {
        r.bucketAttr();
        Uploads.Upload u = r.gateway().uploads().find(r.bucket(), r.key(), r.param("uploadId"));
        int marker = intParam(r, "part-number-marker", 0, 0, 10_000);
        int max = intParam(r, "max-parts", 1000, 0, 1000);
        List<Uploads.Part> parts = r.gateway().uploads().parts(u, marker, max + 1);
        boolean truncated = parts.size() > max;
        if (truncated) {
            parts = parts.subList(0, max);
        }
        XmlWriter doc = XmlWriter.document("ListPartsResult")
                .element("Bucket", r.bucket()).element("Key", r.key()).element("UploadId", u.id())
                .element("PartNumberMarker", marker)
                .element("NextPartNumberMarker", parts.isEmpty() ? marker : parts.get(parts.size() - 1).number())
                .element("MaxParts", max).element("IsTruncated", truncated);
        if (u.checksum() != null) {
            doc.element("ChecksumAlgorithm", u.checksum().wireName()).element("ChecksumType", u.checksumType());
        }
        doc.start("Initiator").element("ID", Integer.toString(u.uid())).element("DisplayName", Integer.toString(u.uid())).end();
        doc.start("Owner").element("ID", Integer.toString(u.uid())).element("DisplayName", Integer.toString(u.uid())).end();
        doc.element("StorageClass", "STANDARD");
        for (Uploads.Part p : parts) {
            doc.start("Part").element("PartNumber", p.number()).element("LastModified", Responses.iso(p.mtime()))
                    .element("ETag", Responses.quote(p.etag())).element("Size", p.size());
            if (p.checksum() != null) {
                doc.element(p.checksumAlgorithm().xmlElement(), ChecksumAlgorithm.encode(p.checksum()));
            }
            doc.end();
        }
        return Responses.xml(doc);
    }

    static int intParam(S3Request r, String name, int dflt, int min, int max) {
        String v = r.param(name);
        if (v == null || v.isEmpty()) {
            return dflt;
        }
        try {
            int n = Integer.parseInt(v.strip());
            if (n < min) {
                throw new NumberFormatException();
            }
            return Math.min(n, max);
        } catch (NumberFormatException e) {
            throw new S3Exception(S3Error.INVALID_ARGUMENT, "Provided " + name + " not an integer or within integer range")
                    .with("ArgumentName", name).with("ArgumentValue", v.length() > 40 ? v.substring(0, 40) : v);
        }
    }
}
