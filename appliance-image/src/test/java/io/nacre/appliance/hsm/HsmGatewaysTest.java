package io.nacre.appliance.hsm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nacre.appliance.Main;
import io.nacre.appliance.fileio.Poll;
import io.nacre.appliance.node.Node;
import io.nacre.appliance.node.NodeOptions;
import io.nacre.engine.Caller;
import io.nacre.engine.Fid;
import io.nacre.engine.hsm.HsmAction;
import io.nacre.engine.hsm.HsmImport;
import io.nacre.engine.hsm.HsmRequest;
import io.nacre.engine.meta.Attr;
import io.nacre.engine.meta.HsmState;
import io.nacre.engine.meta.MetadataService;
import io.nacre.nfs.v41.NfsFs;
import io.nacre.nfs.v41.NfsTestClient;
import io.nacre.nfs.v41.attr.AttrNum;
import io.nacre.nfs.v41.attr.Bitmap;
import io.nacre.nfs.v41.xdr.Fattr4;
import io.nacre.nfs.v41.xdr.Nfs4;
import io.nacre.nfs.v41.xdr.Nfs4Status;
import io.nacre.nfs.v41.xdr.ReadArgs;
import io.nacre.nfs.v41.xdr.SetattrArgs;
import io.nacre.nfs.v41.xdr.WriteArgs;
import io.nacre.nfs.v41.xdr.XdrIo;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.ResponseBytes;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.ObjectStorageClass;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * HSM through Nacre's gateways, with another Nacre (its S3 gateway) as the archive. NFS: a READ or WRITE of
 * a released file answers NFS4ERR_DELAY, at once, until its restore is done. S3: a GET of a released
 * object waits for its restore, or answers 503 SlowDown with Retry-After when the restore takes longer
 * than the wait; a bucket in glacier mode lists archived objects as GLACIER, refuses GETs of released ones
 * with InvalidObjectState, and restores them with RestoreObject, showing x-amz-restore. Large files go to
 * the archive multipart, and a prefix of the other Nacre imports as stubs read lazily.
 */
class HsmGatewaysTest {

    @TempDir
    static Path dir;
    /**
     * The archive: another Nacre, through its S3 gateway (the other HSM tests archive to s3proxy, the
     * heavy ones to both).
     */
    static ArchiveServer archive;
    static S3Client archiveS3;
    static Node node;
    static MetadataService mds;
    static S3Client s3;

    @BeforeAll
    static void start() {
        archive = ArchiveServer.nacre(dir.resolve("archive"));
        archiveS3 = archive.client();
        archiveS3.createBucket(b -> b.bucket("archive"));
        archiveS3.createBucket(b -> b.bucket("source"));
        List<String> settings = new ArrayList<>(archive.settings(1, "archive"));
        settings.addAll(List.of("archive.1.prefix = fs1", "archive.1.part_size = 5M", "s3.restore_wait = 2s"));
        node = Node.start(NodeOptions.ephemeral(dir.resolve("data"))
                .withHsm(HsmSettings.parse(String.join("\n", settings))));
        mds = node.metadata();
        s3 = ArchiveServer.client(node, node.keys().root());
        s3.createBucket(b -> b.bucket("data"));
    }

    @AfterAll
    static void stop() {
        for (AutoCloseable c : new AutoCloseable[] {s3, node, archiveS3, archive}) {
            if (c != null) {
                try {
                    c.close();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }
        }
    }

    static byte[] put(String key, int size, long seed) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        s3.putObject(r -> r.bucket("data").key(key), RequestBody.fromBytes(b));
        return b;
    }

    static Fid archiveAndRelease(String key) {
        Fid f = mds.resolve(Caller.ROOT, Fid.ROOT, "data/" + key).fid();
        HsmRequest r = mds.hsmSubmit(Caller.ROOT, HsmAction.ARCHIVE, f, 0, 0);
        Poll.until(HsmTesting.WAIT, "the archive of " + key, () -> mds.hsmRequests(f).stream()
                .anyMatch(q -> q.id() == r.id() && q.state() == HsmRequest.State.SUCCEEDED));
        node.fileIo().release(Caller.ROOT, f);
        return f;
    }

    static void glacier(String mode) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(new String[] {"--admin", node.adminUri(), "hsm", "s3-glacier", "data", mode},
                new PrintWriter(out), new PrintWriter(err));
        assertThat(code).as(err.toString()).isZero();
    }

    @Test
    void aGetOfAReleasedObjectWaitsForItsRestoreAndReturnsTheSameBytes() {
        byte[] data = put("plain.bin", 300_000, 1);
        String etag = s3.headObject(r -> r.bucket("data").key("plain.bin")).eTag();
        archiveAndRelease("plain.bin");
        HeadObjectResponse head = s3.headObject(r -> r.bucket("data").key("plain.bin"));
        assertThat(head.contentLength()).isEqualTo(300_000);
        assertThat(head.eTag()).as("the ETag survives the release").isEqualTo(etag);
        assertThat(head.storageClass()).as("not in glacier mode").isNull();
        assertThat(getRetryingSlowDown("plain.bin")).isEqualTo(data);
    }

    @Test
    void nfsReadsAndWritesOfAReleasedFileAreDelayUntilItsRestoreIsDone() throws Exception {
        byte[] data = put("nfs.bin", 150_000, 5);
        Fid fid = archiveAndRelease("nfs.bin");
        try (NfsTestClient c = NfsTestClient.connect(new InetSocketAddress("127.0.0.1", node.nfsPort()))) {
            c.mount("hsm-nfs");
            NfsFs fs = new NfsFs(c, "owner");
            byte[] dir = fs.lookup(fs.root(), "data");
            NfsFs.Opened f = NfsFs.opened(fs.open(dir, "nfs.bin", Nfs4.OPEN4_SHARE_ACCESS_BOTH));
            assertThat(fs.size(f.fh())).as("a stub keeps its size").isEqualTo(data.length);
            assertThat(Nfs4Status.name(fs.onFh(f.fh(), new ReadArgs(f.stateid(), 0, 4096)).status()))
                    .isEqualTo("NFS4ERR_DELAY");
            assertThat(Nfs4Status.name(fs.onFh(f.fh(), new WriteArgs(f.stateid(), 7, Nfs4.FILE_SYNC4,
                    ByteBuffer.wrap(new byte[] {9}))).status())).isEqualTo("NFS4ERR_DELAY");
            Fattr4 size = new Fattr4(Bitmap.of(AttrNum.SIZE), XdrIo.toBytes(x -> x.xdrEncodeLong(data.length + 10L)));
            assertThat(Nfs4Status.name(fs.onFh(f.fh(), new SetattrArgs(f.stateid(), size)).status()))
                    .as("SETATTR of the size").isEqualTo("NFS4ERR_DELAY");
            Poll.until(HsmTesting.WAIT, "an NFS READ of nfs.bin answers", () -> {
                try {
                    int status = fs.onFh(f.fh(), new ReadArgs(f.stateid(), 0, 4096)).status();
                    assertThat(Nfs4Status.name(status)).isIn("NFS4_OK", "NFS4ERR_DELAY");
                    return status == Nfs4Status.NFS4_OK;
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            java.io.ByteArrayOutputStream got = new java.io.ByteArrayOutputStream();
            while (got.size() < data.length) {
                byte[] piece = NfsFs.data(fs.read(f.fh(), f.stateid(), got.size(), 65536));
                assertThat(piece).isNotEmpty();
                got.writeBytes(piece);
            }
            assertThat(got.toByteArray()).isEqualTo(data);
            fs.close(f);
            c.unmount();
        }
        assertThat(mds.hsmRequests(fid).stream().filter(q -> q.action() == HsmAction.RESTORE))
                .as("one restore however many NFS calls").hasSize(1);
    }

    /** A GET as a client does it: 503 SlowDown (the restore took longer than s3.restore_wait) is retried. */
    static byte[] getRetryingSlowDown(String key) {
        byte[][] got = new byte[1][];
        Poll.until(HsmTesting.WAIT, "a GET of " + key + " answers", () -> {
            try {
                got[0] = s3.getObjectAsBytes(r -> r.bucket("data").key(key)).asByteArray();
                return true;
            } catch (S3Exception e) {
                if (e.statusCode() == 503 && "SlowDown".equals(e.awsErrorDetails().errorCode())) {
                    return false;
                }
                throw e;
            }
        });
        return got[0];
    }

    @Test
    void aRestoreLongerThanTheWaitIsSlowDownWithRetryAfter() {
        // A stub of archive 2, which no copytool serves: its restore never comes.
        Fid bucket = mds.resolve(Caller.ROOT, Fid.ROOT, "data").fid();
        HsmImport.Result stub = mds.hsmImport(Caller.ROOT, bucket, "far-away", new HsmImport.Spec(2, "s3://elsewhere/x",
                "etag:\"0123456789abcdef0123456789abcdef\"", 10, 1_600_000_000_000_000_000L, 0, 0, 0644, false));
        assertThat(s3.headObject(r -> r.bucket("data").key("far-away")).eTag())
                .isEqualTo("\"0123456789abcdef0123456789abcdef\"");
        long t0 = System.nanoTime();
        assertThatThrownBy(() -> s3.getObjectAsBytes(r -> r.bucket("data").key("far-away")))
                .isInstanceOfSatisfying(S3Exception.class, e -> {
                    assertThat(e.statusCode()).isEqualTo(503);
                    assertThat(e.awsErrorDetails().errorCode()).isEqualTo("SlowDown");
                    assertThat(e.awsErrorDetails().sdkHttpResponse().firstMatchingHeader("Retry-After")).isPresent();
                });
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).as("it waited first (s3.restore_wait)")
                .isGreaterThanOrEqualTo(Duration.ofSeconds(2));
        assertThat(mds.hsmRequests(stub.attr().fid())).as("the restore was asked for once")
                .singleElement().extracting(HsmRequest::action).isEqualTo(HsmAction.RESTORE);
        mds.hsmSubmit(Caller.ROOT, HsmAction.CANCEL, stub.attr().fid(), 0, 0);
    }

    @Test
    void aGlacierBucketListsGlacierRefusesGetsAndRestoresOnRestoreObject() {
        byte[] data = put("cold.bin", 100_000, 2);
        put("hot.bin", 10, 3);
        Fid f = archiveAndRelease("cold.bin");
        glacier("on");
        try {
            assertThat(s3.listObjectsV2(r -> r.bucket("data").prefix("cold")).contents())
                    .singleElement().satisfies(o -> assertThat(o.storageClass()).isEqualTo(software.amazon.awssdk.services.s3
                            .model.ObjectStorageClass.GLACIER));
            assertThat(s3.listObjectsV2(r -> r.bucket("data").prefix("hot")).contents())
                    .singleElement().satisfies(o -> assertThat(o.storageClass()).isEqualTo(ObjectStorageClass.STANDARD));
            HeadObjectResponse head = s3.headObject(r -> r.bucket("data").key("cold.bin"));
            assertThat(head.storageClassAsString()).isEqualTo("GLACIER");
            assertThat(head.restore()).isNull();
            assertThatThrownBy(() -> s3.getObjectAsBytes(r -> r.bucket("data").key("cold.bin")))
                    .isInstanceOfSatisfying(S3Exception.class, e -> {
                        assertThat(e.statusCode()).isEqualTo(403);
                        assertThat(e.awsErrorDetails().errorCode()).isEqualTo("InvalidObjectState");
                    });
            assertThatThrownBy(() -> s3.restoreObject(r -> r.bucket("data").key("hot.bin")))
                    .isInstanceOfSatisfying(S3Exception.class, e -> assertThat(e.statusCode()).isEqualTo(403));

            assertThat(s3.restoreObject(r -> r.bucket("data").key("cold.bin").restoreRequest(q -> q.days(1)))
                    .sdkHttpResponse().statusCode()).isEqualTo(202);
            Poll.until(HsmTesting.WAIT, "x-amz-restore says the restore is done", () -> {
                String restore = s3.headObject(r -> r.bucket("data").key("cold.bin")).restore();
                assertThat(restore).as("x-amz-restore while restoring or after").isNotNull();
                return restore.startsWith("ongoing-request=\"false\"");
            });
            assertThat(s3.headObject(r -> r.bucket("data").key("cold.bin")).restore())
                    .as("the expiry the request's Days asked for, at a midnight UTC")
                    .matches("ongoing-request=\"false\", expiry-date=\"\\w{3}, \\d{2} \\w{3} \\d{4} 00:00:00 GMT\"");
            assertThat(s3.getObjectAsBytes(r -> r.bucket("data").key("cold.bin")).asByteArray()).isEqualTo(data);
            assertThat(s3.restoreObject(r -> r.bucket("data").key("cold.bin")).sdkHttpResponse().statusCode())
                    .as("already restored").isEqualTo(200);
            Attr a = mds.getattr(f);
            assertThat(a.hsm().describe()).isEqualTo("(0x00000009) exists archived, archive_id:1");
        } finally {
            glacier("off");
        }
    }

    @Test
    void aGlacierRestoreUnderWayShowsInXAmzRestoreAndASecondRestoreObjectIsRestoreAlreadyInProgress() {
        // A stub of archive 2, which no copytool serves: its restore stays queued.
        Fid bucket = mds.resolve(Caller.ROOT, Fid.ROOT, "data").fid();
        HsmImport.Result stub = mds.hsmImport(Caller.ROOT, bucket, "frozen", new HsmImport.Spec(2, "s3://elsewhere/y",
                "etag:\"00112233445566778899aabbccddeeff\"", 10, 1_600_000_000_000_000_000L, 0, 0, 0644, false));
        glacier("on");
        try {
            assertThat(s3.headObject(r -> r.bucket("data").key("frozen")).restore()).as("no restore asked for").isNull();
            assertThat(s3.restoreObject(r -> r.bucket("data").key("frozen")).sdkHttpResponse().statusCode())
                    .isEqualTo(202);
            HeadObjectResponse head = s3.headObject(r -> r.bucket("data").key("frozen"));
            assertThat(head.restore()).isEqualTo("ongoing-request=\"true\"");
            assertThat(head.storageClass()).isEqualTo(software.amazon.awssdk.services.s3.model.StorageClass.GLACIER);
            assertThatThrownBy(() -> s3.restoreObject(r -> r.bucket("data").key("frozen")))
                    .isInstanceOfSatisfying(S3Exception.class, e -> {
                        assertThat(e.statusCode()).isEqualTo(409);
                        assertThat(e.awsErrorDetails().errorCode()).isEqualTo("RestoreAlreadyInProgress");
                    });
            assertThatThrownBy(() -> s3.getObjectAsBytes(r -> r.bucket("data").key("frozen")))
                    .as("still in the archive").isInstanceOfSatisfying(S3Exception.class,
                            e -> assertThat(e.awsErrorDetails().errorCode()).isEqualTo("InvalidObjectState"));
            assertThatThrownBy(() -> s3.restoreObject(r -> r.bucket("data").key("frozen").restoreRequest(q -> q.days(0))))
                    .as("bad Days").isInstanceOfSatisfying(S3Exception.class,
                            e -> assertThat(e.awsErrorDetails().errorCode()).isEqualTo("MalformedXML"));
            assertThatThrownBy(() -> s3.restoreObject(r -> r.bucket("data").key("no-such-key")))
                    .isInstanceOfSatisfying(S3Exception.class,
                            e -> assertThat(e.awsErrorDetails().errorCode()).isEqualTo("NoSuchKey"));
            assertThat(mds.hsmRequests(stub.attr().fid())).as("one restore queued")
                    .singleElement().extracting(HsmRequest::action).isEqualTo(HsmAction.RESTORE);
        } finally {
            mds.hsmSubmit(Caller.ROOT, HsmAction.CANCEL, stub.attr().fid(), 0, 0);
            glacier("off");
        }
    }

    @Test
    void filesArchivedToAnotherNacreComeBackByteForByteAndItsObjectsArePlainObjects() {
        byte[] large = put("large.bin", 12 << 20, 4); // three parts of 5 MiB at most
        Fid l = archiveAndRelease("large.bin");
        assertThat(HsmTesting.readAll(node.fileIo(), l)).as("read through the engine, as NFS does").isEqualTo(large);
        assertThat(mds.getattr(l).hsm().describe()).isEqualTo("(0x00000009) exists archived, archive_id:1");

        // What someone without the first instance sees: the file's bytes at <prefix>/<path>, its Fid and owner.
        ResponseBytes<GetObjectResponse> obj = archiveS3.getObjectAsBytes(r -> r.bucket("archive")
                .key("fs1/data/large.bin"));
        assertThat(obj.asByteArray()).isEqualTo(large);
        assertThat(obj.response().metadata()).containsEntry("nacre-fid", l.toString()).containsEntry("uid", "0");
        assertThat(obj.response().eTag()).as("a multipart upload's ETag").endsWith("-3\"");
    }

    @Test
    void aPrefixOfAnotherNacreImportsAsStubsReadLazily() {
        for (int i = 0; i < 30; i++) {
            String body = "object " + i;
            String k = "in/d" + (i % 3) + "/o" + i;
            archiveS3.putObject(r -> r.bucket("source").key(k), RequestBody.fromString(body));
        }
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(new String[] {"--admin", node.adminUri(), "hsm", "import", "s3://source/in", "/data/imported"},
                new PrintWriter(out, true), new PrintWriter(err, true));
        assertThat(code).as(err.toString()).isZero();
        assertThat(out.toString()).contains("30 created");
        Attr stub = mds.resolve(Caller.ROOT, Fid.ROOT, "data/imported/d1/o7");
        assertThat(stub.hsm().has(HsmState.RELEASED)).as("no data copied yet").isTrue();
        assertThat(stub.size()).isEqualTo("object 7".length());
        assertThat(getRetryingSlowDown("imported/d1/o7")).as("read over S3: restored on access")
                .isEqualTo("object 7".getBytes(StandardCharsets.UTF_8));
        assertThat(mds.resolve(Caller.ROOT, Fid.ROOT, "data/imported/d2/o8").hsm().has(HsmState.RELEASED))
                .as("only what was read came back").isTrue();
    }
}
