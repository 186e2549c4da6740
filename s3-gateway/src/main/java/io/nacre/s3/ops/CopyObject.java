package io.nacre.s3.ops;

import io.nacre.s3.error.ErrorMapping;
import com.linecorp.armeria.common.HttpResponse;
import io.nacre.engine.Fid;
import io.nacre.engine.io.FileIo;
import io.nacre.engine.meta.Attr;
import io.nacre.engine.store.Durability;
import io.nacre.s3.checksum.ChecksumAlgorithm;
import io.nacre.s3.checksum.Hasher;
import io.nacre.s3.error.S3Error;
import io.nacre.s3.error.S3Exception;
import io.nacre.s3.fs.Namespace;
import io.nacre.s3.fs.ObjectMeta;
import io.nacre.s3.xml.XmlWriter;
import java.nio.ByteBuffer;
import java.util.Map;

/**
 * PUT /bucket/key with x-amz-copy-source: copies an object's data into a new staged file and
 * publishes it, with the source's metadata (COPY) or the request's (REPLACE). Copying an object onto
 * itself with REPLACE only rewrites its metadata.
 */
final class CopyObject extends Operation {

    CopyObject() {
        super("CopyObject", ErrorMapping.Target.OBJECT);
    }

    @Override
    public HttpResponse handle(S3Request r) {
        ObjectWrites.checkSupported(r);
        CopySource src = CopySource.parse(r.header("x-amz-copy-source"));
        String directive = r.header("x-amz-metadata-directive");
        boolean replace = directive != null && directive.equalsIgnoreCase("REPLACE");
        if (directive != null && !replace && !directive.equalsIgnoreCase("COPY")) {
            throw new S3Exception(S3Error.INVALID_ARGUMENT, "Unknown metadata directive.")
                    .with("ArgumentName", "x-amz-metadata-directive").with("ArgumentValue", directive);
        }
        ObjectReads.Found found = ObjectReads.find(r, src.bucket(), src.key(), src.versionId());
        if (found.attr().isDir()) {
            throw new S3Exception(S3Error.INVALID_REQUEST, "The source of a copy must be an object, not a directory key");
        }
        Conditions.forCopySource(r.headers(), found.meta().etag(), found.attr().mtime());
        Map<String, String> headers = replace ? ObjectHeaders.fromRequest(r.headers()) : found.meta().headers();
        Gateway gw = r.gateway();
        ObjectWrites.Plan plan = ObjectWrites.plan(r);

        boolean self = src.bucket().equals(r.bucket()) && src.key().key().equals(r.keyPath().key());
        if (self) {
            if (!replace) {
                throw new S3Exception(S3Error.INVALID_REQUEST, "This copy request is illegal because it is trying to "
                        + "copy an object to itself without changing the object's metadata, storage class, website "
                        + "redirect location or encryption attributes.");
            }
            ObjectMeta updated = found.meta().withHeaders(headers);
            gw.meta().store(found.attr().fid(), updated);
            return result(updated.etag(), gw.namespace().io().getattr(found.attr().fid()).mtime(), updated);
        }

        Namespace.Staged staged = gw.namespace().stage(r.caller(), plan.layoutDir());
        ObjectMeta meta;
        try {
            ChecksumAlgorithm alg = found.meta().checksumAlgorithm() != null && !found.meta().composite()
                    ? found.meta().checksumAlgorithm() : null;
            String requested = r.header("x-amz-checksum-algorithm");
            if (requested != null) {
                alg = ChecksumAlgorithm.fromWireName(requested).orElseThrow(() -> new S3Exception(
                        S3Error.INVALID_REQUEST, "Checksum algorithm provided is unsupported."));
            }
            Copied c = copy(gw.namespace().io(), found.attr().fid(), 0, found.attr().size(), staged.fid(), alg);
            Attr written = gw.namespace().io().getattr(staged.fid());
            if (written.size() != found.attr().size()) {
                throw new S3Exception(S3Error.INTERNAL_ERROR, "The source object changed during the copy; retry");
            }
            meta = new ObjectMeta(written.dataVersion(), c.md5Hex(), headers, alg,
                    c.checksum() == null ? null : ChecksumAlgorithm.encode(c.checksum()), false, null);
        } catch (RuntimeException e) {
            gw.namespace().discard(staged);
            throw e;
        }
        Attr published = ObjectWrites.publish(r, staged, meta, plan);
        return result(meta.etag(), published.mtime(), meta);
    }

    private static HttpResponse result(String etag, long mtime, ObjectMeta meta) {
        XmlWriter doc = XmlWriter.document("CopyObjectResult")
                .element("ETag", Responses.quote(etag))
                .element("LastModified", Responses.iso(mtime));
        if (meta.checksumAlgorithm() != null && !meta.composite()) {
            doc.element("ChecksumType", "FULL_OBJECT").element(meta.checksumAlgorithm().xmlElement(), meta.checksum());
        }
        return Responses.xml(doc);
    }

    /** The digests of copied bytes. */
    record Copied(String md5Hex, byte[] md5, byte[] checksum) {
    }

    /** Copies [offset, offset + length) of one file to the start of another, durably, hashing as it goes. */
    static Copied copy(FileIo io, Fid from, long offset, long length, Fid to, ChecksumAlgorithm alg) {
        Hasher md5 = Hasher.md5();
        Hasher sum = alg == null ? null : alg.newHasher();
        long copied;
        try (FileIo.Writer w = io.openWriter(to, 0, Durability.STABLE)) {
            copied = sum == null ? Bodies.transfer(io, from, offset, length, w, ByteBuffer.allocate(Bodies.CHUNK), md5)
                    : Bodies.transfer(io, from, offset, length, w, ByteBuffer.allocate(Bodies.CHUNK), md5, sum);
        }
        if (copied != length) {
            throw new S3Exception(S3Error.INTERNAL_ERROR, "The source object changed during the copy; retry");
        }
        byte[] m = md5.finish();
        return new Copied(java.util.HexFormat.of().formatHex(m), m, sum == null ? null : sum.finish());
    }
}
