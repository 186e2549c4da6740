package io.nacre.appliance.fileio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nacre.engine.Caller;
import io.nacre.engine.Fid;
import io.nacre.engine.NacreException;
import io.nacre.engine.Status;
import io.nacre.engine.fault.Faults;
import io.nacre.engine.io.FileIo;
import io.nacre.engine.layout.Extent;
import io.nacre.engine.layout.Layout;
import io.nacre.engine.layout.LayoutTemplate;
import io.nacre.engine.layout.ObjectRef;
import io.nacre.engine.meta.Attr;
import io.nacre.engine.meta.CreateSpec;
import io.nacre.engine.meta.FileType;
import io.nacre.engine.meta.HiddenDirectory;
import io.nacre.engine.meta.MetadataService;
import io.nacre.engine.meta.PendingDestroy;
import io.nacre.engine.store.Durability;
import io.nacre.engine.store.ObjectStore;
import io.nacre.meta.testkit.EmbeddedCore;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** FileIo.migrate (lfs migrate) against the real MDS and OSTs: new stripes, every acknowledged byte kept. */
class MigrateTest {

    static final int K64 = 64 * 1024;
    static final int MIB = 1 << 20;
    static final String BEFORE_SWAP = "fileio.migrate.before_swap";

    @TempDir
    Path dir;

    EmbeddedCore core;
    MetadataService mds;
    ObjectStore objects;
    FileIo io;

    @BeforeEach
    void start() {
        core = EmbeddedCore.start(dir.resolve("core"));
        mds = core.metadata();
        objects = core.objects();
        io = FileIo.builder(mds, objects).windowBytes(256 * 1024).maxInFlightBytes(MIB).build();
    }

    @AfterEach
    void stop() {
        Faults.disarmAll();
        if (io != null) {
            io.close();
        }
        if (core != null) {
            core.close();
        }
    }

    Fid withData(String name, byte[] data) {
        Fid fid = mds.create(Caller.ROOT, Fid.ROOT, name, CreateSpec.builder(FileType.REGULAR).mode(0644)
                .layout(LayoutTemplate.of(1, MIB, "")).build()).attr().fid();
        io.write(fid, 0, ByteBuffer.wrap(data), Durability.STABLE);
        return fid;
    }

    byte[] readAll(Fid fid) {
        int size = (int) io.getattr(fid).size();
        ByteBuffer dst = ByteBuffer.allocate(size);
        int n = io.read(fid, 0, dst);
        return Arrays.copyOf(dst.array(), n);
    }

    static byte[] random(long seed, int n) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    @Test
    void aFileWithDataGetsItsNewStripesAndKeepsItsBytes() {
        byte[] data = random(1, 5 * MIB + 123);
        Fid fid = withData("f", data);
        Attr before = io.getattr(fid);
        Layout old = mds.layout(fid);

        Layout now = io.migrate(Caller.ROOT, fid, LayoutTemplate.of(4, K64, ""));

        assertThat(now).isEqualTo(mds.layout(fid));
        assertThat(now.components()).hasSize(1);
        assertThat(now.components().get(0).raid0().stripeCount()).isEqualTo(4);
        assertThat(now.components().get(0).raid0().stripeSize()).isEqualTo(K64);
        assertThat(now.objects()).doesNotContainAnyElementsOf(old.objects());
        assertThat(readAll(fid)).isEqualTo(data);
        Attr after = io.getattr(fid);
        assertThat(after.size()).isEqualTo(before.size());
        assertThat(after.mtime()).isEqualTo(before.mtime());
        assertThat(after.dataVersion()).as("same bytes, same data version").isEqualTo(before.dataVersion());
        // the old objects were destroyed and taken off the queue; the staged copy is gone
        for (ObjectRef o : old.objects()) {
            assertThat(objects.stat(o).size()).isZero();
        }
        assertThat(mds.pendingDestroys(10_000)).isEmpty();
        Fid staging = mds.lookup(Caller.ROOT, Fid.HIDDEN, "migrate").fid();
        assertThat(mds.readdir(Caller.ROOT, staging, 0, 100).entries()).isEmpty();
        // and it takes writes through the new stripes
        byte[] more = random(2, 300_000);
        io.write(fid, 5L * MIB, ByteBuffer.wrap(more), Durability.STABLE);
        byte[] expect = Arrays.copyOf(data, 5 * MIB + 300_000);
        System.arraycopy(more, 0, expect, 5 * MIB, more.length);
        assertThat(readAll(fid)).isEqualTo(expect);
    }

    @Test
    void aReadViewFromBeforeAMigrateIsNoLongerUnchanged() {
        byte[] data = random(4, 2 * MIB);
        Fid fid = withData("viewed", data);
        FileIo.ReadView v = io.view(io.getattr(fid));
        assertThat(io.unchanged(v)).isTrue();

        io.migrate(Caller.ROOT, fid, LayoutTemplate.of(2, K64, ""));

        // the view's objects are gone: what it reads now is not the file's, and it says so
        assertThat(io.unchanged(v)).isFalse();
        ByteBuffer stale = ByteBuffer.allocate(MIB);
        io.read(v, 0, stale);
        assertThat(stale.array()).isNotEqualTo(Arrays.copyOf(data, MIB));
        FileIo.ReadView now = io.view(io.getattr(fid));
        ByteBuffer fresh = ByteBuffer.allocate(data.length);
        assertThat(io.read(now, 0, fresh)).isEqualTo(data.length);
        assertThat(fresh.array()).isEqualTo(data);
        assertThat(io.unchanged(now)).isTrue();
    }

    @Test
    void holesStayHolesAndAPflTemplateIsInstantiatedWhereDataIs() {
        Fid fid = withData("sparse", new byte[0]);
        byte[] tail = random(3, 100_000);
        io.write(fid, 3L * MIB, ByteBuffer.wrap(tail), Durability.STABLE);
        byte[] expect = new byte[3 * MIB + tail.length];
        System.arraycopy(tail, 0, expect, 3 * MIB, tail.length);

        Layout now = io.migrate(Caller.ROOT, fid, new LayoutTemplate(List.of(
                LayoutTemplate.Entry.raid0(MIB, 1, K64, ""),
                LayoutTemplate.Entry.raid0(Extent.EOF, 2, K64, ""))));

        assertThat(now.components()).hasSize(2);
        assertThat(now.components().get(1).raid0().instantiated()).isTrue();
        assertThat(readAll(fid)).isEqualTo(expect);
        assertThat(io.spaceUsed(fid)).isLessThan(MIB);
    }

    @Test
    void writesDuringTheMigrateAreAllInTheFileAfterwards() throws Exception {
        int size = 4 * MIB;
        byte[] reference = random(4, size);
        Fid fid = withData("busy", reference);
        // each copy waits before its swap, so that the writer surely writes during it: the copy starts over
        Faults.arm(BEFORE_SWAP, Faults.Fault.sleep(150));
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger acknowledged = new AtomicInteger();
        CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
            Random rnd = new Random(5);
            while (!stop.get()) {
                int off = rnd.nextInt(size - 70_000);
                byte[] b = random(rnd.nextLong(), 1 + rnd.nextInt(70_000));
                io.write(fid, off, ByteBuffer.wrap(b), rnd.nextBoolean() ? Durability.STABLE : Durability.UNSTABLE);
                // acknowledged: from here on the bytes must be in the file
                System.arraycopy(b, 0, reference, off, b.length);
                acknowledged.incrementAndGet();
            }
        });
        try {
            Layout now = io.migrate(Caller.ROOT, fid, LayoutTemplate.of(3, K64, ""));
            assertThat(now.components().get(0).raid0().stripeCount()).isEqualTo(3);
            int seen = acknowledged.get();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (acknowledged.get() < seen + 20 && System.nanoTime() < deadline) {
                Thread.onSpinWait(); // writes after the swap go to the new stripes
            }
        } finally {
            stop.set(true);
            writer.get(30, TimeUnit.SECONDS);
        }
        assertThat(Faults.hits(BEFORE_SWAP)).as("copies made").isGreaterThan(1);
        io.commit(fid);
        assertThat(readAll(fid)).isEqualTo(reference);
        // a new FileIo (nothing cached, nothing pending) reads the same from the MDS's layout
        try (FileIo fresh = FileIo.builder(mds, objects).build()) {
            ByteBuffer dst = ByteBuffer.allocate(size);
            fresh.read(fid, 0, dst);
            assertThat(dst.array()).isEqualTo(reference);
        }
    }

    @Test
    void aFailureBetweenCopyAndSwapLeavesTheFileAsItWasAndNoObjectBehind() {
        byte[] data = random(6, 2 * MIB);
        Fid fid = withData("f", data);
        Layout old = mds.layout(fid);
        Attr before = mds.getattr(fid);
        Faults.arm(BEFORE_SWAP, Faults.Fault.failOnce());

        assertThatThrownBy(() -> io.migrate(Caller.ROOT, fid, LayoutTemplate.of(4, K64, "")))
                .isInstanceOf(NacreException.class).extracting(e -> ((NacreException) e).status()).isEqualTo(Status.IO);

        assertThat(mds.layout(fid)).isEqualTo(old);
        assertThat(mds.getattr(fid).dataVersion()).isEqualTo(before.dataVersion());
        assertThat(readAll(fid)).isEqualTo(data);
        // the staged copy is gone and its four objects are queued for destruction, none of the file's
        Fid staging = mds.lookup(Caller.ROOT, Fid.HIDDEN, "migrate").fid();
        assertThat(mds.readdir(Caller.ROOT, staging, 0, 100).entries()).isEmpty();
        List<ObjectRef> queued = new ArrayList<>();
        mds.pendingDestroys(10_000).forEach(d -> queued.add(d.object()));
        assertThat(queued).hasSize(4).doesNotContainAnyElementsOf(old.objects());
        // the next migrate goes through
        io.migrate(Caller.ROOT, fid, LayoutTemplate.of(2, K64, ""));
        assertThat(readAll(fid)).isEqualTo(data);
        assertThat(mds.pendingDestroys(10_000)).extracting(PendingDestroy::object).containsAll(queued);
    }

    @Test
    void theSweepRemovesLeftoverStagedCopiesButNotOneARestripeIsMaking() throws Exception {
        byte[] data = random(8, MIB + 77);
        Fid fid = withData("f", data);
        Fid other = withData("g", random(9, 1000));
        // what a crash between copy and swap leaves: a staged copy, with objects, named after its file
        Fid staging = HiddenDirectory.of(mds, "migrate", 0700);
        Fid leftover = mds.create(Caller.ROOT, staging, other.toHex(), CreateSpec.builder(FileType.REGULAR).mode(0600)
                .layout(LayoutTemplate.of(2, K64, "")).build()).attr().fid();
        List<ObjectRef> leftoverObjects = mds.layout(leftover).objects();
        assertThat(leftoverObjects).hasSize(2);
        Faults.arm(BEFORE_SWAP, Faults.Fault.sleep(5_000));

        CompletableFuture<Layout> restripe = CompletableFuture.supplyAsync(
                () -> io.migrate(Caller.ROOT, fid, LayoutTemplate.of(3, K64, "")));
        Poll.until(Duration.ofSeconds(60), "the copy is made", () -> Faults.hits(BEFORE_SWAP) > 0);
        assertThat(io.sweepMigrations()).as("removed: the leftover only").isEqualTo(1);

        assertThat(restripe.get(60, TimeUnit.SECONDS).components().get(0).raid0().stripeCount()).isEqualTo(3);
        assertThat(readAll(fid)).isEqualTo(data);
        assertThat(mds.readdir(Caller.ROOT, staging, 0, 100).entries()).isEmpty();
        assertThat(mds.pendingDestroys(10_000)).extracting(PendingDestroy::object).containsAll(leftoverObjects);
        assertThat(io.sweepMigrations()).isZero();
    }

    @Test
    void whatCannotBeMigratedIsRefusedWithAClearStatus() {
        Fid fid = withData("f", random(7, 200_000));
        Caller bob = Caller.of(1001, 1001);
        assertThatThrownBy(() -> io.migrate(bob, fid, LayoutTemplate.of(2, K64, "")))
                .extracting(e -> ((NacreException) e).status()).isEqualTo(Status.ACCESS);
        assertThatThrownBy(() -> io.migrate(Caller.ROOT, fid, new LayoutTemplate(List.of(
                LayoutTemplate.Entry.dataOnMdt(K64), LayoutTemplate.Entry.raid0(Extent.EOF, 1, K64, "")))))
                .extracting(e -> ((NacreException) e).status()).isEqualTo(Status.NOT_SUPPORTED);
        assertThatThrownBy(() -> io.migrate(Caller.ROOT, Fid.ROOT, LayoutTemplate.of(2, K64, "")))
                .extracting(e -> ((NacreException) e).status()).isEqualTo(Status.IS_DIR);
        assertThatThrownBy(() -> io.migrate(Caller.ROOT, fid, LayoutTemplate.of(9, K64, "")))
                .extracting(e -> ((NacreException) e).status()).isEqualTo(Status.INVALID);
        try (FileIo.Writer w = io.openWriter(fid, 0, Durability.STABLE)) {
            w.write(ByteBuffer.wrap(new byte[] {1, 2, 3}));
            assertThatThrownBy(() -> io.migrate(Caller.ROOT, fid, LayoutTemplate.of(2, K64, "")))
                    .extracting(e -> ((NacreException) e).status()).isEqualTo(Status.BUSY);
        }
        assertThat(mds.layout(fid).components().get(0).raid0().stripeCount()).isEqualTo(1);
    }
}
