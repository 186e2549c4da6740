package io.nacre.s3.fs;

import io.nacre.engine.Caller;
import io.nacre.engine.Fid;
import io.nacre.engine.NacreException;
import io.nacre.engine.Status;
import io.nacre.engine.meta.Attr;
import io.nacre.engine.meta.CreateSpec;
import io.nacre.engine.meta.DirEntry;
import io.nacre.engine.meta.DirPage;
import io.nacre.engine.meta.MetadataService;
import io.nacre.engine.meta.XattrFlag;
import io.nacre.s3.checksum.ChecksumAlgorithm;
import io.nacre.s3.error.S3Error;
import io.nacre.s3.error.S3Exception;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Multipart uploads in progress: each is a hidden directory {@code <bucket>.<uploadId>} holding one
 * file per part ({@code 00001}...), written straight into its own OST objects; the directory's
 * extended attribute records the key, owner, start time and stored headers. Nothing of an upload is
 * visible in the namespace until it completes.
 */
public final class Uploads {

    private static final Logger LOG = LoggerFactory.getLogger(Uploads.class);

    static final String XATTR = "trusted.nacre.s3.upload";
    private static final int VERSION = 1;
    /** ListMultipartUploads reads at most this many uploads of a bucket. */
    public static final int MAX_LISTED = 10_000;

    /** An upload in progress. {@code checksumType} is "COMPOSITE", "FULL_OBJECT" or null. */
    public record Upload(String id, String bucket, String key, Fid dir, int uid, int gid, long initiated,
                         Map<String, String> headers, ChecksumAlgorithm checksum, String checksumType) {
        public Upload {
            headers = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(headers));
        }

        String dirName() {
            return dirName(bucket, id);
        }

        static String dirName(String bucket, String id) {
            return bucket + "." + id;
        }
    }

    /** A part as stored: its file, size, ETag (hex MD5), checksum (its algorithm and raw digest, or nulls) and time. */
    public record Part(int number, Fid fid, long size, String etag, ChecksumAlgorithm checksumAlgorithm, byte[] checksum,
                       long mtime) {
    }

    private final MetadataService mds;
    private final Namespace ns;
    private final MetaStore meta;

    public Uploads(Namespace ns, MetaStore meta) {
        this.mds = ns.mds();
        this.ns = ns;
        this.meta = meta;
    }

    public Upload create(String bucket, String key, Caller owner, long now, Map<String, String> headers,
                         ChecksumAlgorithm checksum, String checksumType) {
        String id = HexFormat.of().formatHex(Namespace.randomBytes(16));
        Upload u = new Upload(id, bucket, key, null, owner.uid(), owner.gid(), now, headers, checksum, checksumType);
        Attr dir = mds.create(Caller.ROOT, ns.uploadsDir(), u.dirName(), CreateSpec.directory(0700)).attr();
        mds.setXattr(Caller.ROOT, dir.fid(), XATTR, encode(u), XattrFlag.CREATE);
        return new Upload(id, bucket, key, dir.fid(), u.uid(), u.gid(), now, headers, checksum, checksumType);
    }

    /** The upload with this id for this bucket and key; NoSuchUpload otherwise. */
    public Upload find(String bucket, String key, String id) {
        if (id == null || !id.matches("[0-9a-f]{32}")) {
            throw noSuchUpload(id);
        }
        try {
            Attr dir = mds.lookup(Caller.ROOT, ns.uploadsDir(), Upload.dirName(bucket, id));
            Upload u = read(dir.fid(), id).orElseThrow(() -> noSuchUpload(id));
            if (!u.key().equals(key) || !u.bucket().equals(bucket)) {
                throw noSuchUpload(id);
            }
            return u;
        } catch (NacreException e) {
            if (e.status() == Status.NOT_FOUND || e.status() == Status.STALE) {
                throw noSuchUpload(id);
            }
            throw e;
        }
    }

    private Optional<Upload> read(Fid dir, String id) {
        return mds.getXattr(Caller.ROOT, dir, XATTR).map(b -> decode(b, dir, id));
    }

    public static S3Exception noSuchUpload(String id) {
        return new S3Exception(S3Error.NO_SUCH_UPLOAD, "The specified multipart upload does not exist. "
                + "The upload ID may be invalid, or the upload may have been aborted or completed.")
                .with("UploadId", id == null ? "" : id.length() > 64 ? id.substring(0, 64) : id);
    }

    static String partName(int number) {
        return "%05d".formatted(number);
    }

    /** Stores a verified staged part as part {@code number}, replacing an earlier upload of that part. */
    public void putPart(Upload u, int number, Namespace.Staged staged) {
        try {
            mds.rename(Caller.ROOT, ns.stagingDir(), staged.name(), u.dir(), partName(number));
        } catch (NacreException e) {
            ns.discard(staged);
            if (e.status() == Status.STALE || e.status() == Status.NOT_FOUND) {
                throw noSuchUpload(u.id()); // aborted or completed meanwhile
            }
            throw e;
        }
    }

    /** Parts after {@code afterPart}, in part number order, at most {@code max}. */
    public List<Part> parts(Upload u, int afterPart, int max) {
        List<Part> out = new ArrayList<>();
        String after = afterPart <= 0 ? "" : partName(afterPart);
        while (out.size() < max) {
            DirPage page = mds.list(Caller.ROOT, u.dir(), after, Math.min(1000, max - out.size()));
            for (DirEntry e : page.entries()) {
                part(e.name(), e.attr()).ifPresent(out::add);
                after = e.name();
            }
            if (page.eof() || page.entries().isEmpty()) {
                break;
            }
        }
        return out;
    }

    /** One part, if uploaded. */
    public Optional<Part> part(Upload u, int number) {
        try {
            return part(partName(number), mds.lookup(Caller.ROOT, u.dir(), partName(number)));
        } catch (NacreException e) {
            if (e.status() == Status.NOT_FOUND) {
                return Optional.empty();
            }
            throw e;
        }
    }

    private Optional<Part> part(String name, Attr a) {
        if (!a.isRegular() || !name.matches("\\d{5}")) {
            return Optional.empty();
        }
        Optional<ObjectMeta> m = meta.stored(a.fid());
        if (m.isEmpty()) {
            return Optional.empty(); // not yet published into the upload
        }
        ObjectMeta pm = m.get();
        byte[] sum = pm.checksum() == null ? null : java.util.Base64.getDecoder().decode(pm.checksum());
        return Optional.of(new Part(Integer.parseInt(name), a.fid(), a.size(), pm.etag(), pm.checksumAlgorithm(), sum,
                a.mtime()));
    }

    /** Removes an upload and its parts (their objects are queued for destruction). */
    public void abort(Upload u) {
        removeAll(u.dir(), u.dirName());
    }

    /** Removes what is left of an upload after completion (parts whose data moved, or copied). */
    public void finish(Upload u) {
        removeAll(u.dir(), u.dirName());
    }

    private void removeAll(Fid dir, String dirName) {
        while (true) {
            DirPage page;
            try {
                page = mds.list(Caller.ROOT, dir, "", 1000);
            } catch (NacreException e) {
                if (e.status() == Status.STALE || e.status() == Status.NOT_FOUND) {
                    return;
                }
                throw e;
            }
            for (DirEntry e : page.entries()) {
                try {
                    mds.remove(Caller.ROOT, dir, e.name(), MetadataService.RemoveKind.ANY);
                } catch (NacreException ex) {
                    if (ex.status() != Status.NOT_FOUND) {
                        throw ex;
                    }
                }
            }
            if (page.eof() || page.entries().isEmpty()) {
                break;
            }
        }
        try {
            mds.remove(Caller.ROOT, ns.uploadsDir(), dirName, MetadataService.RemoveKind.DIRECTORY);
        } catch (NacreException e) {
            if (e.status() != Status.NOT_FOUND) {
                throw e;
            }
        }
    }

    /** The uploads of a bucket (at most {@link #MAX_LISTED}), in no particular order. */
    public List<Upload> list(String bucket) {
        List<Upload> out = new ArrayList<>();
        String prefix = bucket + ".";
        String after = prefix;
        while (out.size() < MAX_LISTED) {
            DirPage page = mds.list(Caller.ROOT, ns.uploadsDir(), after, 1000);
            for (DirEntry e : page.entries()) {
                if (!e.name().startsWith(prefix)) {
                    return out;
                }
                String id = e.name().substring(prefix.length());
                if (id.length() == 32) {
                    read(e.attr().fid(), id).filter(u -> u.bucket().equals(bucket)).ifPresent(out::add);
                }
                after = e.name();
            }
            if (page.eof() || page.entries().isEmpty()) {
                break;
            }
        }
        return out;
    }

    /** Aborts every upload started before {@code cutoffNanos}; returns how many. */
    public int abortStartedBefore(long cutoffNanos) {
        int n = 0;
        String after = "";
        while (true) {
            DirPage page = mds.list(Caller.ROOT, ns.uploadsDir(), after, 1000);
            for (DirEntry e : page.entries()) {
                after = e.name();
                int dot = e.name().lastIndexOf('.');
                if (dot < 0) {
                    continue;
                }
                Optional<Upload> u = read(e.attr().fid(), e.name().substring(dot + 1));
                long started = u.map(Upload::initiated).orElse(e.attr().ctime());
                if (started < cutoffNanos) {
                    LOG.info("removing abandoned multipart upload {}", e.name());
                    removeAll(e.attr().fid(), e.name());
                    n++;
                }
            }
            if (page.eof() || page.entries().isEmpty()) {
                return n;
            }
        }
    }

    private static byte[] encode(Upload u) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(VERSION);
            out.writeUTF(u.bucket());
            out.writeUTF(u.key());
            out.writeInt(u.uid());
            out.writeInt(u.gid());
            out.writeLong(u.initiated());
            out.writeShort(u.headers().size());
            for (Map.Entry<String, String> h : u.headers().entrySet()) {
                out.writeUTF(h.getKey());
                out.writeUTF(h.getValue());
            }
            out.writeByte(u.checksum() == null ? -1 : u.checksum().ordinal());
            out.writeUTF(u.checksumType() == null ? "" : u.checksumType());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    private static Upload decode(byte[] b, Fid dir, String id) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(b))) {
            if (in.readByte() != VERSION) {
                throw new IOException("unknown upload record version");
            }
            String bucket = in.readUTF();
            String key = in.readUTF();
            int uid = in.readInt();
            int gid = in.readInt();
            long initiated = in.readLong();
            int n = in.readUnsignedShort();
            Map<String, String> headers = new LinkedHashMap<>();
            for (int i = 0; i < n; i++) {
                headers.put(in.readUTF(), in.readUTF());
            }
            int alg = in.readByte();
            String type = in.readUTF();
            return new Upload(id, bucket, key, dir, uid, gid, initiated, headers,
                    alg < 0 ? null : ChecksumAlgorithm.values()[alg], type.isEmpty() ? null : type);
        } catch (IOException e) {
            throw new UncheckedIOException("bad upload record of " + dir, e);
        }
    }
}
