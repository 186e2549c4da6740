package io.nacre.appliance.hsm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nacre.appliance.fileio.Poll;
import io.nacre.engine.Caller;
import io.nacre.engine.Fid;
import io.nacre.engine.NacreException;
import io.nacre.engine.Status;
import io.nacre.engine.hsm.HsmAction;
import io.nacre.engine.hsm.HsmAgent;
import io.nacre.engine.hsm.HsmRequest;
import io.nacre.engine.io.Destroyer;
import io.nacre.engine.io.FileIo;
import io.nacre.engine.layout.LayoutTemplate;
import io.nacre.engine.layout.ObjectRef;
import io.nacre.engine.meta.Attr;
import io.nacre.engine.meta.CreateSpec;
import io.nacre.engine.meta.FileType;
import io.nacre.engine.meta.HsmState;
import io.nacre.engine.meta.MetadataService;
import io.nacre.engine.store.Durability;
import io.nacre.meta.testkit.EmbeddedCore;
import io.nacre.s3.copytool.S3ArchiveConfig;
import io.nacre.s3.copytool.S3Copytool;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * HSM end to end in one process: the real MDS and OSTs, FileIo, an agent with the S3 copytool archiving
 * to s3proxy. Archive, release, and reads that restore on access, byte for byte.
 */
class HsmEndToEndTest {

    static final String BUCKET = "hsm-e2e";
    static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir
    static Path proxyDir;
    static S3ProxyProcess s3proxy;

    @TempDir
    Path dir;
    EmbeddedCore core;
    MetadataService mds;
    FileIo io;
    Destroyer destroyer;
    S3Copytool copytool;
    HsmAgent agent;
    Fid home;

    @BeforeAll
    static void startS3() throws Exception {
        s3proxy = S3ProxyProcess.start(proxyDir);
        s3proxy.createBucket(BUCKET);
    }

    @AfterAll
    static void stopS3() {
        if (s3proxy != null) {
            s3proxy.close();
        }
    }

    @BeforeEach
    void start() {
        core = EmbeddedCore.start(dir.resolve("core"));
        mds = core.metadata();
        io = FileIo.builder(mds, core.objects()).windowBytes(1 << 20).build();
        destroyer = Destroyer.builder(io).interval(Duration.ofMillis(100)).build();
        destroyer.start();
        copytool = new S3Copytool(S3ArchiveConfig.builder(1, BUCKET).endpoint(URI.create(s3proxy.endpoint()))
                .prefix(dir.getFileName().toString()).credentials(S3ProxyProcess.ACCESS_KEY, S3ProxyProcess.SECRET_KEY)
                .partSize(S3ArchiveConfig.MIN_PART).build());
        agent = HsmAgent.builder(mds, io, copytool).maxActions(2).pollInterval(Duration.ofMillis(50))
                .progressInterval(Duration.ofMillis(200)).build().start();
        home = mds.create(Caller.ROOT, Fid.ROOT, "home", CreateSpec.directory(0755)).attr().fid();
    }

    @AfterEach
    void stop() {
        agent.close();
        copytool.close();
        destroyer.close();
        io.close();
        core.close();
    }

    Fid write(String name, byte[] data, LayoutTemplate layout) {
        Fid f = mds.create(Caller.ROOT, home, name, CreateSpec.builder(FileType.REGULAR).mode(0644).layout(layout).build())
                .attr().fid();
        io.write(f, 0, ByteBuffer.wrap(data), Durability.STABLE);
        return f;
    }

    static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    HsmRequest await(HsmRequest r) {
        Poll.until(WAIT, "request " + r.id() + " finishes", () -> mds.hsmRequests(r.fid()).stream()
                .anyMatch(q -> q.id() == r.id() && !q.state().active()));
        return mds.hsmRequests(r.fid()).stream().filter(q -> q.id() == r.id()).findFirst().orElseThrow();
    }

    void archive(Fid f) {
        HsmRequest done = await(mds.hsmSubmit(Caller.ROOT, HsmAction.ARCHIVE, f, 0, 0));
        assertThat(done.state()).as(done.message()).isEqualTo(HsmRequest.State.SUCCEEDED);
    }

    @Test
    void archiveReleaseAndAReadThatRestoresOnAccessGiveTheSameBytes() {
        byte[] data = random(11 * 1024 * 1024 + 333, 1);
        Fid f = write("striped.bin", data, LayoutTemplate.of(2, 1 << 20, ""));
        archive(f);
        assertThat(mds.getattr(f).hsm().describe()).isEqualTo("(0x00000009) exists archived, archive_id:1");
        try (S3Client plain = s3proxy.client()) {
            assertThat(plain.getObjectAsBytes(r -> r.bucket(BUCKET).key(dir.getFileName() + "/home/striped.bin"))
                    .asByteArray()).as("the archive object, read without Nacre").isEqualTo(data);
        }

        List<ObjectRef> before = mds.layout(f).objects();
        Attr released = io.release(Caller.ROOT, f);
        assertThat(released.hsm().has(HsmState.RELEASED)).isTrue();
        assertThat(released.size()).isEqualTo(data.length);
        Poll.until(WAIT, "the released objects are destroyed", () -> before.stream()
                .allMatch(o -> core.objects().stat(o).size() == 0));

        assertThatThrownBy(() -> io.read(f, 0, ByteBuffer.allocate(10))).isInstanceOfSatisfying(NacreException.class,
                e -> assertThat(e.status()).isEqualTo(Status.DELAY));
        byte[][] got = new byte[1][];
        long delays = HsmTesting.retryingDelay("the file reads again", () -> {
            ByteBuffer b = ByteBuffer.allocate(data.length);
            while (b.hasRemaining() && io.read(f, b.position(), b) > 0) {
                // reading on
            }
            got[0] = b.array();
        });
        assertThat(got[0]).isEqualTo(data);
        assertThat(delays).isPositive();
        assertThat(mds.hsmRequests(f).stream().filter(r -> r.action() == HsmAction.RESTORE))
                .as("one restore however many reads").hasSize(1);
        Attr back = mds.getattr(f);
        assertThat(back.hsm().describe()).isEqualTo("(0x00000009) exists archived, archive_id:1");
        assertThat(mds.layout(f).objects()).hasSize(2).doesNotContainAnyElementsOf(before);
        assertThat(agent.sweepStaging()).as("no staged file left").isZero();
    }

    @Test
    void aWriteOrTruncateOfAReleasedFileRestoresItFirstAndLeavesItDirty() {
        byte[] data = random(300_000, 2);
        Fid f = write("w.bin", data, null);
        archive(f);
        io.release(Caller.ROOT, f);
        HsmTesting.retryingDelay("the write goes through after the restore",
                () -> io.write(f, 10, ByteBuffer.wrap(new byte[] {1, 2, 3}), Durability.STABLE));
        data[10] = 1;
        data[11] = 2;
        data[12] = 3;
        assertThat(HsmTesting.readAll(io, f)).isEqualTo(data);
        assertThat(mds.getattr(f).hsm().has(HsmState.DIRTY)).isTrue();
        assertThatThrownBy(() -> io.release(Caller.ROOT, f)).isInstanceOfSatisfying(NacreException.class,
                e -> assertThat(e.status()).isEqualTo(Status.BUSY));

        archive(f);
        io.release(Caller.ROOT, f);
        HsmTesting.retryingDelay("the truncate goes through after the restore", () -> io.truncate(Caller.ROOT, f, 5));
        assertThat(HsmTesting.readAll(io, f)).containsExactly(java.util.Arrays.copyOf(data, 5));
    }

    @Test
    void aRestoreStormRunsAtMostTheAgentsActionsAtOnceAndCompletesEveryFile() throws Exception {
        int n = 12;
        List<Fid> fs = new ArrayList<>();
        List<byte[]> datas = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            byte[] d = random(200_000 + i, 10 + i);
            Fid f = write("storm" + i, d, null);
            archive(f);
            io.release(Caller.ROOT, f);
            fs.add(f);
            datas.add(d);
        }
        AtomicLong maxStarted = new AtomicLong();
        AtomicBoolean sampling = new AtomicBoolean(true);
        Thread sampler = Thread.ofVirtual().start(() -> {
            while (sampling.get()) {
                maxStarted.accumulateAndGet(mds.hsmStatus(0).started(), Math::max);
            }
        });
        try {
            for (Fid f : fs) {
                assertThatThrownBy(() -> io.read(f, 0, ByteBuffer.allocate(1))).isInstanceOf(NacreException.class);
            }
            for (int i = 0; i < n; i++) {
                assertThat(HsmTesting.readAll(io, fs.get(i))).isEqualTo(datas.get(i));
            }
        } finally {
            sampling.set(false);
            sampler.join();
        }
        assertThat(maxStarted.get()).isBetween(1L, 2L);
    }

    @Test
    void aFileWhoseArchiveCopyIsGoneIsLostAndItsReadsFail() {
        byte[] data = random(5000, 3);
        Fid f = write("lost.bin", data, null);
        archive(f);
        io.release(Caller.ROOT, f);
        try (S3Client plain = s3proxy.client()) {
            plain.deleteObject(r -> r.bucket(BUCKET).key(dir.getFileName() + "/home/lost.bin"));
        }
        assertThatThrownBy(() -> io.read(f, 0, ByteBuffer.allocate(1))).isInstanceOf(NacreException.class);
        Poll.until(WAIT, "the file is marked lost", () -> mds.getattr(f).hsm().has(HsmState.LOST));
        NacreException e = null;
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (e == null || e.status() == Status.DELAY) {
            assertThat(System.nanoTime()).isLessThan(deadline);
            try {
                io.read(f, 0, ByteBuffer.allocate(1));
            } catch (NacreException x) {
                e = x;
            }
        }
        assertThat(e.status()).isEqualTo(Status.IO);
    }
}
