package io.nacre.s3.ops;

import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.ResponseHeaders;
import com.linecorp.armeria.common.ResponseHeadersBuilder;
import com.linecorp.armeria.common.HttpData;
import io.nacre.engine.meta.Attr;
import io.nacre.engine.meta.Fetched;
import io.nacre.engine.meta.SmallFile;
import io.nacre.s3.error.S3Error;
import io.nacre.s3.error.S3Exception;
import io.nacre.s3.fs.ObjectMeta;
import io.nacre.s3.keys.KeyPath;
import io.nacre.s3.xml.RequestBodies;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** GetObject and HeadObject: one path, with or without the body. */
final class ObjectReads {

    private ObjectReads() {
    }

    /**
     * The object a GET/HEAD/copy source names, checked readable, with its current attributes and
     * metadata, and its bytes when they all live on the MDT (a small object), else null.
     */
    record Found(Attr attr, ObjectMeta meta, byte[] data) {
    }

    /**
     * One metadata read finds the object, checks it readable and brings its metadata (and a small
     * object's bytes); a file whose stored ETag is for older data (changed over NFS since) gets it
     * recomputed, and one whose data is on the OSTs its attributes through FileIo (which knows of
     * writes not yet committed).
     */
    static Found find(S3Request r, String bucketName, KeyPath key, String versionId) {
        Gateway gw = r.gateway();
        if (versionId != null && !versionId.equals("null")) {
            // Versioning is never enabled: the only version of anything is "null".
            throw new S3Exception(S3Error.NO_SUCH_VERSION, "The specified version does not exist.")
                    .with("Key", key.key()).with("VersionId", versionId);
        }
        Fetched f = gw.namespace().fetchKey(r.caller(), bucketName, key, List.of(ObjectMeta.XATTR), SmallFile.MAX_DOM_SIZE);
        Attr a = f.attr();
        byte[] stored = f.xattrs().get(ObjectMeta.XATTR);
        ObjectMeta m = stored == null ? null : ObjectMeta.decode(stored);
        // The one-read answer holds unless this process has writes to the file whose size or mtime the
        // MDS has not recorded yet (an NFS write through the same FileIo): then FileIo's view wins.
        if (f.data() != null && m != null && m.dataVersion() == a.dataVersion()
                && !gw.namespace().io().hasUnrecordedWrites(a.fid())) {
            return new Found(a, m, f.data());
        }
        if (a.isRegular()) {
            a = gw.namespace().io().getattr(a.fid());
        }
        return new Found(a, gw.meta().current(a.fid(), a, Optional.ofNullable(m)), null);
    }

    static HttpResponse serve(S3Request r, boolean head) {
        Found f = find(r, r.bucket(), r.keyPath(), r.param("versionId"));
        Attr a = f.attr();
        ObjectMeta m = f.meta();
        long size = a.isDir() ? 0 : a.size();

        if (Conditions.forRead(r.headers(), m.etag(), a.mtime()) == Conditions.Outcome.NOT_MODIFIED) {
            return Responses.empty(HttpStatus.NOT_MODIFIED, Map.of(
                    "etag", Responses.quote(m.etag()), "last-modified", Responses.httpDate(a.mtime())));
        }
        // HSM: the conditions need no data; the body does (a released object's comes back from the archive first).
        boolean glacier = ArchivedObjects.archived(a) && ArchivedObjects.glacier(r);
        if (!head && ArchivedObjects.released(a)) {
            a = ArchivedObjects.readable(r, a, glacier);
        }

        ResponseHeadersBuilder h = ResponseHeaders.builder(HttpStatus.OK);
        ByteRange range = null;
        String partParam = r.param("partNumber");
        if (partParam != null) {
            int part = RequestBodies.partNumber(partParam);
            long[] parts = m.partSizes();
            if (parts.length == 0) {
                if (part != 1) {
                    throw ByteRange.unsatisfiable(size);
                }
            } else {
                if (part > parts.length) {
                    throw ByteRange.unsatisfiable(size);
                }
                long start = 0;
                for (int i = 0; i < part - 1; i++) {
                    start += parts[i];
                }
                range = new ByteRange(start, start + parts[part - 1] - 1);
                h.status(HttpStatus.PARTIAL_CONTENT);
            }
            h.add("x-amz-mp-parts-count", Integer.toString(Math.max(1, parts.length)));
        } else {
            range = ByteRange.parse(r.header("range"), size);
            if (range != null) {
                h.status(HttpStatus.PARTIAL_CONTENT);
            }
        }
        long first = range == null ? 0 : range.first();
        long length = range == null ? size : range.length();
        if (range != null) {
            h.add(HttpHeaderNames.CONTENT_RANGE, "bytes " + range.first() + "-" + range.last() + "/" + size);
        }
        h.add(HttpHeaderNames.ETAG, Responses.quote(m.etag()));
        h.add(HttpHeaderNames.LAST_MODIFIED, Responses.httpDate(a.mtime()));
        h.add(HttpHeaderNames.ACCEPT_RANGES, "bytes");
        h.contentLength(length);
        ObjectHeaders.apply(h, m, r);
        ArchivedObjects.headers(r, a, glacier, h);
        boolean wantChecksum = "ENABLED".equalsIgnoreCase(r.header("x-amz-checksum-mode"));
        if (wantChecksum && m.checksumAlgorithm() != null && (range == null || partParam != null && m.partsCount() == 0)) {
            h.add(m.checksumAlgorithm().header(), m.checksum());
            h.add("x-amz-checksum-type", m.composite() ? "COMPOSITE" : "FULL_OBJECT");
        }
        if (m.partsCount() > 0 && partParam == null && head) {
            h.add("x-amz-mp-parts-count", Integer.toString(m.partsCount()));
        }
        ResponseHeaders headers = h.build();
        if (head || a.isDir()) {
            return HttpResponse.of(headers);
        }
        if (f.data() != null && a.size() == f.data().length) {
            // A small object's bytes came with its metadata: no OST, no other thread.
            return HttpResponse.of(headers, HttpData.wrap(f.data(), (int) first, (int) length));
        }
        Gateway gw = r.gateway();
        return Bodies.stream(headers, gw.namespace().io(), gw.namespace().io().view(a), first, length, gw.blocking());
    }
}
