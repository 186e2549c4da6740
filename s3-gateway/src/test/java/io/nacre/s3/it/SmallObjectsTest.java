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
import io.nacre.engine.layout.ObjectRef;
import io.nacre.engine.meta.Attr;
import io.nacre.engine.meta.MetadataService;
import io.nacre.engine.meta.PendingDestroy;
import io.nacre.engine.store.Durability;
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
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;

/**
 * Small objects keep their bytes on the MDT (data-on-MDT): a PUT is one metadata change, a GET one
 * metadata read, and the object is a file like any other to the engine (as NFS sees it): readable at
 * once, appendable beyond the DoM component, truncatable, its ETag following its data.
 */
class SmallObjectsTest {

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
        s3.createBucket(b -> b.bucket("small"));
        bucket = mds.lookup(Caller.ROOT, Fid.ROOT, "small").fid();
    }

    @AfterAll
    static void stop() {
        s3.close();
        nacre.close();
    }

    static String etag(byte[] b) throws Exception {
        return "\"" + HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(b)) + "\"";
    }

    static byte[] readThroughEngine(Fid fid) {
        Attr a = io.getattr(fid);
        ByteBuffer buf = ByteBuffer.allocate((int) a.size());
        while (buf.hasRemaining()) {
            if (io.read(fid, buf.position(), buf) <= 0) {
                break;
            }
        }
        return buf.array();
    }

    static ResponseBytes<GetObjectResponse> get(String key) {
        return s3.getObjectAsBytes(b -> b.bucket("small").key(key));
    }

    @Test
    void aSmallPutKeepsItsBytesOnTheMdtAndIsAFileReadableAtOnce() throws Exception {
        byte[] data = random(4096, 1);
        String sent = s3.putObject(b -> b.bucket("small").key("a/b/four.bin").contentType("text/x-four")
                .metadata(Map.of("k", "v")), RequestBody.fromBytes(data)).eTag();
        assertThat(sent).isEqualTo(etag(data));
        Attr f = mds.resolve(Caller.ROOT, bucket, "a/b/four.bin");
        Layout layout = mds.layout(f.fid());
        assertThat(layout.components().get(0).isDataOnMdt()).isTrue();
        assertThat(layout.objects()).as("no OST object was made").isEmpty();
        assertThat(mds.domRead(f.fid(), 0, 4096)).isEqualTo(data);
        assertThat(readThroughEngine(f.fid())).isEqualTo(data);
        ResponseBytes<GetObjectResponse> got = get("a/b/four.bin");
        assertThat(got.asByteArray()).isEqualTo(data);
        assertThat(got.response().eTag()).isEqualTo(sent);
        assertThat(got.response().contentType()).isEqualTo("text/x-four");
        assertThat(got.response().metadata()).containsEntry("k", "v");
        assertThat(s3.getObjectAsBytes(b -> b.bucket("small").key("a/b/four.bin").range("bytes=10-19")).asByteArray())
                .isEqualTo(Arrays.copyOfRange(data, 10, 20));
        assertThat(s3.headObject(b -> b.bucket("small").key("a/b/four.bin")).contentLength()).isEqualTo(4096);
        // The directories the key needed are implicit: they go with their last key.
        s3.deleteObject(b -> b.bucket("small").key("a/b/four.bin"));
        assertThatThrownBy(() -> mds.lookup(Caller.ROOT, bucket, "a")).isInstanceOf(NacreException.class);
    }

    @Test
    void anEngineAppendOverwriteAndTruncateShowOverS3WithTheirEtag() throws Exception {
        byte[] data = random(4096, 2);
        s3.putObject(b -> b.bucket("small").key("grow.bin"), RequestBody.fromBytes(data));
        Fid fid = mds.resolve(Caller.ROOT, bucket, "grow.bin").fid();

        // Append within the DoM component, as an NFS WRITE at EOF does.
        byte[] tail = random(1000, 3);
        io.write(fid, 4096, ByteBuffer.wrap(tail), Durability.STABLE);
        byte[] grown = concat(data, tail);
        assertThat(get("grow.bin").asByteArray()).isEqualTo(grown);
        assertThat(get("grow.bin").response().eTag()).isEqualTo(etag(grown));

        // Past the DoM component: the striped component after it gets its objects.
        byte[] big = random(200_000, 4);
        io.write(fid, grown.length, ByteBuffer.wrap(big), Durability.STABLE);
        byte[] all = concat(grown, big);
        assertThat(mds.layout(fid).objects()).isNotEmpty();
        assertThat(readThroughEngine(fid)).isEqualTo(all);
        assertThat(get("grow.bin").asByteArray()).isEqualTo(all);
        assertThat(get("grow.bin").response().eTag()).isEqualTo(etag(all));

        // Overwrite inside the DoM bytes, then truncate back into them.
        io.write(fid, 0, ByteBuffer.wrap(new byte[] {1, 2, 3}), Durability.STABLE);
        all[0] = 1;
        all[1] = 2;
        all[2] = 3;
        assertThat(get("grow.bin").response().eTag()).isEqualTo(etag(all));
        io.truncate(Caller.ROOT, fid, 100);
        byte[] cut = Arrays.copyOf(all, 100);
        ResponseBytes<GetObjectResponse> after = get("grow.bin");
        assertThat(after.asByteArray()).isEqualTo(cut);
        assertThat(after.response().eTag()).isEqualTo(etag(cut));
    }

    @Test
    void aSmallPutReplacesALargeObjectAndItsObjectsAreDestroyed() throws Exception {
        byte[] large = random(3 << 20, 5);
        s3.putObject(b -> b.bucket("small").key("swap.bin"), RequestBody.fromBytes(large));
        Fid old = mds.resolve(Caller.ROOT, bucket, "swap.bin").fid();
        List<ObjectRef> objects = mds.layout(old).objects();
        assertThat(objects).isNotEmpty();
        byte[] small = random(100, 6);
        s3.putObject(b -> b.bucket("small").key("swap.bin"), RequestBody.fromBytes(small));
        assertThat(get("swap.bin").asByteArray()).isEqualTo(small);
        assertThatThrownBy(() -> mds.getattr(old)).isInstanceOf(NacreException.class);
        // The destroyer drains the queue: none of the old file's objects stays queued for long.
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (mds.pendingDestroys(100_000).stream().map(PendingDestroy::object).anyMatch(objects::contains)) {
            assertThat(System.nanoTime()).as("the old objects are destroyed").isLessThan(deadline);
            LockSupport.parkNanos(20_000_000L);
        }
        // And back: a large PUT replaces the small object.
        s3.putObject(b -> b.bucket("small").key("swap.bin"), RequestBody.fromBytes(large));
        assertThat(get("swap.bin").asByteArray()).isEqualTo(large);
    }

    @Test
    void conditionalSmallPutsAndConflictsAnswerAsS3() throws Exception {
        assertThat(code(() -> s3.putObject(b -> b.bucket("small").key("cond").ifMatch("\"abc\""),
                RequestBody.fromString("x")))).isEqualTo("404 NoSuchKey");
        s3.putObject(b -> b.bucket("small").key("cond").ifNoneMatch("*"), RequestBody.fromString("first"));
        assertThat(code(() -> s3.putObject(b -> b.bucket("small").key("cond").ifNoneMatch("*"),
                RequestBody.fromString("second")))).isEqualTo("412 PreconditionFailed");
        assertThat(code(() -> s3.putObject(b -> b.bucket("small").key("cond").ifMatch("\"0123\""),
                RequestBody.fromString("third")))).isEqualTo("412 PreconditionFailed");
        String tag = etag("first".getBytes());
        s3.putObject(b -> b.bucket("small").key("cond").ifMatch(tag), RequestBody.fromString("fourth"));
        assertThat(get("cond").asUtf8String()).isEqualTo("fourth");
        assertThat(code(() -> s3.putObject(b -> b.bucket("small").key("cond").ifMatch(tag),
                RequestBody.fromString("fifth")))).isEqualTo("412 PreconditionFailed");

        s3.putObject(b -> b.bucket("small").key("d/x"), RequestBody.fromString("x"));
        assertThat(code(() -> s3.putObject(b -> b.bucket("small").key("d"), RequestBody.fromString("y"))))
                .isEqualTo("409 ObjectExistsAsDirectory");
        assertThat(code(() -> s3.putObject(b -> b.bucket("small").key("d/x/y"), RequestBody.fromString("y"))))
                .isEqualTo("409 ParentIsObject");
        assertThat(get("d/x").asUtf8String()).isEqualTo("x");
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

    static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
