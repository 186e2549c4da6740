package io.nacre.s3.ops;

import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpResponseWriter;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.ResponseHeaders;
import io.nacre.engine.io.FileIo;
import io.nacre.engine.meta.Attr;
import io.nacre.engine.store.Durability;
import io.nacre.s3.checksum.ChecksumAlgorithm;
import io.nacre.s3.checksum.Hasher;
import io.nacre.s3.error.ErrorMapping;
import io.nacre.s3.error.S3Error;
import io.nacre.s3.error.S3Exception;
import io.nacre.s3.fs.Namespace;
import io.nacre.s3.fs.ObjectMeta;
import io.nacre.s3.fs.Uploads;
import io.nacre.s3.xml.RequestBodies;
import io.nacre.s3.xml.XmlWriter;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * POST /bucket/key?uploadId=U: checks the listed parts (order, ETags, checksums, 5 MiB minimum but
 * the last), assembles them into one staged file and publishes it with one rename, so the object
 * appears whole or not at all. The ETag is the MD5 of the parts' MD5s, "-N". Assembly that takes
 * long is answered as S3 does: 200 at once, whitespace while working, then the result (or an Error).
 */
final class CompleteMultipartUpload extends Operation {


    CompleteMultipartUpload() {

        super("CompleteMultipartUpload", ErrorMapping.Target.UPLOAD);

    }

    private static final Logger LOG = LoggerFactory.getLogger(CompleteMultipartUpload.class);

    /** S3's smallest part, except the last. */
    static final long MIN_PART_SIZE = 5L << 20;
    /** How long to wait for assembly before answering 200 and keeping the connection alive. */
    static final long QUICK_MILLIS = 2_000;
    static final long KEEPALIVE_MILLIS = 10_000;

    @Override
    public HttpResponse handle(S3Request r) throws Exception {
        Gateway gw = r.gateway();
        r.bucketAttr();
        Uploads.Upload u = gw.uploads().find(r.bucket(), r.key(), r.param("uploadId"));
        List<RequestBodies.CompletedPart> listed = RequestBodies.completeMultipartUpload(
                r.smallBody(RequestBodies.MAX_BODY, false));
        List<Uploads.Part> parts = new ArrayList<>(listed.size());
        for (int i = 0; i < listed.size(); i++) {
            RequestBodies.CompletedPart lp = listed.get(i);
            Uploads.Part p = gw.uploads().part(u, lp.partNumber()).orElseThrow(() -> invalidPart(lp));
            if (!Conditions.unquote(lp.etag()).equals(p.etag())) {
                throw invalidPart(lp);
            }
            if (u.checksum() != null) {
                String given = lp.checksums().get(u.checksum());
                if (p.checksum() == null || p.checksumAlgorithm() != u.checksum()
                        || given != null && !given.equals(ChecksumAlgorithm.encode(p.checksum()))) {
                    throw invalidPart(lp);
                }
            }
            if (i < listed.size() - 1 && p.size() < MIN_PART_SIZE) {
                throw new S3Exception(S3Error.ENTITY_TOO_SMALL, "Your proposed upload is smaller than the minimum allowed object size.")
                        .with("ProposedSize", Long.toString(p.size())).with("MinSizeAllowed", Long.toString(MIN_PART_SIZE))
                        .with("PartNumber", Integer.toString(p.number())).with("ETag", Responses.quote(p.etag()));
            }
            parts.add(p);
        }
        ObjectWrites.Plan plan = ObjectWrites.plan(r);
        ObjectMeta meta = meta(u, parts, r);

        CompletableFuture<HttpResponse> done = CompletableFuture.supplyAsync(() -> complete(r, u, parts, meta, plan),
                gw.blocking());
        try {
            return done.get(QUICK_MILLIS, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof Exception ex ? ex : e;
        } catch (TimeoutException e) {
            return keepAlive(r, done);
        }
    }

    private static S3Exception invalidPart(RequestBodies.CompletedPart lp) {
        return new S3Exception(S3Error.INVALID_PART, "One or more of the specified parts could not be found. "
                + "The part may not have been uploaded, or the specified entity tag may not match the part's entity tag.")
                .with("PartNumber", Integer.toString(lp.partNumber())).with("ETag", lp.etag());
    }

    /** The object's metadata from its parts: ETag md5-of-md5s-N, checksum composite or combined. */
    static ObjectMeta meta(Uploads.Upload u, List<Uploads.Part> parts, S3Request r) {
        Hasher md5s = Hasher.md5();
        long[] sizes = new long[parts.size()];
        for (int i = 0; i < parts.size(); i++) {
            byte[] m = HexFormat.of().parseHex(parts.get(i).etag());
            md5s.update(m, 0, m.length);
            sizes[i] = parts.get(i).size();
        }
        String etag = HexFormat.of().formatHex(md5s.finish()) + "-" + parts.size();
        String checksum = null;
        boolean composite = false;
        ChecksumAlgorithm alg = u.checksum();
        if (alg != null) {
            if ("FULL_OBJECT".equals(u.checksumType())) {
                byte[] whole = parts.get(0).checksum();
                for (int i = 1; i < parts.size(); i++) {
                    whole = alg.combine(whole, parts.get(i).checksum(), parts.get(i).size());
                }
                checksum = ChecksumAlgorithm.encode(whole);
                String given = r.header(alg.header());
                if (given != null && !given.strip().equals(checksum)) {
                    throw new S3Exception(S3Error.BAD_DIGEST, "The " + alg.wireName()
                            + " you specified did not match the calculated checksum.");
                }
            } else {
                Hasher h = alg.newHasher();
                for (Uploads.Part p : parts) {
                    h.update(p.checksum(), 0, p.checksum().length);
                }
                checksum = ChecksumAlgorithm.encode(h.finish()) + "-" + parts.size();
                composite = true;
            }
        }
        return new ObjectMeta(0, etag, u.headers(), alg, checksum, composite, sizes);
    }

    /** Assembles and publishes; the response document, or the S3 error as an Error document. */
    private static HttpResponse complete(S3Request r, Uploads.Upload u, List<Uploads.Part> parts, ObjectMeta meta,
                                         ObjectWrites.Plan plan) {
        Gateway gw = r.gateway();
        Namespace ns = gw.namespace();
        // The object belongs to whoever started the upload.
        Namespace.Staged staged = ns.stageWithoutLayout(io.nacre.engine.Caller.of(u.uid(), u.gid()));
        Attr written;
        try {
            long expected = 0;
            for (Uploads.Part p : parts) {
                expected += p.size();
            }
            if (!join(ns, parts, staged)) {
                ns.mds().setLayout(io.nacre.engine.Caller.ROOT, staged.fid(), ns.layoutFor(plan.layoutDir()));
                assemble(ns.io(), parts, staged);
            }
            written = ns.io().getattr(staged.fid());
            if (written.size() != expected) {
                // Another completion of the same upload took the parts first.
                throw Uploads.noSuchUpload(u.id());
            }
        } catch (RuntimeException e) {
            ns.discard(staged);
            throw e;
        }
        ObjectMeta stored = new ObjectMeta(written.dataVersion(), meta.etag(), meta.headers(), meta.checksumAlgorithm(),
                meta.checksum(), meta.composite(), meta.partSizes());
        ObjectWrites.publish(r, staged, stored, plan);
        try {
            gw.uploads().finish(u);
        } catch (RuntimeException e) {
            LOG.warn("upload {} completed but its parts could not be removed (the cleaner will): {}", u.id(), e.toString());
        }
        XmlWriter doc = XmlWriter.document("CompleteMultipartUploadResult")
                .element("Location", "/" + r.bucket() + "/" + r.key())
                .element("Bucket", r.bucket()).element("Key", r.key())
                .element("ETag", Responses.quote(meta.etag()));
        if (meta.checksumAlgorithm() != null) {
            doc.element(meta.checksumAlgorithm().xmlElement(), meta.checksum())
                    .element("ChecksumType", meta.composite() ? "COMPOSITE" : "FULL_OBJECT");
        }
        return Responses.xml(doc);
    }

    /**
     * Moves the parts' objects into the staged file without copying (one metadata change); false when
     * the metadata service cannot join these layouts, and the data must be copied.
     */
    static boolean join(Namespace ns, List<Uploads.Part> parts, Namespace.Staged staged) {
        try {
            ns.mds().concat(io.nacre.engine.Caller.ROOT, staged.fid(),
                    parts.stream().map(Uploads.Part::fid).toList());
            return true;
        } catch (io.nacre.engine.NacreException e) {
            if (e.status() == io.nacre.engine.Status.NOT_SUPPORTED) {
                LOG.debug("parts of {} cannot be joined ({}); copying", staged.fid(), e.getMessage());
                return false;
            }
            throw e;
        }
    }

    /** Copies the parts' data, in order, into the staged file. */
    static void assemble(FileIo io, List<Uploads.Part> parts, Namespace.Staged staged) {
        ByteBuffer buf = ByteBuffer.allocate(Bodies.CHUNK);
        try (FileIo.Writer w = io.openWriter(staged.fid(), 0, Durability.STABLE)) {
            for (Uploads.Part p : parts) {
                if (Bodies.transfer(io, p.fid(), 0, p.size(), w, buf) != p.size()) {
                    throw new S3Exception(S3Error.INTERNAL_ERROR, "part " + p.number() + " could not be read whole");
                }
            }
        }
    }

    /** Answers 200 now and sends whitespace until the assembly is done, then its document. */
    private static HttpResponse keepAlive(S3Request r, CompletableFuture<HttpResponse> done) {
        HttpResponseWriter out = HttpResponse.streaming();
        out.write(ResponseHeaders.builder(HttpStatus.OK).contentType(Responses.XML).build());
        out.write(HttpData.ofUtf8("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"));
        r.gateway().blocking().execute(() -> {
            byte[] body;
            while (true) {
                try {
                    HttpResponse resp = done.get(KEEPALIVE_MILLIS, TimeUnit.MILLISECONDS);
                    body = resp.aggregate().join().content().array();
                    break;
                } catch (TimeoutException e) {
                    if (!out.tryWrite(HttpData.ofUtf8(" "))) {
                        return;
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    out.abort(e);
                    return;
                } catch (ExecutionException e) {
                    S3Exception s3 = ErrorMapping.toS3(e.getCause(), ErrorMapping.Target.UPLOAD);
                    body = Responses.error(s3, r.resource(), r.requestId(), false).aggregate().join().content().array();
                    break;
                }
            }
            String doc = new String(body, StandardCharsets.UTF_8);
            int decl = doc.indexOf("?>");
            out.write(HttpData.ofUtf8(decl >= 0 ? doc.substring(decl + 2) : doc));
            out.close();
        });
        return out;
    }
}
