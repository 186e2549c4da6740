package io.nacre.appliance.hsm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nacre.engine.Fid;
import io.nacre.engine.NacreException;
import io.nacre.engine.Status;
import io.nacre.engine.hsm.ArchiveCopy;
import io.nacre.engine.hsm.Copytool;
import io.nacre.engine.hsm.HsmAction;
import io.nacre.engine.meta.Attr;
import io.nacre.engine.meta.FileType;
import io.nacre.engine.meta.HsmState;
import io.nacre.s3.copytool.S3ArchiveConfig;
import io.nacre.s3.copytool.S3Copytool;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.nio.channels.Channels;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.ResponseBytes;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;

/** The S3 copytool against s3proxy: archive objects anyone can read, verified restores, careful removal. */
class S3CopytoolTest {

    static final String BUCKET = "archive";
    static final long MTIME = 1_700_000_000_123_456_789L;

    @TempDir
    static Path dir;
    static S3ProxyProcess s3proxy;
    static S3Copytool copytool;
    static S3Client plain;
    static int files;

    @BeforeAll
    static void start() throws Exception {
        s3proxy = S3ProxyProcess.start(dir);
        s3proxy.createBucket(BUCKET);
        copytool = new S3Copytool(config().build());
        plain = s3proxy.client();
    }

    static S3ArchiveConfig.Builder config() {
        return S3ArchiveConfig.builder(1, BUCKET).endpoint(URI.create(s3proxy.endpoint())).prefix("fs1/")
                .credentials(S3ProxyProcess.ACCESS_KEY, S3ProxyProcess.SECRET_KEY).partSize(S3ArchiveConfig.MIN_PART);
    }

    @AfterAll
    static void stop() {
        if (plain != null) {
            plain.close();
        }
        if (copytool != null) {
            copytool.close();
        }
        if (s3proxy != null) {
            s3proxy.close();
        }
    }

    static Fid newFid() {
        return new Fid(Fid.FIRST_NORMAL_SEQ, ++files, 0);
    }

    static Attr attr(Fid fid, long size) {
        return new Attr(fid, FileType.REGULAR, 0640, 1, 1001, 1002, size, size, 0, 0, MTIME - 5, MTIME, MTIME + 5, MTIME, 1, 7,
                HsmState.NONE);
    }

    static byte[] bytes(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    static Copytool.Archived archive(Fid fid, String path, byte[] data) {
        return copytool.archive(new Copytool.Job(1, HsmAction.ARCHIVE, fid, 1, path, attr(fid, data.length), null),
                Channels.newChannel(new java.io.ByteArrayInputStream(data)), b -> { });
    }

    static byte[] restore(Fid fid, Copytool.Archived a) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ArchiveCopy copy = new ArchiveCopy(1, a.handle(), a.checksum(), a.size(), 7, 0, null, 0);
        copytool.restore(new Copytool.Job(2, HsmAction.RESTORE, fid, 1, null, null, copy), Channels.newChannel(out), b -> { });
        return out.toByteArray();
    }

    static String sha256(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

    @Test
    void aSmallFileIsOneObjectThatAnyoneCanReadWithItsOwnerModeAndTimes() throws Exception {
        Fid fid = newFid();
        byte[] data = bytes(100_000, 1);
        Copytool.Archived a = archive(fid, "/projects/alpha/result data.bin", data);
        assertThat(a.handle()).isEqualTo("s3://archive/fs1/projects/alpha/result data.bin");
        assertThat(a.checksum()).isEqualTo("sha256:" + sha256(data));
        assertThat(a.size()).isEqualTo(100_000);
        ResponseBytes<GetObjectResponse> obj = plain.getObjectAsBytes(r -> r.bucket(BUCKET)
                .key("fs1/projects/alpha/result data.bin"));
        assertThat(obj.asByteArray()).isEqualTo(data);
        Map<String, String> meta = obj.response().metadata();
        assertThat(meta).containsEntry("nacre-fid", fid.toString()).containsEntry("uid", "1001")
                .containsEntry("gid", "1002").containsEntry("mode", Integer.toString(0100640))
                .containsEntry("mtime", "1700000000").containsEntry("nacre-mtime-ns", Long.toString(MTIME))
                .containsEntry("nacre-sha256", sha256(data)).containsEntry("nacre-path", "/projects/alpha/result%20data.bin");
        assertThat(restore(fid, a)).isEqualTo(data);
    }

    @Test
    void aLargeFileIsAMultipartUploadWhoseETagAnyoneCanCheck() throws Exception {
        Fid fid = newFid();
        byte[] data = bytes(12 * 1024 * 1024 + 17, 2);
        List<Long> progress = new ArrayList<>();
        Copytool.Archived a = copytool.archive(new Copytool.Job(1, HsmAction.ARCHIVE, fid, 1, "/big", attr(fid, data.length),
                null), Channels.newChannel(new java.io.ByteArrayInputStream(data)), progress::add);
        assertThat(a.size()).isEqualTo(data.length);
        assertThat(progress).isSorted().last().isEqualTo((long) data.length);
        HeadObjectResponse h = plain.headObject(r -> r.bucket(BUCKET).key("fs1/big"));
        assertThat(h.eTag()).endsWith("-3\"");
        assertThat(h.metadata()).containsEntry("nacre-part-size", Integer.toString(S3ArchiveConfig.MIN_PART));
        // md5 of the parts' md5s, from the part size in the metadata
        MessageDigest md5s = MessageDigest.getInstance("MD5");
        for (int off = 0; off < data.length; off += S3ArchiveConfig.MIN_PART) {
            MessageDigest md5 = MessageDigest.getInstance("MD5");
            md5.update(data, off, Math.min(S3ArchiveConfig.MIN_PART, data.length - off));
            md5s.update(md5.digest());
        }
        assertThat(h.eTag()).isEqualTo("\"" + HexFormat.of().formatHex(md5s.digest()) + "-3\"");
        assertThat(restore(fid, a)).isEqualTo(data);
    }

    @Test
    void aRestoreOfChangedBytesIsCorruptAndOfAMissingObjectNotFound() {
        Fid fid = newFid();
        byte[] data = bytes(4096, 3);
        Copytool.Archived a = archive(fid, "/rot", data);
        byte[] rotten = data.clone();
        rotten[100] ^= 1;
        plain.putObject(r -> r.bucket(BUCKET).key("fs1/rot"), RequestBody.fromBytes(rotten));
        assertThatThrownBy(() -> restore(fid, a)).isInstanceOfSatisfying(NacreException.class,
                e -> assertThat(e.status()).isEqualTo(Status.CORRUPT));
        plain.putObject(r -> r.bucket(BUCKET).key("fs1/rot"), RequestBody.fromBytes(new byte[10]));
        assertThatThrownBy(() -> restore(fid, a)).isInstanceOfSatisfying(NacreException.class,
                e -> assertThat(e.status()).isEqualTo(Status.CORRUPT));
        plain.deleteObject(r -> r.bucket(BUCKET).key("fs1/rot"));
        assertThatThrownBy(() -> restore(fid, a)).isInstanceOfSatisfying(NacreException.class,
                e -> assertThat(e.status()).isEqualTo(Status.NOT_FOUND));
    }

    @Test
    void anotherFilesCopyIsNeverOverwrittenNorRemoved() {
        Fid first = newFid();
        Fid second = newFid();
        byte[] one = bytes(1000, 4);
        byte[] two = bytes(2000, 5);
        Copytool.Archived a = archive(first, "/shared/name", one);
        Copytool.Archived b = archive(second, "/shared/name", two);
        assertThat(b.handle()).isEqualTo(a.handle() + ".nacre-" + second.toHex());
        assertThat(restore(first, a)).isEqualTo(one);
        ArchiveCopy firstsCopy = new ArchiveCopy(1, a.handle(), a.checksum(), a.size(), 1, 0, null, 0);
        copytool.remove(new Copytool.Job(3, HsmAction.REMOVE, second, 1, null, null, firstsCopy));
        assertThat(restore(first, a)).as("not removed: it is the first file's").isEqualTo(one);
        copytool.remove(new Copytool.Job(3, HsmAction.REMOVE, first, 1, null, null, firstsCopy));
        assertThatThrownBy(() -> restore(first, a)).isInstanceOfSatisfying(NacreException.class,
                e -> assertThat(e.status()).isEqualTo(Status.NOT_FOUND));
        copytool.remove(new Copytool.Job(3, HsmAction.REMOVE, first, 1, null, null, firstsCopy));
        plain.putObject(r -> r.bucket(BUCKET).key("fs1/foreign"), RequestBody.fromBytes(one));
        copytool.remove(new Copytool.Job(4, HsmAction.REMOVE, first, 1, null, null,
                new ArchiveCopy(1, "s3://archive/fs1/foreign", "", -1, -1, 0, null, 0)));
        assertThat(plain.headObject(r -> r.bucket(BUCKET).key("fs1/foreign")).contentLength())
                .as("an object Nacre did not write is left alone").isEqualTo(1000);
    }

    @Test
    void aListingGivesEveryObjectBelowThePrefixWithItsETag() {
        plain.createBucket(r -> r.bucket("source"));
        for (String k : List.of("data/a.txt", "data/sub/b.txt", "data/sub/", "other/c.txt")) {
            plain.putObject(r -> r.bucket("source").key(k), RequestBody.fromBytes(k.endsWith("/") ? new byte[0]
                    : k.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        }
        List<Copytool.ListedObject> got = new ArrayList<>();
        copytool.list("s3://source/data", got::add);
        assertThat(got).extracting(Copytool.ListedObject::relativePath).containsExactly("a.txt", "sub/b.txt");
        assertThat(got.get(0).handle()).isEqualTo("s3://source/data/a.txt");
        assertThat(got.get(0).size()).isEqualTo("data/a.txt".length());
        assertThat(got.get(0).checksum()).startsWith("etag:\"");
        assertThat(got.get(0).mtime()).isPositive();
        byte[] restored = restore(newFid(), new Copytool.Archived(got.get(0).handle(), got.get(0).checksum(),
                got.get(0).size()));
        assertThat(new String(restored, java.nio.charset.StandardCharsets.UTF_8)).isEqualTo("data/a.txt");
    }

    @Test
    void theBandwidthLimitPacesTransfers() {
        try (S3Copytool slow = new S3Copytool(config().bandwidth(1 << 20).build())) {
            Fid fid = newFid();
            byte[] data = bytes(1 << 20, 6);
            AtomicLong seen = new AtomicLong();
            long t0 = System.nanoTime();
            slow.archive(new Copytool.Job(1, HsmAction.ARCHIVE, fid, 1, "/slow", attr(fid, data.length), null),
                    Channels.newChannel(new java.io.ByteArrayInputStream(data)), seen::set);
            slow.archive(new Copytool.Job(1, HsmAction.ARCHIVE, fid, 1, "/slow", attr(fid, data.length), null),
                    Channels.newChannel(new java.io.ByteArrayInputStream(data)), seen::set);
            long both = System.nanoTime() - t0;
            assertThat(seen.get()).isEqualTo(data.length);
            // 2 MiB at 1 MiB/s: the second MiB waits for the first one's second of budget, however fast the
            // transfers are (a lower bound, so a slow machine cannot make it fail)
            assertThat(both).as("paced").isGreaterThanOrEqualTo(1_000_000_000L);
        }
    }
}
