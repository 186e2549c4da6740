package io.nacre.s3.it;

import static io.nacre.s3.it.NacreS3.code;
import static io.nacre.s3.it.NacreS3.random;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nacre.engine.Caller;
import io.nacre.engine.Fid;
import io.nacre.engine.NacreException;
import io.nacre.engine.io.FileIo;
import io.nacre.engine.layout.Layout;
import io.nacre.engine.layout.LayoutTemplate;
import io.nacre.engine.layout.ObjectRef;
import io.nacre.engine.meta.Attr;
import io.nacre.engine.meta.CreateSpec;
import io.nacre.engine.meta.MetadataService;
import io.nacre.engine.meta.PendingDestroy;
import io.nacre.engine.store.Durability;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.ResponseBytes;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.core.sync.ResponseTransformer;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;

/**
 * One namespace, two ways in: what S3 stores is read through the engine (FileIo, as NFS reads it),
 * and what is written through the engine is an object over S3 at once, its ETag the MD5 of its bytes.
 * Small objects keep their bytes on the MDT (data-on-MDT): a PUT is one metadata change, a GET one
 * metadata read, and the object is a file like any other to the engine: readable at once, appendable
 * beyond the DoM component, truncatable, its ETag following its data.
 */
class CrossProtocolTest {

    @TempDir
    static Path dir;
    static NacreS3 nacre;
    static S3Client s3;
    static MetadataService mds;
    static FileIo io;
    static Fid bucket;

    @BeforeAll
    static void start() {
        nacre = NacreS3.start(dir);
        s3 = nacre.client();
        mds = nacre.core.metadata();
        io = nacre.io;
        s3.createBucket(b -> b.bucket("cross"));
        bucket = mds.lookup(Caller.ROOT, Fid.ROOT, "cross").fid();
    }

    @AfterAll
    static void stop() {
        s3.close();
        nacre.close();
    }

    static String md5(byte[] b) throws Exception {
        return "\"" + HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(b)) + "\"";
    }

    static byte[] readAll(Fid fid) {
        Attr a = io.getattr(fid);
        ByteBuffer buf = ByteBuffer.allocate((int) a.size());
        while (buf.hasRemaining()) {
            if (io.read(fid, buf.position(), buf) == 0) {
                break;
            }
        }
        return buf.array();
    }

    @Test
    void anObjectPutOverS3IsAFileReadThroughTheEngine() throws Exception {
        byte[] data = random(3 * 1024 * 1024 + 5, 1);
        s3.putObject(b -> b.bucket("cross").key("from-s3/data.bin"), RequestBody.fromBytes(data));
        Attr f = mds.resolve(Caller.ROOT, bucket, "from-s3/data.bin");
        assertThat(f.isRegular()).isTrue();
        assertThat(f.size()).isEqualTo(data.length);
        assertThat(readAll(f.fid())).isEqualTo(data);
    }

    @Test
    void aFileWrittenThroughTheEngineIsAnObjectWithTheMd5OfItsBytesAsEtag() throws Exception {
        Fid d = mds.create(Caller.ROOT, bucket, "from-nfs", CreateSpec.directory(0755)).attr().fid();
        Fid f = mds.create(Caller.ROOT, d, "written.bin", CreateSpec.file(0644)).attr().fid();
        byte[] data = random(2 * 1024 * 1024 + 123, 2);
        io.write(f, 0, ByteBuffer.wrap(data), Durability.STABLE);
        var got = s3.getObjectAsBytes(b -> b.bucket("cross").key("from-nfs/written.bin"));
        assertThat(got.asByteArray()).isEqualTo(data);
        assertThat(got.response().eTag()).isEqualTo(md5(data));
        // The directory made over NFS is itself a key ("from-nfs/", as a folder object), then the file.
        assertThat(s3.listObjectsV2(b -> b.bucket("cross").prefix("from-nfs/")).contents())
                .extracting(o -> o.key() + " " + o.eTag() + " " + o.size())
                .containsExactly("from-nfs/ \"d41d8cd98f00b204e9800998ecf8427e\" 0",
                        "from-nfs/written.bin " + md5(data) + " " + data.length);

        // Changed through the engine: the ETag follows the data, not a stale cache.
        byte[] patch = random(1000, 3);
        io.write(f, 4096, ByteBuffer.wrap(patch), Durability.STABLE);
        System.arraycopy(patch, 0, data, 4096, patch.length);
        assertThat(s3.headObject(b -> b.bucket("cross").key("from-nfs/written.bin")).eTag()).isEqualTo(md5(data));
        io.truncate(Caller.ROOT, f, 10);
        assertThat(s3.getObjectAsBytes(b -> b.bucket("cross").key("from-nfs/written.bin")).asByteArray())
                .isEqualTo(java.util.Arrays.copyOf(data, 10));
        assertThat(s3.headObject(b -> b.bucket("cross").key("from-nfs/written.bin")).eTag())
                .isEqualTo(md5(java.util.Arrays.copyOf(data, 10)));
    }

    @Test
    void anObjectChangedThroughTheEngineAfterAnS3PutGetsANewEtag() throws Exception {
        byte[] data = "written over s3".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        s3.putObject(b -> b.bucket("cross").key("both.txt"), RequestBody.fromBytes(data));
        Fid f = mds.resolve(Caller.ROOT, bucket, "both.txt").fid();
        byte[] more = " and appended over nfs".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        io.write(f, data.length, ByteBuffer.wrap(more), Durability.STABLE);
        byte[] all = new byte[data.length + more.length];
        System.arraycopy(data, 0, all, 0, data.length);
        System.arraycopy(more, 0, all, data.length, more.length);
        var got = s3.getObjectAsBytes(b -> b.bucket("cross").key("both.txt"));
        assertThat(got.asByteArray()).isEqualTo(all);
        assertThat(got.response().eTag()).isEqualTo(md5(all));
    }

    @Test
    void aLargeObjectIsStripedOverEveryOstUnlessItsDirectorySaysOtherwise() {
        byte[] data = random(64 << 20, 12);
        s3.putObject(b -> b.bucket("cross").key("wide.bin"), RequestBody.fromBytes(data));
        Fid wide = mds.resolve(Caller.ROOT, bucket, "wide.bin").fid();
        assertThat(mds.layout(wide).components().get(0).raid0().stripeCount()).isEqualTo(mds.osts().size());
        assertThat(readAll(wide)).isEqualTo(data);
        Fid set = mds.create(Caller.ROOT, bucket, "striped-by-hand", CreateSpec.directory(0755)).attr().fid();
        mds.setDefaultLayout(Caller.ROOT, set, LayoutTemplate.of(1, 1 << 20, ""));
        s3.putObject(b -> b.bucket("cross").key("striped-by-hand/one.bin"), RequestBody.fromBytes(data));
        Fid one = mds.resolve(Caller.ROOT, bucket, "striped-by-hand/one.bin").fid();
        assertThat(mds.layout(one).components().get(0).raid0().stripeCount()).isEqualTo(1);
    }

    static ResponseBytes<GetObjectResponse> get(String key) {
        return s3.getObjectAsBytes(b -> b.bucket("cross").key(key));
    }

    @Test
    void aSmallPutKeepsItsBytesOnTheMdtAndIsAFileReadableAtOnce() throws Exception {
        byte[] data = random(4096, 1);
        String sent = s3.putObject(b -> b.bucket("cross").key("small/a/b/four.bin").contentType("text/x-four")
                .metadata(Map.of("k", "v")), RequestBody.fromBytes(data)).eTag();
        assertThat(sent).isEqualTo(md5(data));
        Attr f = mds.resolve(Caller.ROOT, bucket, "small/a/b/four.bin");
        Layout layout = mds.layout(f.fid());
        assertThat(layout.components().get(0).isDataOnMdt()).isTrue();
        assertThat(layout.objects()).as("no OST object was made").isEmpty();
        assertThat(mds.domRead(f.fid(), 0, 4096)).isEqualTo(data);
        assertThat(readAll(f.fid())).isEqualTo(data);
        ResponseBytes<GetObjectResponse> got = get("small/a/b/four.bin");
        assertThat(got.asByteArray()).isEqualTo(data);
        assertThat(got.response().eTag()).isEqualTo(sent);
        assertThat(got.response().contentType()).isEqualTo("text/x-four");
        assertThat(got.response().metadata()).containsEntry("k", "v");
        assertThat(s3.getObjectAsBytes(b -> b.bucket("cross").key("small/a/b/four.bin").range("bytes=10-19")).asByteArray())
                .isEqualTo(Arrays.copyOfRange(data, 10, 20));
        assertThat(s3.headObject(b -> b.bucket("cross").key("small/a/b/four.bin")).contentLength()).isEqualTo(4096);
        // The directories the key needed are implicit: they go with their last key.
        s3.deleteObject(b -> b.bucket("cross").key("small/a/b/four.bin"));
        assertThatThrownBy(() -> mds.resolve(Caller.ROOT, bucket, "small/a")).isInstanceOf(NacreException.class);
    }

    @Test
    void anUncommittedEngineAppendToASmallObjectShowsOverS3AtOnce() throws Exception {
        byte[] data = random(4096, 5);
        s3.putObject(b -> b.bucket("cross").key("small/unstable.bin"), RequestBody.fromBytes(data));
        Fid fid = mds.resolve(Caller.ROOT, bucket, "small/unstable.bin").fid();
        // An NFS WRITE without COMMIT: the size is not recorded at the MDS yet, the GET must see it anyway.
        byte[] tail = random(500, 6);
        io.write(fid, 4096, ByteBuffer.wrap(tail), Durability.UNSTABLE);
        byte[] grown = concat(data, tail);
        ResponseBytes<GetObjectResponse> got = get("small/unstable.bin");
        assertThat(got.asByteArray()).isEqualTo(grown);
        assertThat(got.response().eTag()).isEqualTo(md5(grown));
    }

    @Test
    void anEngineAppendOverwriteAndTruncateShowOverS3WithTheirEtag() throws Exception {
        byte[] data = random(4096, 2);
        s3.putObject(b -> b.bucket("cross").key("small/grow.bin"), RequestBody.fromBytes(data));
        Fid fid = mds.resolve(Caller.ROOT, bucket, "small/grow.bin").fid();

        // Append within the DoM component, as an NFS WRITE at EOF does.
        byte[] tail = random(1000, 3);
        io.write(fid, 4096, ByteBuffer.wrap(tail), Durability.STABLE);
        byte[] grown = concat(data, tail);
        assertThat(get("small/grow.bin").asByteArray()).isEqualTo(grown);
        assertThat(get("small/grow.bin").response().eTag()).isEqualTo(md5(grown));

        // Past the DoM component: the striped component after it gets its objects.
        byte[] big = random(200_000, 4);
        io.write(fid, grown.length, ByteBuffer.wrap(big), Durability.STABLE);
        byte[] all = concat(grown, big);
        assertThat(mds.layout(fid).objects()).isNotEmpty();
        assertThat(readAll(fid)).isEqualTo(all);
        assertThat(get("small/grow.bin").asByteArray()).isEqualTo(all);
        assertThat(get("small/grow.bin").response().eTag()).isEqualTo(md5(all));

        // Overwrite inside the DoM bytes, then truncate back into them.
        io.write(fid, 0, ByteBuffer.wrap(new byte[] {1, 2, 3}), Durability.STABLE);
        all[0] = 1;
        all[1] = 2;
        all[2] = 3;
        assertThat(get("small/grow.bin").response().eTag()).isEqualTo(md5(all));
        io.truncate(Caller.ROOT, fid, 100);
        byte[] cut = Arrays.copyOf(all, 100);
        ResponseBytes<GetObjectResponse> after = get("small/grow.bin");
        assertThat(after.asByteArray()).isEqualTo(cut);
        assertThat(after.response().eTag()).isEqualTo(md5(cut));
    }

    @Test
    void aSmallPutReplacesALargeObjectAndItsObjectsAreDestroyed() throws Exception {
        byte[] large = random(3 << 20, 5);
        s3.putObject(b -> b.bucket("cross").key("small/swap.bin"), RequestBody.fromBytes(large));
        Fid old = mds.resolve(Caller.ROOT, bucket, "small/swap.bin").fid();
        List<ObjectRef> objects = mds.layout(old).objects();
        assertThat(objects).isNotEmpty();
        byte[] small = random(100, 6);
        s3.putObject(b -> b.bucket("cross").key("small/swap.bin"), RequestBody.fromBytes(small));
        assertThat(get("small/swap.bin").asByteArray()).isEqualTo(small);
        assertThatThrownBy(() -> mds.getattr(old)).isInstanceOf(NacreException.class);
        // The destroyer drains the queue: none of the old file's objects stays queued for long.
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (mds.pendingDestroys(100_000).stream().map(PendingDestroy::object).anyMatch(objects::contains)) {
            assertThat(System.nanoTime()).as("the old objects are destroyed").isLessThan(deadline);
            LockSupport.parkNanos(20_000_000L);
        }
        // And back: a large PUT replaces the small object.
        s3.putObject(b -> b.bucket("cross").key("small/swap.bin"), RequestBody.fromBytes(large));
        assertThat(get("small/swap.bin").asByteArray()).isEqualTo(large);
    }

    @Test
    void conditionalSmallPutsAndConflictsAnswerAsS3() throws Exception {
        assertThat(code(() -> s3.putObject(b -> b.bucket("cross").key("small/cond").ifMatch("\"abc\""),
                RequestBody.fromString("x")))).isEqualTo("404 NoSuchKey");
        s3.putObject(b -> b.bucket("cross").key("small/cond").ifNoneMatch("*"), RequestBody.fromString("first"));
        assertThat(code(() -> s3.putObject(b -> b.bucket("cross").key("small/cond").ifNoneMatch("*"),
                RequestBody.fromString("second")))).isEqualTo("412 PreconditionFailed");
        assertThat(code(() -> s3.putObject(b -> b.bucket("cross").key("small/cond").ifMatch("\"0123\""),
                RequestBody.fromString("third")))).isEqualTo("412 PreconditionFailed");
        String tag = md5("first".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        s3.putObject(b -> b.bucket("cross").key("small/cond").ifMatch(tag), RequestBody.fromString("fourth"));
        assertThat(get("small/cond").asUtf8String()).isEqualTo("fourth");
        assertThat(code(() -> s3.putObject(b -> b.bucket("cross").key("small/cond").ifMatch(tag),
                RequestBody.fromString("fifth")))).isEqualTo("412 PreconditionFailed");

        s3.putObject(b -> b.bucket("cross").key("small/d/x"), RequestBody.fromString("x"));
        assertThat(code(() -> s3.putObject(b -> b.bucket("cross").key("small/d"), RequestBody.fromString("y"))))
                .isEqualTo("409 ObjectExistsAsDirectory");
        assertThat(code(() -> s3.putObject(b -> b.bucket("cross").key("small/d/x/y"), RequestBody.fromString("y"))))
                .isEqualTo("409 ParentIsObject");
        assertThat(get("small/d/x").asUtf8String()).isEqualTo("x");
        assertThat(code(() -> s3.putObject(b -> b.bucket("nope").key("k"), RequestBody.fromString("y"))))
                .isEqualTo("404 NoSuchBucket");
    }

    @Test
    void aBucketDeletedAndMadeAgainTakesNewSmallObjects() {
        s3.createBucket(b -> b.bucket("again"));
        s3.putObject(b -> b.bucket("again").key("k"), RequestBody.fromString("one"));
        s3.deleteObject(b -> b.bucket("again").key("k"));
        s3.deleteBucket(b -> b.bucket("again"));
        s3.createBucket(b -> b.bucket("again"));
        s3.putObject(b -> b.bucket("again").key("k"), RequestBody.fromString("two"));
        assertThat(s3.getObjectAsBytes(b -> b.bucket("again").key("k")).asUtf8String()).isEqualTo("two");
    }

    @Test
    void aGetOfAnObjectChangedWhileItIsSentIsCutShortNotCompletedWithMixedBytes() throws Exception {
        // Large enough that the server cannot have read its last chunk before the client reads past the first MiB.
        byte[] data = random(64 * 1024 * 1024, 7);
        s3.putObject(b -> b.bucket("cross").key("changing.bin"), RequestBody.fromBytes(data));
        Fid fid = mds.resolve(Caller.ROOT, bucket, "changing.bin").fid();
        byte[] tail = random(1024 * 1024, 8);
        try (ResponseInputStream<GetObjectResponse> in = s3.getObject(b -> b.bucket("cross").key("changing.bin"),
                ResponseTransformer.toInputStream())) {
            assertThat(in.readNBytes(1024 * 1024)).isEqualTo(Arrays.copyOf(data, 1024 * 1024));
            // Over NFS, say: the object's last MiB is rewritten while the GET is under way.
            io.write(fid, data.length - tail.length, ByteBuffer.wrap(tail), Durability.STABLE);
            assertThatThrownBy(in::readAllBytes).isInstanceOfAny(IOException.class, SdkException.class);
        }
        byte[] now = Arrays.copyOf(data, data.length);
        System.arraycopy(tail, 0, now, data.length - tail.length, tail.length);
        ResponseBytes<GetObjectResponse> again = s3.getObjectAsBytes(b -> b.bucket("cross").key("changing.bin"));
        assertThat(again.asByteArray()).isEqualTo(now);
        assertThat(again.response().eTag()).isEqualTo(md5(now));
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
