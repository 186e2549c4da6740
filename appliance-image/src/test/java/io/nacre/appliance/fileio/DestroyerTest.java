package io.nacre.appliance.fileio;

import static org.assertj.core.api.Assertions.assertThat;

import io.nacre.engine.Caller;
import io.nacre.engine.Fid;
import io.nacre.engine.io.Destroyer;
import io.nacre.engine.io.FileIo;
import io.nacre.engine.layout.LayoutTemplate;
import io.nacre.engine.layout.ObjectRef;
import io.nacre.engine.meta.CreateSpec;
import io.nacre.engine.meta.FileType;
import io.nacre.engine.meta.MetadataService;
import io.nacre.engine.meta.MetadataService.RemoveKind;
import io.nacre.engine.meta.PendingDestroy;
import io.nacre.engine.meta.SetAttr;
import io.nacre.engine.store.Durability;
import io.nacre.engine.store.ObjectStore;
import io.nacre.meta.testkit.EmbeddedCore;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The destroy queue is drained against the real MDS and OSTs: removed files free their objects. */
class DestroyerTest {

    @TempDir
    Path dir;

    EmbeddedCore core;
    MetadataService mds;
    ObjectStore objects;
    FileIo io;

    @BeforeEach
    void start() {
        core = EmbeddedCore.start(dir);
        mds = core.metadata();
        objects = core.objects();
        io = new FileIo(mds, objects);
    }

    @AfterEach
    void stop() {
        io.close();
        core.close();
    }

    Fid writeFile(String name, int bytes) {
        Fid fid = mds.create(Caller.ROOT, Fid.ROOT, name,
                CreateSpec.builder(FileType.REGULAR).layout(LayoutTemplate.of(2, 64 * 1024, "")).build()).attr().fid();
        byte[] data = new byte[bytes];
        java.util.Arrays.fill(data, (byte) 0x5a);
        io.write(fid, 0, ByteBuffer.wrap(data), Durability.STABLE);
        return fid;
    }

    @Test
    void runOnceDestroysTheObjectsOfRemovedFiles() {
        Fid fid = writeFile("a", 300_000);
        List<ObjectRef> objs = mds.layout(fid).objects();
        assertThat(objs).hasSize(2).allMatch(o -> objects.stat(o).size() > 0);
        List<PendingDestroy> queued = mds.remove(Caller.ROOT, Fid.ROOT, "a", RemoveKind.FILE).destroys();
        assertThat(queued).extracting(PendingDestroy::object).containsExactlyInAnyOrderElementsOf(objs);
        try (Destroyer d = new Destroyer(io)) {
            assertThat(d.runOnce()).isEqualTo(2);
            assertThat(d.runOnce()).isZero();
        }
        assertThat(mds.pendingDestroys(100)).isEmpty();
        assertThat(objs).allMatch(o -> objects.stat(o).size() == 0);
    }

    @Test
    void theBackgroundThreadDrainsTheQueue() {
        try (Destroyer d = Destroyer.builder(io).interval(Duration.ofMillis(10)).batch(3).build()) {
            d.start();
            for (int i = 0; i < 5; i++) {
                writeFile("f" + i, 100_000);
                mds.remove(Caller.ROOT, Fid.ROOT, "f" + i, RemoveKind.FILE);
            }
            Poll.until(Duration.ofSeconds(30), "the queue is empty", () -> mds.pendingDestroys(100).isEmpty());
        }
    }

    @Test
    void punchesLeftInTheQueueAreDoneOnlyWhileStillQueued() {
        Fid fid = writeFile("t", 500_000);
        // A truncate through the MDS alone (as if the FileIo doing it had died before punching).
        mds.setattr(Caller.ROOT, fid, SetAttr.builder().size(1000).build());
        assertThat(mds.pendingDestroys(100)).hasSize(2).noneMatch(PendingDestroy::isDestroy);
        try (Destroyer d = new Destroyer(io)) {
            assertThat(d.runOnce()).isEqualTo(2);
        }
        long held = mds.layout(fid).objects().stream().mapToLong(o -> objects.stat(o).size()).sum();
        assertThat(held).isEqualTo(1000);
        io.write(fid, 100_000, ByteBuffer.wrap(new byte[] {7}), Durability.STABLE);
        ByteBuffer got = ByteBuffer.allocate(100_001);
        io.read(fid, 0, got);
        assertThat(got.get(100_000)).isEqualTo((byte) 7);
        assertThat(java.util.Arrays.copyOfRange(got.array(), 0, 1000)).containsOnly(0x5a);
        assertThat(java.util.Arrays.copyOfRange(got.array(), 1000, 100_000)).as("punched: zeros").containsOnly(0);
    }
}
