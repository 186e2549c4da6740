package io.nacre.s3.it;

import static io.nacre.s3.it.NacreS3.random;
import static org.assertj.core.api.Assertions.assertThat;

import io.nacre.engine.Caller;
import io.nacre.engine.Fid;
import io.nacre.engine.io.FileIo;
import io.nacre.engine.meta.Attr;
import io.nacre.engine.meta.CreateSpec;
import io.nacre.engine.meta.MetadataService;
import io.nacre.engine.store.Durability;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * One namespace, two ways in: what S3 stores is read through the engine (FileIo, as NFS reads it),
 * and what is written through the engine is an object over S3 at once, its ETag the MD5 of its bytes.
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
}
