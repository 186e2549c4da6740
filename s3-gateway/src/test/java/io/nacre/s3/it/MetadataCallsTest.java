package io.nacre.s3.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.nacre.engine.meta.MetadataService;
import io.nacre.meta.testkit.RecordingMetadata;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * What a small object costs the metadata service: the gateway's calls to the real MDS, recorded on their
 * way, per request. A 4 KiB PUT is one change (putSmallFile), a GET or HEAD of it one read (fetch); a
 * GET of a large object costs the same few calls whatever its size (none per chunk of its body).
 */
class MetadataCallsTest {

    @TempDir
    static Path dir;
    static NacreS3 nacre;
    static S3Client s3;
    static final List<String> calls = new CopyOnWriteArrayList<>();

    /** The MDS as it is, with each call's name noted first (the gateway's and its FileIo's). */
    static MetadataService recording(MetadataService real) {
        return RecordingMetadata.of(real, calls);
    }

    @BeforeAll
    static void start() {
        nacre = NacreS3.start(dir, MetadataCallsTest::recording, b -> { });
        s3 = nacre.whenRequiredClient();
        s3.createBucket(b -> b.bucket("calls"));
        // The gateway learns the bucket once; what is counted below is what every request pays.
        s3.putObject(b -> b.bucket("calls").key("first"), RequestBody.fromBytes(new byte[10]));
    }

    @AfterAll
    static void stop() {
        s3.close();
        nacre.close();
    }

    @BeforeEach
    void clear() {
        calls.clear();
    }

    @Test
    void aSmallPutIsOneMetadataChange() {
        byte[] data = NacreS3.random(4096, 1);
        s3.putObject(b -> b.bucket("calls").key("dir/small"), RequestBody.fromBytes(data));
        assertThat(calls).containsExactly("putSmallFile");
        calls.clear();
        s3.putObject(b -> b.bucket("calls").key("dir/small"), RequestBody.fromBytes(NacreS3.random(4096, 2)));
        assertThat(calls).as("a replace").containsExactly("putSmallFile");
    }

    @Test
    void aSmallGetOrHeadIsOneMetadataRead() {
        byte[] data = NacreS3.random(4096, 3);
        s3.putObject(b -> b.bucket("calls").key("read/small"), RequestBody.fromBytes(data));
        calls.clear();
        assertThat(s3.getObjectAsBytes(b -> b.bucket("calls").key("read/small")).asByteArray()).isEqualTo(data);
        assertThat(calls).containsExactly("fetch");
        calls.clear();
        assertThat(s3.headObject(b -> b.bucket("calls").key("read/small")).contentLength()).isEqualTo(4096);
        assertThat(calls).containsExactly("fetch");
    }

    @Test
    void aLargeGetCostsTheSameCallsWhateverItsSize() {
        List<List<String>> perGet = new ArrayList<>();
        for (int mib : new int[] {5, 25}) {
            String key = "read/large-" + mib;
            byte[] data = NacreS3.random(mib << 20, mib);
            s3.putObject(b -> b.bucket("calls").key(key), RequestBody.fromBytes(data));
            calls.clear();
            assertThat(s3.getObjectAsBytes(b -> b.bucket("calls").key(key)).asByteArray()).isEqualTo(data);
            perGet.add(List.copyOf(calls));
        }
        assertThat(perGet.get(1)).as("a GET of 25 MiB (7 chunks) against one of 5 MiB (2 chunks)")
                .isEqualTo(perGet.get(0));
        // The key with its metadata, its attributes through FileIo (and its layout unless FileIo knows it
        // already), its attributes again before the last chunk goes.
        assertThat(perGet.get(0)).filteredOn(c -> !c.equals("layout")).containsExactly("fetch", "getattr", "getattr");
    }
}
