package io.nacre.s3.copytool;

import static java.util.Objects.requireNonNull;

import io.nacre.engine.Fid;
import io.nacre.engine.NacreException;
import io.nacre.engine.Status;
import io.nacre.engine.hsm.Copytool;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.exception.AbortedException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * The S3 copytool: archives files to a bucket of any S3 server (AWS, MinIO, another Nacre, s3proxy),
 * restores them verified, removes them, and lists prefixes for imports.
 *
 * <p>An archive object is readable without Nacre: its key is {@code <prefix>/<path at archive time>}
 * (see {@link S3Keys}), its {@code x-amz-meta-*} headers carry the Fid, owner, mode and times (see
 * {@link ArchiveMetadata}). A file up to one part is one PUT; a larger one is a multipart upload whose
 * parts are read one after another into at most {@code partsInFlight + 1} buffers, so memory is bounded
 * whatever the file. Every part travels with its Content-MD5 (the server checks it); the whole file's
 * SHA-256 is the copy's checksum, which the restore verifies before the data is used.
 */
public final class S3Copytool implements Copytool {

    private static final Logger LOG = LoggerFactory.getLogger(S3Copytool.class);
    private static final int CHUNK = 1 << 20;

    private final S3ArchiveConfig config;
    private final S3Client s3;
    private final Bandwidth bandwidth;
    private final ExecutorService uploads = Executors.newVirtualThreadPerTaskExecutor();

    public S3Copytool(S3ArchiveConfig config) {
        this.config = requireNonNull(config, "config");
        S3ClientBuilder b = S3Client.builder()
                .region(Region.of(config.region()))
                .forcePathStyle(config.pathStyle())
                // Content-MD5 on every body instead of trailing checksums: every S3 server checks it.
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED);
        if (config.endpoint() != null) {
            b.endpointOverride(config.endpoint());
        }
        b.credentialsProvider(config.accessKey() != null
                ? StaticCredentialsProvider.create(AwsBasicCredentials.create(config.accessKey(), config.secretKey()))
                : DefaultCredentialsProvider.builder().build());
        this.s3 = b.build();
        this.bandwidth = new Bandwidth(config.bandwidth());
    }

    public S3ArchiveConfig config() {
        return config;
    }

    @Override
    public Set<Integer> archiveIds() {
        return Set.of(config.archiveId());
    }

    // ---- archive ---------------------------------------------------------------------------------------------

    @Override
    public Archived archive(Job job, ReadableByteChannel data, Progress progress) {
        String key = S3Keys.key(config.prefix(), job.path(), job.fid());
        Map<String, String> existing = headMetadata(config.bucket(), key);
        if (existing != null) {
            Fid owner = ArchiveMetadata.fidOf(existing);
            if (!job.fid().equals(owner)) {
                // Another file's copy (perhaps the only copy of a released file renamed away): never overwrite it.
                key = S3Keys.distinct(key, job.fid());
            }
        }
        MessageDigest sha = digest("SHA-256");
        ByteBuffer first = ByteBuffer.allocate(config.partSize());
        long read = fill(data, first, sha, progress, 0);
        try {
            if (first.hasRemaining() || read == job.attr().size()) {
                first.flip();
                String hex = HexFormat.of().formatHex(sha.digest());
                putSingle(key, first, ArchiveMetadata.of(job.fid(), job.path(), job.attr(), hex, 0));
                progress.done(read);
                return new Archived(S3Keys.handle(config.bucket(), key), "sha256:" + hex, read);
            }
            long total = putMultipart(key, first, read, data, sha, job, progress);
            return new Archived(S3Keys.handle(config.bucket(), key), "sha256:" + HexFormat.of().formatHex(sha.digest()),
                    total);
        } catch (SdkException e) {
            throw failure("archiving " + job.fid() + " to " + S3Keys.handle(config.bucket(), key), e);
        }
    }

    /** Reads from data into buf until it is full or the data ends; returns the total bytes read so far. */
    private long fill(ReadableByteChannel data, ByteBuffer buf, MessageDigest sha, Progress progress, long before) {
        long total = before;
        try {
            while (buf.hasRemaining()) {
                int pos = buf.position();
                int n = data.read(buf);
                if (n < 0) {
                    break;
                }
                sha.update(buf.array(), pos, n);
                total += n;
                if (n == 0) {
                    Thread.onSpinWait();
                }
            }
        } catch (IOException e) {
            throw new NacreException(Status.IO, "reading the file to archive: " + e.getMessage(), e);
        }
        progress.done(total);
        return total;
    }

    private void putSingle(String key, ByteBuffer body, Map<String, String> metadata) {
        bandwidth.take(body.remaining());
        s3.putObject(r -> r.bucket(config.bucket()).key(key).metadata(metadata).contentMD5(md5Base64(body))
                .contentLength((long) body.remaining()), RequestBody.fromByteBuffer(body));
    }

    private long putMultipart(String key, ByteBuffer first, long read, ReadableByteChannel data, MessageDigest sha,
                              Job job, Progress progress) {
        String uploadId = s3.createMultipartUpload(r -> r.bucket(config.bucket()).key(key)
                .metadata(ArchiveMetadata.of(job.fid(), job.path(), job.attr(), null, config.partSize()))).uploadId();
        boolean done = false;
        List<Future<CompletedPart>> parts = new ArrayList<>();
        try {
            ByteBuffer buf = first;
            long total = read;
            int number = 1;
            while (true) {
                buf.flip();
                if (!buf.hasRemaining()) {
                    break;
                }
                waitForRoom(parts);
                ByteBuffer body = buf;
                int partNumber = number++;
                parts.add(uploads.submit(() -> uploadPart(key, uploadId, partNumber, body)));
                if (body.limit() < body.capacity()) {
                    break;
                }
                buf = ByteBuffer.allocate(config.partSize());
                total = fill(data, buf, sha, progress, total);
            }
            List<CompletedPart> completed = new ArrayList<>();
            for (Future<CompletedPart> f : parts) {
                completed.add(await(f));
            }
            s3.completeMultipartUpload(r -> r.bucket(config.bucket()).key(key).uploadId(uploadId)
                    .multipartUpload(u -> u.parts(completed)));
            done = true;
            return total;
        } finally {
            if (!done) {
                parts.forEach(f -> f.cancel(true));
                try {
                    s3.abortMultipartUpload(r -> r.bucket(config.bucket()).key(key).uploadId(uploadId));
                } catch (SdkException e) {
                    LOG.warn("could not abort multipart upload {} of {}: {}", uploadId, key, e.toString());
                }
            }
        }
    }

    /** Keeps at most partsInFlight uploads running: waits for the oldest when there are that many. */
    private void waitForRoom(List<Future<CompletedPart>> parts) {
        long running = parts.stream().filter(f -> !f.isDone()).count();
        for (Future<CompletedPart> f : parts) {
            if (running < config.partsInFlight()) {
                return;
            }
            if (!f.isDone()) {
                await(f);
                running--;
            }
        }
    }

    private CompletedPart uploadPart(String key, String uploadId, int number, ByteBuffer body) {
        bandwidth.take(body.remaining());
        String etag = s3.uploadPart(r -> r.bucket(config.bucket()).key(key).uploadId(uploadId).partNumber(number)
                .contentMD5(md5Base64(body)).contentLength((long) body.remaining()), RequestBody.fromByteBuffer(body)).eTag();
        return CompletedPart.builder().partNumber(number).eTag(etag).build();
    }

    private static <T> T await(Future<T> f) {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new NacreException(Status.BUSY, "interrupted while uploading");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw new NacreException(Status.IO, String.valueOf(e.getCause()), e.getCause());
        }
    }

    // ---- restore ---------------------------------------------------------------------------------------------

    @Override
    public void restore(Job job, WritableByteChannel sink, Progress progress) {
        S3Keys.Location loc = S3Keys.parse(job.copy().handle());
        String checksum = job.copy().checksum();
        boolean etagCheck = checksum.startsWith("etag:");
        String etag = etagCheck ? checksum.substring("etag:".length()) : null;
        String plainMd5 = etag != null && etag.replace("\"", "").matches("[0-9a-fA-F]{32}") ? etag.replace("\"", "") : null;
        MessageDigest digest = digest(plainMd5 != null ? "MD5" : "SHA-256");
        long total = 0;
        GetObjectRequest req = GetObjectRequest.builder().bucket(loc.bucket()).key(loc.key())
                .ifMatch(etag).build();
        try (ResponseInputStream<GetObjectResponse> in = s3.getObject(req)) {
            byte[] buf = new byte[CHUNK];
            int n;
            while ((n = in.readNBytes(buf, 0, buf.length)) > 0) {
                bandwidth.take(n);
                digest.update(buf, 0, n);
                ByteBuffer b = ByteBuffer.wrap(buf, 0, n);
                while (b.hasRemaining()) {
                    sink.write(b);
                }
                total += n;
                progress.done(total);
            }
        } catch (SdkException e) {
            throw failure("restoring " + job.fid() + " from " + job.copy().handle(), e);
        } catch (InterruptedIOException e) {
            throw new NacreException(Status.BUSY, "restore of " + job.fid() + " interrupted");
        } catch (IOException e) {
            throw new NacreException(Status.UNAVAILABLE, "reading " + job.copy().handle() + ": " + e.getMessage(), e);
        }
        if (job.copy().size() >= 0 && total != job.copy().size()) {
            throw new NacreException(Status.CORRUPT, job.copy().handle() + " holds " + total + " bytes, the archived copy "
                    + job.copy().size());
        }
        String got = HexFormat.of().formatHex(digest.digest());
        String want = plainMd5 != null ? plainMd5.toLowerCase(java.util.Locale.ROOT)
                : checksum.startsWith("sha256:") ? checksum.substring("sha256:".length()) : null;
        if (want != null && !want.equals(got)) {
            throw new NacreException(Status.CORRUPT, job.copy().handle() + " does not match its checksum ("
                    + (plainMd5 != null ? "MD5 " : "SHA-256 ") + got + ", archived " + want + ")");
        }
        LOG.debug("restored {} bytes of {} from {}", total, job.fid(), job.copy().handle());
    }

    // ---- remove ----------------------------------------------------------------------------------------------

    @Override
    public void remove(Job job) {
        S3Keys.Location loc = S3Keys.parse(job.copy().handle());
        try {
            Map<String, String> meta = headMetadata(loc.bucket(), loc.key());
            if (meta == null) {
                return;
            }
            Fid owner = ArchiveMetadata.fidOf(meta);
            if (!job.fid().equals(owner)) {
                LOG.info("not removing {}: it holds {}, not {}'s copy", job.copy().handle(),
                        owner == null ? "an object not archived by Nacre" : owner + "'s copy", job.fid());
                return;
            }
            s3.deleteObject(r -> r.bucket(loc.bucket()).key(loc.key()));
        } catch (SdkException e) {
            throw failure("removing " + job.copy().handle(), e);
        }
    }

    // ---- list ------------------------------------------------------------------------------------------------

    @Override
    public void list(String source, Consumer<ListedObject> each) {
        S3Keys.Location loc = S3Keys.parse(source);
        String prefix = loc.key().isEmpty() || loc.key().endsWith("/") ? loc.key() : loc.key() + "/";
        try {
            for (S3Object o : s3.listObjectsV2Paginator(ListObjectsV2Request.builder().bucket(loc.bucket())
                    .prefix(prefix).build()).contents()) {
                if (o.key().endsWith("/")) {
                    continue; // a directory marker
                }
                String rel = o.key().substring(prefix.length());
                long mtime = o.lastModified().getEpochSecond() * 1_000_000_000L + o.lastModified().getNano();
                each.accept(new ListedObject(S3Keys.handle(loc.bucket(), o.key()), rel, o.size(), mtime,
                        "etag:" + o.eTag()));
            }
        } catch (SdkException e) {
            throw failure("listing " + source, e);
        }
    }

    // ---- helpers ---------------------------------------------------------------------------------------------

    /** The object's user metadata, or null when there is no such object. */
    private Map<String, String> headMetadata(String bucket, String key) {
        try {
            HeadObjectResponse h = s3.headObject(r -> r.bucket(bucket).key(key));
            return h.metadata();
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                return null;
            }
            throw failure("looking at s3://" + bucket + "/" + key, e);
        } catch (SdkException e) {
            throw failure("looking at s3://" + bucket + "/" + key, e);
        }
    }

    /** The Status of an S3 failure: gone (NOT_FOUND), refused (ACCESS/INVALID), or worth retrying (UNAVAILABLE). */
    static NacreException failure(String what, SdkException e) {
        if (e instanceof AbortedException || Thread.currentThread().isInterrupted()) {
            return new NacreException(Status.BUSY, what + ": interrupted", e);
        }
        Status s;
        if (e instanceof S3Exception s3e) {
            int code = s3e.statusCode();
            String err = s3e.awsErrorDetails() == null ? null : s3e.awsErrorDetails().errorCode();
            s = code == 404 ? Status.NOT_FOUND
                    : code == 412 ? Status.CORRUPT
                    : code == 403 ? Status.ACCESS
                    : "BadDigest".equals(err) || "InvalidDigest".equals(err) ? Status.IO
                    : code >= 500 || code == 429 || code == 408 ? Status.UNAVAILABLE
                    : Status.INVALID;
            String why = code == 412 ? "the object changed since it was recorded (ETag differs)" : s3e.getMessage();
            return new NacreException(s, what + ": " + why, e);
        }
        s = e instanceof SdkClientException ? Status.UNAVAILABLE : Status.IO;
        return new NacreException(s, what + ": " + e.getMessage(), e);
    }

    private static MessageDigest digest(String algorithm) {
        try {
            return MessageDigest.getInstance(algorithm);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(algorithm + " is part of every JDK", e);
        }
    }

    private static String md5Base64(ByteBuffer body) {
        MessageDigest md5 = digest("MD5");
        md5.update(body.duplicate());
        return Base64.getEncoder().encodeToString(md5.digest());
    }

    @Override
    public void close() {
        uploads.close();
        s3.close();
    }
}
