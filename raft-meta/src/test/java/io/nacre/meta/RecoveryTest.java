package io.nacre.meta;

import static org.assertj.core.api.Assertions.assertThat;

import io.nacre.engine.Caller;
import io.nacre.engine.Fid;
import io.nacre.engine.layout.Layout;
import io.nacre.engine.layout.LayoutTemplate;
import io.nacre.engine.layout.ObjectRef;
import io.nacre.engine.meta.CreateSpec;
import io.nacre.engine.meta.DirPage;
import io.nacre.engine.fault.Faults;
import io.nacre.engine.meta.XattrFlag;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Restarts: the namespace comes back from disk, and a namespace torn by a machine crash is rebuilt. */
class RecoveryTest {

    private static Path namespaceDir(Path dataDir) {
        return dataDir.resolve("raft").resolve(RaftSettings.groupId(MetadataServer.DEFAULT_CLUSTER).getUuid().toString())
                .resolve("namespace");
    }

    private static Path smDir(Path dataDir) {
        return namespaceDir(dataDir).resolveSibling("sm");
    }

    /** What a client sees of a directory: names, cookies and attributes. */
    private static DirPage listing(MetadataClient mds, Fid dir) {
        return mds.readdir(Caller.ROOT, dir, 0, 4096);
    }

    @Test
    void restartFromDiskPreservesTheNamespace(@TempDir Path dir) {
        long fsid;
        Fid d;
        DirPage before;
        Layout layout;
        try (MetadataServer s = TestServers.single(dir); MetadataClient mds = MetadataClient.connect(s.peers())) {
            TestServers.registerOsts(mds, 4);
            fsid = mds.fsid();
            d = mds.create(Caller.ROOT, Fid.ROOT, "d", CreateSpec.directory(0755)).attr().fid();
            mds.setDefaultLayout(Caller.ROOT, d, LayoutTemplate.of(2, 1 << 20, ""));
            for (int i = 0; i < 20; i++) {
                mds.create(Caller.ROOT, d, "f" + i, CreateSpec.file(0644));
            }
            Fid f0 = mds.lookup(Caller.ROOT, d, "f0").fid();
            mds.setXattr(Caller.ROOT, f0, "user.k", "v".getBytes(StandardCharsets.UTF_8), XattrFlag.EITHER);
            layout = mds.layout(f0);
            before = listing(mds, d);
        }
        try (MetadataServer s = TestServers.single(dir); MetadataClient mds = MetadataClient.connect(s.peers())) {
            assertThat(mds.fsid()).isEqualTo(fsid);
            assertThat(listing(mds, d)).isEqualTo(before);
            Fid f0 = mds.lookup(Caller.ROOT, d, "f0").fid();
            assertThat(mds.getXattr(Caller.ROOT, f0, "user.k")).isPresent();
            assertThat(mds.layout(f0)).isEqualTo(layout);
            assertThat(mds.defaultLayout(d)).contains(LayoutTemplate.of(2, 1 << 20, ""));
            assertThat(mds.osts()).hasSize(4);
            // counters continue: new files get new Fids and new objects
            Set<ObjectRef> old = new HashSet<>();
            Set<Fid> oldFids = new HashSet<>();
            before.entries().forEach(e -> {
                oldFids.add(e.attr().fid());
                old.addAll(mds.layout(e.attr().fid()).objects());
            });
            Fid g = mds.create(Caller.ROOT, d, "g", CreateSpec.file(0644)).attr().fid();
            assertThat(oldFids).doesNotContain(g);
            assertThat(mds.layout(g).objects()).doesNotContainAnyElementsOf(old);
        }
    }

    @Test
    void aNamespaceOpenAtAMachineCrashIsRebuiltFromTheSnapshotAndTheLog(@TempDir Path dir) throws IOException {
        DirPage before;
        Fid d;
        MetadataServer.Builder b = MetadataServer.builder().dataDir(dir).snapshotEvery(10).logSegmentBytes(64 << 10);
        try (MetadataServer s = b.build().start(); MetadataClient mds = MetadataClient.connect(s.peers())) {
            TestServers.registerOsts(mds, 2);
            d = mds.create(Caller.ROOT, Fid.ROOT, "d", CreateSpec.directory(0755)).attr().fid();
            for (int i = 0; i < 60; i++) {
                mds.create(Caller.ROOT, d, "f" + i, CreateSpec.file(0644));
            }
            before = listing(mds, d);
        }
        try (Stream<Path> snaps = Files.list(smDir(dir))) {
            assertThat(snaps.filter(p -> p.getFileName().toString().matches("snapshot\\.\\d+_\\d+"))).isNotEmpty();
        }
        // What a power loss can leave of a NOSYNC environment: torn pages, and a marker from another boot.
        Path data = namespaceDir(dir).resolve(NamespaceStore.DATA_FILE);
        try (RandomAccessFile f = new RandomAccessFile(data.toFile(), "rw")) {
            f.seek(0);
            f.write(new byte[8192]);
        }
        Files.writeString(namespaceDir(dir).resolve("namespace.state"), "open 00000000-0000-0000-0000-000000000000\n");
        try (MetadataServer s = b.build().start(); MetadataClient mds = MetadataClient.connect(s.peers())) {
            assertThat(listing(mds, d)).isEqualTo(before);
            mds.create(Caller.ROOT, d, "after", CreateSpec.file(0644));
            assertThat(listing(mds, d).entries()).hasSize(61);
        }
    }

    private static long snapshotFiles(Path dataDir) throws IOException {
        if (!Files.isDirectory(smDir(dataDir))) {
            return 0;
        }
        try (Stream<Path> snaps = Files.list(smDir(dataDir))) {
            return snaps.filter(p -> p.getFileName().toString().matches("snapshot\\.\\d+_\\d+")).count();
        }
    }

    /**
     * A snapshot copy is made beside the applies: while the copy is held up (a 15 s pause armed in it),
     * creates go on; the copy then lands, named by the index it holds, and a torn namespace is rebuilt from it.
     */
    @Test
    void changesGoOnWhileASnapshotIsCopied(@TempDir Path dir) throws IOException {
        MetadataServer.Builder b = MetadataServer.builder().dataDir(dir).snapshotEvery(10).logSegmentBytes(64 << 10);
        DirPage before;
        Fid d;
        Faults.arm("mds.snapshot.copy", Faults.Fault.sleep(15_000));
        try (MetadataServer s = b.build().start(); MetadataClient mds = MetadataClient.connect(s.peers())) {
            TestServers.registerOsts(mds, 1);
            d = mds.create(Caller.ROOT, Fid.ROOT, "d", CreateSpec.directory(0755)).attr().fid();
            for (int i = 0; i < 40; i++) {
                mds.create(Caller.ROOT, d, "f" + i, CreateSpec.file(0644));
            }
            assertThat(Faults.hits("mds.snapshot.copy")).as("a copy was started").isPositive();
            assertThat(snapshotFiles(dir)).as("snapshots while the first copy is held up").isZero();
            long deadline = System.nanoTime() + 120_000_000_000L;
            while (snapshotFiles(dir) == 0 && System.nanoTime() < deadline) {
                LockSupport.parkNanos(100_000_000L);
            }
            assertThat(snapshotFiles(dir)).as("snapshots once the copy is done").isPositive();
            Faults.disarm("mds.snapshot.copy");
            before = listing(mds, d);
        } finally {
            Faults.disarm("mds.snapshot.copy");
        }
        Path data = namespaceDir(dir).resolve(NamespaceStore.DATA_FILE);
        try (RandomAccessFile f = new RandomAccessFile(data.toFile(), "rw")) {
            f.write(new byte[8192]);
        }
        Files.writeString(namespaceDir(dir).resolve("namespace.state"), "open 00000000-0000-0000-0000-000000000000\n");
        try (MetadataServer s = b.build().start(); MetadataClient mds = MetadataClient.connect(s.peers())) {
            assertThat(listing(mds, d)).isEqualTo(before);
        }
    }

    @Test
    void aMissingNamespaceIsRebuiltFromTheLogAlone(@TempDir Path dir) throws IOException {
        DirPage before;
        try (MetadataServer s = TestServers.single(dir); MetadataClient mds = MetadataClient.connect(s.peers())) {
            TestServers.registerOsts(mds, 1);
            for (int i = 0; i < 10; i++) {
                mds.create(Caller.ROOT, Fid.ROOT, "f" + i, CreateSpec.file(0644));
            }
            before = listing(mds, Fid.ROOT);
        }
        NamespaceStore.deleteTree(namespaceDir(dir));
        try (MetadataServer s = TestServers.single(dir); MetadataClient mds = MetadataClient.connect(s.peers())) {
            assertThat(listing(mds, Fid.ROOT)).isEqualTo(before);
            assertThat(mds.osts()).hasSize(1);
        }
    }

    @Test
    void theCleanMarkerDecidesTrust(@TempDir Path dir) throws IOException {
        Path ns = dir.resolve("ns");
        assertThat(NamespaceStore.trusted(ns)).isFalse();
        NamespaceStore s = NamespaceStore.open(ns, null, true);
        String boot = NamespaceStore.bootId();
        assertThat(NamespaceStore.trusted(ns)).isEqualTo(boot != null);
        s.close();
        assertThat(NamespaceStore.trusted(ns)).isTrue();
        Files.writeString(ns.resolve("namespace.state"), "open not-this-boot\n");
        assertThat(NamespaceStore.trusted(ns)).isFalse();
        Files.writeString(ns.resolve("namespace.state"), "rebuilding\n");
        assertThat(NamespaceStore.trusted(ns)).isFalse();
        assertThat(List.of(ns.resolve(NamespaceStore.DATA_FILE))).allMatch(Files::exists);
    }
}
