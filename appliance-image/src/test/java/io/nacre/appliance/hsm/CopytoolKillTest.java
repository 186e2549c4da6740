package io.nacre.appliance.hsm;

import static org.assertj.core.api.Assertions.assertThat;

import io.nacre.appliance.fileio.Poll;
import io.nacre.appliance.node.Node;
import io.nacre.appliance.node.NodeOptions;
import io.nacre.engine.Caller;
import io.nacre.engine.Fid;
import io.nacre.engine.NacreException;
import io.nacre.engine.Status;
import io.nacre.engine.hsm.HsmAction;
import io.nacre.engine.hsm.HsmAgent;
import io.nacre.engine.hsm.HsmConfig;
import io.nacre.engine.hsm.HsmEvents;
import io.nacre.engine.hsm.HsmRequest;
import io.nacre.engine.meta.ChangelogRecord;
import io.nacre.engine.meta.CreateSpec;
import io.nacre.engine.meta.DirPage;
import io.nacre.engine.meta.MetadataService;
import io.nacre.engine.store.Durability;
import io.nacre.s3.copytool.S3Copytool;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * {@code nacre copytool} as its own JVM against a running instance, killed with SIGKILL in the middle of
 * an archive and of a restore: the coordinator hands the request to another copytool (here one in the
 * test's process) after the active request timeout, nothing is lost, the request completes once, and the
 * data is byte for byte the same. Once with s3proxy as the archive, once with another Nacre's S3 gateway.
 *
 * <p>Tagged heavy (about a minute per archive on a loaded 2-core machine, mostly JVM and server starts);
 * the default run covers the same guarantees at the coordinator ({@code HsmCoordinatorTest},
 * {@code HsmFailoverTest} in raft-meta).
 */
@Tag("heavy")
class CopytoolKillTest {

    static final String BUCKET = "kill";
    static final Duration WAIT = Duration.ofSeconds(120);

    @TempDir
    Path dir;
    ArchiveServer archive;
    Node node;
    MetadataService mds;
    final List<Process> children = new ArrayList<>();
    final List<AutoCloseable> closeLater = new ArrayList<>();

    void start(ArchiveServer.Kind kind) throws Exception {
        archive = kind.start(dir.resolve("archive"));
        archive.createBucket(BUCKET);
        node = Node.start(NodeOptions.ephemeral(dir.resolve("data")));
        mds = node.metadata();
        // A silent copytool loses its request after 4 s (agents then report every second).
        mds.hsmConfigure(Caller.ROOT, new HsmConfig(Duration.ofSeconds(4), 5, Duration.ofMinutes(5), 1, 0));
    }

    @AfterEach
    void stop() throws Exception {
        children.forEach(Process::destroyForcibly);
        for (AutoCloseable c : closeLater.reversed()) {
            c.close();
        }
        if (node != null) {
            node.close();
        }
        if (archive != null) {
            archive.close();
        }
    }

    /** A copytool JVM; {@code bandwidth} 0 for no limit. */
    Process copytool(String name, long bandwidth) throws IOException {
        Path conf = dir.resolve(name + ".properties");
        List<String> settings = new ArrayList<>(archive.settings(1, BUCKET));
        settings.addAll(List.of("archive.1.prefix = fs", "archive.1.part_size = 5M", "archive.1.bandwidth = " + bandwidth,
                "agent.name = " + name, ""));
        Files.writeString(conf, String.join("\n", settings));
        List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
                "--add-opens", "java.base/java.nio=ALL-UNNAMED", "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), "io.nacre.appliance.Main",
                "--admin", node.adminUri(), "copytool", "--config", conf.toString()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve(name + ".log").toFile())
                .start();
        children.add(p);
        return p;
    }

    /** A copytool in this process (the one that takes over). */
    HsmAgent inProcess(String name) {
        S3Copytool ct = new S3Copytool(archive.archive(1, BUCKET).prefix("fs").build());
        closeLater.add(ct);
        HsmAgent a = HsmAgent.builder(mds, node.fileIo(), ct).name(name).pollInterval(Duration.ofMillis(50)).build().start();
        closeLater.add(a);
        return a;
    }

    HsmRequest request(Fid f, long id) {
        return mds.hsmRequests(f).stream().filter(r -> r.id() == id).findFirst().orElseThrow();
    }

    /** Waits until the request runs on {@code agent} and has reported some bytes moved, then kills the copytool. */
    void killMidway(Process p, Fid f, long id, String agent) throws InterruptedException {
        Poll.until(WAIT, "request " + id + " is under way on " + agent, () -> {
            HsmRequest r = request(f, id);
            return r.state() == HsmRequest.State.STARTED && r.agent().equals(agent) && r.bytesDone() > 0;
        });
        p.destroyForcibly(); // SIGKILL
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(request(f, id).state()).as("not finished by the killed copytool").isEqualTo(HsmRequest.State.STARTED);
    }

    @ParameterizedTest(name = "archive: {0}")
    @EnumSource(ArchiveServer.Kind.class)
    void aCopytoolKilledMidArchiveAndMidRestoreLosesNothingAndTheRequestsCompleteOnce(ArchiveServer.Kind kind)
            throws Exception {
        start(kind);
        long from = mds.changelogRegister("kill-test");
        byte[] data = new byte[8 << 20];
        new Random(7).nextBytes(data);
        Fid home = mds.create(Caller.ROOT, Fid.ROOT, "home", CreateSpec.directory(0755)).attr().fid();
        Fid f = mds.create(Caller.ROOT, home, "big.bin", CreateSpec.file(0644)).attr().fid();
        node.fileIo().write(f, 0, ByteBuffer.wrap(data), Durability.STABLE);

        // Archive: the copytool JVM moves 2 MiB/s, so the 8 MiB take long enough to be killed in the middle.
        Process slow = copytool("slow-1", 2 << 20);
        HsmRequest archiving = mds.hsmSubmit(Caller.ROOT, HsmAction.ARCHIVE, f, 0, 0);
        killMidway(slow, f, archiving.id(), "slow-1");
        HsmAgent fast = inProcess("fast-1");
        Poll.until(WAIT, "the archive completes on the second copytool",
                () -> request(f, archiving.id()).state() == HsmRequest.State.SUCCEEDED);
        HsmRequest done = request(f, archiving.id());
        assertThat(done.agent()).isEqualTo("fast-1");
        assertThat(done.attempt()).isEqualTo(2);
        try (S3Client plain = archive.client()) {
            assertThat(plain.getObjectAsBytes(r -> r.bucket(BUCKET).key("fs/home/big.bin")).asByteArray()).isEqualTo(data);
        }

        // Restore: release, then a read queues the restore; a slow copytool starts it and is killed.
        node.fileIo().release(Caller.ROOT, f);
        fast.close();
        Process slow2 = copytool("slow-2", 2 << 20);
        try {
            node.fileIo().read(f, 0, ByteBuffer.allocate(1));
        } catch (NacreException e) {
            assertThat(e.status()).isEqualTo(Status.DELAY);
        }
        Poll.until(WAIT, "the restore is queued", () -> mds.hsmRequests(f).stream()
                .anyMatch(r -> r.action() == HsmAction.RESTORE));
        long restore = mds.hsmRequests(f).stream().filter(r -> r.action() == HsmAction.RESTORE).findFirst().orElseThrow().id();
        killMidway(slow2, f, restore, "slow-2");
        inProcess("fast-2");
        assertThat(HsmTesting.readAll(node.fileIo(), f)).isEqualTo(data);
        HsmRequest restored = request(f, restore);
        assertThat(restored.state()).isEqualTo(HsmRequest.State.SUCCEEDED);
        assertThat(restored.agent()).isEqualTo("fast-2");

        // Each request completed once, and the killed restore's staged file is gone.
        List<ChangelogRecord> hsm = new ArrayList<>();
        for (ChangelogRecord r : mds.changelog(from, 4096)) {
            if (r.type() == ChangelogRecord.Type.HSM && f.equals(r.target())) {
                hsm.add(r);
            }
        }
        assertThat(hsm).extracting(r -> HsmEvents.event(r.flags()))
                .containsExactly(HsmEvents.Event.ARCHIVE, HsmEvents.Event.RELEASE, HsmEvents.Event.RESTORE);
        Fid staging = mds.lookup(Caller.ROOT, Fid.HIDDEN, HsmAgent.STAGING).fid();
        DirPage left = mds.list(Caller.ROOT, staging, "", 100);
        assertThat(left.entries()).as("staged restore files left").isEmpty();
        mds.changelogDeregister("kill-test");
    }
}
