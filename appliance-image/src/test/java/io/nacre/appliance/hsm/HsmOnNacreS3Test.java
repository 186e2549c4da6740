package io.nacre.appliance.hsm;

import static org.assertj.core.api.Assertions.assertThat;

import io.nacre.appliance.Main;
import io.nacre.appliance.fileio.Poll;
import io.nacre.appliance.node.Node;
import io.nacre.appliance.node.NodeOptions;
import io.nacre.engine.Caller;
import io.nacre.engine.Fid;
import io.nacre.engine.hsm.HsmAction;
import io.nacre.engine.hsm.HsmRequest;
import io.nacre.engine.meta.Attr;
import io.nacre.engine.meta.CreateSpec;
import io.nacre.engine.meta.HsmState;
import io.nacre.engine.meta.MetadataService;
import io.nacre.engine.store.Durability;
import io.nacre.s3.auth.KeyStore;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.ResponseBytes;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;

/**
 * HSM with another Nacre as the archive: the copytool of one instance archives to, restores from and
 * imports from the S3 gateway of a second one (as it does with s3proxy elsewhere), small files in one
 * PUT and large ones multipart; the archive objects are plain objects of the second instance.
 */
class HsmOnNacreS3Test {

    @TempDir
    static Path dir;
    static Node archive;
    static S3Client archiveS3;
    static Node node;
    static MetadataService mds;

    @BeforeAll
    static void start() {
        archive = Node.start(NodeOptions.ephemeral(dir.resolve("archive")));
        KeyStore.Key key = archive.keys().root();
        archiveS3 = S3Client.builder().endpointOverride(URI.create(archive.s3Uri())).region(Region.US_EAST_1)
                .forcePathStyle(true)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(key.accessKey(),
                        key.secretKey())))
                .build();
        archiveS3.createBucket(b -> b.bucket("archive"));
        archiveS3.createBucket(b -> b.bucket("source"));
        node = Node.start(NodeOptions.ephemeral(dir.resolve("data")).withHsm(HsmSettings.parse(String.join("\n",
                "archive.1.endpoint = " + archive.s3Uri(),
                "archive.1.bucket = archive",
                "archive.1.prefix = fs1",
                "archive.1.access_key = " + key.accessKey(),
                "archive.1.secret_key = " + key.secretKey(),
                "archive.1.part_size = 5M"))));
        mds = node.metadata();
    }

    @AfterAll
    static void stop() {
        if (node != null) {
            node.close();
        }
        if (archiveS3 != null) {
            archiveS3.close();
        }
        if (archive != null) {
            archive.close();
        }
    }

    static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    static Fid put(Fid dirFid, String name, byte[] data) {
        Fid f = mds.create(Caller.ROOT, dirFid, name, CreateSpec.file(0640)).attr().fid();
        node.fileIo().write(f, 0, ByteBuffer.wrap(data), Durability.STABLE);
        return f;
    }

    static void archiveAndRelease(Fid f) {
        HsmRequest r = mds.hsmSubmit(Caller.ROOT, HsmAction.ARCHIVE, f, 0, 0);
        Poll.until(HsmTesting.WAIT, "the archive of " + f, () -> mds.hsmRequests(f).stream()
                .anyMatch(q -> q.id() == r.id() && !q.state().active()));
        assertThat(mds.hsmRequests(f)).filteredOn(q -> q.id() == r.id()).singleElement()
                .satisfies(q -> assertThat(q.state()).as(q.message()).isEqualTo(HsmRequest.State.SUCCEEDED));
        node.fileIo().release(Caller.ROOT, f);
        assertThat(mds.getattr(f).hsm().has(HsmState.RELEASED)).isTrue();
    }

    @Test
    void filesArchivedToAnotherNacreComeBackByteForByteAndItsObjectsArePlainObjects() {
        Fid home = mds.create(Caller.ROOT, Fid.ROOT, "home", CreateSpec.directory(0755)).attr().fid();
        byte[] small = random(200_000, 1);
        byte[] large = random(12 << 20, 2); // three parts of 5 MiB at most
        Fid s = put(home, "small.bin", small);
        Fid l = put(home, "large.bin", large);
        archiveAndRelease(s);
        archiveAndRelease(l);

        assertThat(HsmTesting.readAll(node.fileIo(), s)).isEqualTo(small);
        assertThat(HsmTesting.readAll(node.fileIo(), l)).isEqualTo(large);
        assertThat(mds.getattr(l).hsm().describe()).isEqualTo("(0x00000009) exists archived, archive_id:1");

        // What someone without the first instance sees: the file's bytes at <prefix>/<path>, its Fid and owner.
        ResponseBytes<GetObjectResponse> obj = archiveS3.getObjectAsBytes(r -> r.bucket("archive").key("fs1/home/large.bin"));
        assertThat(obj.asByteArray()).isEqualTo(large);
        assertThat(obj.response().metadata()).containsEntry("nacre-fid", l.toString()).containsEntry("uid", "0")
                .containsEntry("mode", Integer.toString(0100640));
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
        int code = Main.run(new String[] {"--admin", node.adminUri(), "hsm", "import", "s3://source/in", "/imported"},
                new PrintWriter(out, true), new PrintWriter(err, true));
        assertThat(code).as(err.toString()).isZero();
        assertThat(out.toString()).contains("30 created");
        Attr stub = mds.resolve(Caller.ROOT, Fid.ROOT, "imported/d1/o7");
        assertThat(stub.hsm().has(HsmState.RELEASED)).as("no data copied yet").isTrue();
        assertThat(stub.size()).isEqualTo("object 7".length());
        assertThat(HsmTesting.readAll(node.fileIo(), stub.fid())).isEqualTo("object 7".getBytes(StandardCharsets.UTF_8));
        assertThat(mds.resolve(Caller.ROOT, Fid.ROOT, "imported/d2/o8").hsm().has(HsmState.RELEASED))
                .as("only what was read came back").isTrue();
    }
}
