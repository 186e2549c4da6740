package io.nacre.s3.ops;

import io.nacre.s3.error.ErrorMapping;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import io.nacre.engine.meta.Attr;
import io.nacre.engine.meta.MetadataService;
import io.nacre.engine.meta.SmallFile;
import io.nacre.s3.body.PayloadVerifier;
import io.nacre.s3.checksum.ChecksumAlgorithm;
import io.nacre.s3.error.S3Error;
import io.nacre.s3.error.S3Exception;
import io.nacre.s3.fs.MetaStore;
import io.nacre.s3.fs.Namespace;
import io.nacre.s3.fs.ObjectMeta;
import io.nacre.s3.keys.KeyPath;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * PUT /bucket/key. A small body (up to the gateway's data-on-MDT limit, 64 KiB by default) is read and
 * verified in memory (signatures, Content-MD5, checksums, length) and stored with everything about it in
 * ONE metadata change: its bytes on the MDT, its metadata, its directories, the replace of the old
 * object. A larger one is streamed into a staged file on the OSTs (bounded memory, any size), verified,
 * then published at the key with one rename. A key ending in '/' with an empty body makes a directory.
 */
final class PutObject extends Operation {

    PutObject() {
        super("PutObject", ErrorMapping.Target.OBJECT);
    }

    @Override
    public HttpResponse handle(S3Request r) throws Exception {
        ObjectWrites.checkSupported(r);
        Map<String, String> stored = ObjectHeaders.fromRequest(r.headers());
        KeyPath key = r.keyPath();
        Gateway gw = r.gateway();
        if (key.directory()) {
            return putDirectory(r, key, stored);
        }
        PayloadVerifier body = r.body(null);
        long declared = body.declaredLength();
        if (declared >= 0 && declared <= gw.dataOnMdtLimit()) {
            SmallFile.Expect expect = ObjectWrites.expectation(r);
            Bodies.Small small = Bodies.readSmall(body);
            HttpResponse done = putOnMdt(r, key, small, stored, expect);
            if (done != null) {
                return done;
            }
            return putStaged(r, key, stored, ObjectWrites.plan(r), body, small);
        }
        return putStaged(r, key, stored, ObjectWrites.plan(r), body, null);
    }

    /**
     * A small object, verified in memory: its file, bytes (data-on-MDT), metadata, implicit directories
     * and the replace of the object at the key, all in one metadata change (one Raft entry, shared with
     * concurrent PUTs), with no OST involved. Null when the metadata service cannot.
     */
    private static HttpResponse putOnMdt(S3Request r, KeyPath key, Bodies.Small small, Map<String, String> stored,
                                         SmallFile.Expect expect) {
        Gateway gw = r.gateway();
        PayloadVerifier.Digests d = small.digests();
        String checksum = d.checksum() == null ? null : ChecksumAlgorithm.encode(d.checksum());
        ObjectMeta meta = new ObjectMeta(MetadataService.SMALL_FILE_DATA_VERSION, d.md5Hex(), stored, d.algorithm(),
                checksum, false, null);
        byte[] data = small.length() == small.data().length ? small.data() : Arrays.copyOf(small.data(), small.length());
        if (gw.namespace().putSmall(r.caller(), r.bucket(), key, data, gw.dataOnMdtLimit(),
                Map.of(ObjectMeta.XATTR, meta.encode()), expect) == null) {
            return null;
        }
        return written(meta, d);
    }

    /**
     * Any object the long way: streamed into a staged file on the OSTs, then published by rename. A body
     * of less than one chunk is read and verified first, so its metadata is stored while its data is
     * written; {@code small} is such a body when it was read already.
     */
    private static HttpResponse putStaged(S3Request r, KeyPath key, Map<String, String> stored, ObjectWrites.Plan plan,
                                          PayloadVerifier body, Bodies.Small read) throws Exception {
        Gateway gw = r.gateway();
        Bodies.Small small = read != null ? read : Bodies.readSmall(body);
        Namespace.Staged staged = gw.namespace().stage(r.caller(),
                gw.namespace().layoutFor(plan.layoutDir(), body.declaredLength(), gw.wideStripeFrom()));
        PayloadVerifier.Digests d;
        boolean metaStored = false;
        try {
            if (small != null) {
                d = small.digests();
                ObjectMeta early = meta(staged, d, stored);
                // Verified and hashed before anything was stored: the metadata goes to the MDS while the
                // data goes to the OSTs, rather than after it (one metadata round less per small PUT).
                CompletableFuture<Void> metaWrite = CompletableFuture.runAsync(
                        () -> gw.meta().store(staged.fid(), early), gw.blocking());
                try {
                    Bodies.write(gw.namespace().io(), staged.fid(), small);
                } finally {
                    metaWrite.exceptionally(t -> null).join();
                }
                try {
                    metaWrite.join();
                } catch (CompletionException e) {
                    throw e.getCause() instanceof RuntimeException re ? re : e;
                }
                metaStored = true;
            } else {
                d = Bodies.write(gw.namespace().io(), staged.fid(), body, gw.blocking());
            }
        } catch (Exception e) {
            gw.namespace().discard(staged);
            throw e;
        }
        ObjectMeta meta = meta(staged, d, stored);
        Attr published = ObjectWrites.publish(r, staged, meta, plan, metaStored);
        if (published.dataVersion() != meta.dataVersion()) {
            gw.meta().store(published.fid(), new ObjectMeta(published.dataVersion(), meta.etag(), meta.headers(),
                    meta.checksumAlgorithm(), meta.checksum(), false, null));
        }
        return written(meta, d);
    }

    /** The answer to a stored object: its ETag and, when one was sent, its checksum. */
    private static HttpResponse written(ObjectMeta meta, PayloadVerifier.Digests d) {
        Map<String, String> h = new LinkedHashMap<>();
        h.put("etag", Responses.quote(meta.etag()));
        if (meta.checksum() != null) {
            h.put(d.algorithm().header(), meta.checksum());
            h.put("x-amz-checksum-type", "FULL_OBJECT");
        }
        return Responses.empty(HttpStatus.OK, h);
    }

    /**
     * The metadata of the staged file once its data is written. The data version the write gives the
     * file is predicted (one recorded write) rather than read, and checked against the published
     * attributes; a wrong guess costs one more metadata write.
     */
    private static ObjectMeta meta(Namespace.Staged staged, PayloadVerifier.Digests d, Map<String, String> stored) {
        String checksum = d.checksum() == null ? null : ChecksumAlgorithm.encode(d.checksum());
        long predicted = staged.createdDataVersion() + (d.length() == 0 ? 0 : 1);
        return new ObjectMeta(predicted, d.md5Hex(), stored, d.algorithm(), checksum, false, null);
    }

    private static HttpResponse putDirectory(S3Request r, KeyPath key, Map<String, String> stored) throws Exception {
        PayloadVerifier body = r.body(null);
        PayloadVerifier.Digests d = body.finish();
        if (d.length() != 0) {
            throw new S3Exception(S3Error.INVALID_ARGUMENT, "A key ending in '/' names a directory and cannot hold data; "
                    + "send an empty body to make the directory, or choose a key without the trailing '/'")
                    .with("ArgumentName", "key").with("ArgumentValue", key.key());
        }
        Gateway gw = r.gateway();
        Attr dir = gw.namespace().makeDirectoryKey(r.caller(), r.bucketAttr().fid(), key);
        gw.meta().store(dir.fid(), new ObjectMeta(dir.dataVersion(), MetaStore.EMPTY_ETAG, stored, null, null, false, null));
        return Responses.empty(HttpStatus.OK, Map.of("etag", Responses.quote(MetaStore.EMPTY_ETAG)));
    }
}
