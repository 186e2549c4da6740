package io.nacre.appliance.fileio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nacre.engine.Caller;
import io.nacre.engine.Fid;
import io.nacre.engine.NacreException;
import io.nacre.engine.Status;
import io.nacre.engine.io.FileIo;
import io.nacre.engine.layout.Extent;
import io.nacre.engine.layout.Layout;
import io.nacre.engine.layout.LayoutTemplate;
import io.nacre.engine.layout.LayoutTemplate.Entry;
import io.nacre.engine.layout.ObjectRef;
import io.nacre.engine.meta.Attr;
import io.nacre.engine.meta.CreateSpec;
import io.nacre.engine.meta.FileType;
import io.nacre.engine.meta.MetadataService;
import io.nacre.engine.meta.SetAttr;
import io.nacre.engine.store.Durability;
import io.nacre.engine.store.ObjectStore;
import io.nacre.meta.testkit.EmbeddedCore;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** FileIo against the real MDS and OSTs, embedded: data read back is data written, through every kind of layout. */
class FileIoTest {

    static final int K64 = 64 * 1024;
    static final int MIB = 1 << 20;

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
        // Small windows, so that the tests' few MiB go through many windows and stripe rows.
        io = FileIo.builder(mds, objects).windowBytes(256 * 1024).maxInFlightBytes(MIB).build();
    }

    @AfterEach
    void stop() {
        if (io != null) {
            io.close();
        }
        if (core != null) {
            core.close();
        }
    }

    static Stream<Arguments> layouts() {
        return Stream.of(
                Arguments.of("one stripe", LayoutTemplate.of(1, MIB, "")),
                Arguments.of("four stripes of 64 KiB", LayoutTemplate.of(4, K64, "")),
                Arguments.of("PFL", new LayoutTemplate(List.of(
                        Entry.raid0(256 * 1024, 1, K64, ""),
                        Entry.raid0(2L * MIB, 2, 128 * 1024, ""),
                        Entry.raid0(Extent.EOF, 3, K64, "")))),
                Arguments.of("data on MDT, then striped", new LayoutTemplate(List.of(
                        Entry.dataOnMdt(128 * 1024),
                        Entry.raid0(Extent.EOF, 3, K64, "")))));
    }

    Fid create(String name, LayoutTemplate template) {
        CreateSpec spec = CreateSpec.builder(FileType.REGULAR).layout(template).build();
        return mds.create(Caller.ROOT, Fid.ROOT, name, spec).attr().fid();
    }

    static byte[] random(Random rnd, int n) {
        byte[] b = new byte[n];
        rnd.nextBytes(b);
        return b;
    }

    byte[] read(Fid fid, long offset, int length) {
        ByteBuffer dst = ByteBuffer.allocate(length);
        int n = io.read(fid, offset, dst);
        return Arrays.copyOf(dst.array(), n);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("layouts")
    void randomWritesAndReadsMatchAReferenceFile(String what, LayoutTemplate template) {
        Fid fid = create("random", template);
        Random rnd = new Random(what.hashCode());
        byte[] reference = new byte[6 * MIB];
        long size = 0;
        for (int op = 0; op < 40; op++) {
            int off = rnd.nextInt(reference.length - 1);
            int len = Math.min(reference.length - off, rnd.nextInt(4) == 0 ? rnd.nextInt(16) : rnd.nextInt(MIB));
            byte[] data = random(rnd, len);
            System.arraycopy(data, 0, reference, off, len);
            Durability d = rnd.nextBoolean() ? Durability.STABLE : Durability.UNSTABLE;
            ByteBuffer src = ByteBuffer.wrap(data);
            io.write(fid, off, src, d);
            assertThat(src.hasRemaining()).isFalse();
            if (len > 0) {
                size = Math.max(size, off + len);
            }
            assertThat(io.getattr(fid).size()).isEqualTo(size);
            int roff = rnd.nextInt(reference.length);
            int rlen = rnd.nextInt(Math.min(reference.length - roff, 2 * MIB) + 1);
            int expected = (int) Math.max(0, Math.min(rlen, size - roff));
            assertThat(read(fid, roff, rlen)).as("read of [%d, +%d) after %d writes", roff, rlen, op + 1)
                    .isEqualTo(Arrays.copyOfRange(reference, roff, roff + expected));
            if (rnd.nextInt(8) == 0) {
                io.commit(fid);
            }
        }
        io.commit(fid);
        assertThat(mds.getattr(fid).size()).as("the MDS has the size after commit").isEqualTo(size);
        assertThat(read(fid, 0, reference.length)).isEqualTo(Arrays.copyOf(reference, (int) size));
    }

    @Test
    void aViewReadsTheFileAndTellsWhetherItsDataChangedSince() {
        Fid fid = create("view", LayoutTemplate.of(4, K64, ""));
        byte[] data = random(new Random(7), 3 * MIB + 5);
        io.write(fid, 0, ByteBuffer.wrap(data), Durability.STABLE);
        FileIo.ReadView v = io.view(io.getattr(fid));
        ByteBuffer all = ByteBuffer.allocate(data.length + 10);
        assertThat(io.read(v, 0, all)).isEqualTo(data.length);
        assertThat(Arrays.copyOf(all.array(), data.length)).isEqualTo(data);
        ByteBuffer middle = ByteBuffer.allocate(200_000);
        assertThat(io.read(v, MIB - 7, middle)).isEqualTo(200_000);
        assertThat(middle.array()).isEqualTo(Arrays.copyOfRange(data, MIB - 7, MIB - 7 + 200_000));
        assertThat(io.read(v, data.length, ByteBuffer.allocate(5))).isZero();
        assertThat(io.unchanged(v)).isTrue();

        // Attributes that are not the data (mode) leave it unchanged; a write, a truncate do not.
        mds.setattr(Caller.ROOT, fid, SetAttr.builder().mode(0600).build());
        assertThat(io.unchanged(v)).isTrue();
        io.write(fid, 10, ByteBuffer.wrap(new byte[] {1}), Durability.STABLE);
        assertThat(io.unchanged(v)).isFalse();
        FileIo.ReadView before = io.view(io.getattr(fid));
        io.truncate(Caller.ROOT, fid, MIB);
        assertThat(io.unchanged(before)).isFalse();
        // Reads through a view stop at its size, whatever the file's now (here zeros, the truncated part).
        ByteBuffer beyond = ByteBuffer.allocate(K64);
        assertThat(io.read(before, 2L * MIB, beyond)).isEqualTo(K64);
        assertThat(beyond.array()).isEqualTo(new byte[K64]);
        assertThatThrownBy(() -> io.view(mds.getattr(Fid.ROOT)))
                .isInstanceOfSatisfying(NacreException.class, e -> assertThat(e.status()).isEqualTo(Status.IS_DIR));
    }

    @Test
    void holesReadAsZerosAndReadsStopAtTheEnd() {
        Fid fid = create("holes", LayoutTemplate.of(4, K64, ""));
        byte[] data = random(new Random(1), 1000);
        io.write(fid, 5L * MIB + 3, ByteBuffer.wrap(data), Durability.STABLE);
        assertThat(mds.getattr(fid).size()).isEqualTo(5L * MIB + 1003);
        assertThat(read(fid, 0, 5 * MIB + 3)).containsOnly(0);
        assertThat(read(fid, 5L * MIB + 3, 2000)).isEqualTo(data);
        assertThat(io.read(fid, 5L * MIB + 1003, ByteBuffer.allocate(10))).isZero();
        assertThat(io.read(fid, Long.MAX_VALUE - 1, ByteBuffer.allocate(10))).isZero();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("layouts")
    void truncateThenExtendReadsZeros(String what, LayoutTemplate template) {
        Fid fid = create("truncate", template);
        byte[] data = random(new Random(2), 3 * MIB);
        io.write(fid, 0, ByteBuffer.wrap(data), Durability.STABLE);
        long cut = MIB + 7;
        assertThat(io.truncate(Caller.ROOT, fid, cut).size()).isEqualTo(cut);
        assertThat(mds.pendingDestroys(100)).as("the punches were done and acknowledged").isEmpty();
        assertThat(io.read(fid, cut, ByteBuffer.allocate(10))).isZero();
        // Growing again by a write: the bytes between are zeros, not the old data.
        io.write(fid, 4L * MIB, ByteBuffer.wrap(new byte[] {9}), Durability.STABLE);
        assertThat(read(fid, 0, (int) cut)).isEqualTo(Arrays.copyOf(data, (int) cut));
        assertThat(read(fid, cut, (int) (4L * MIB - cut))).containsOnly(0);
        // Growing by truncate, then shrinking and growing again.
        io.truncate(Caller.ROOT, fid, 10);
        io.truncate(Caller.ROOT, fid, 5L * MIB);
        assertThat(read(fid, 0, 10)).isEqualTo(Arrays.copyOf(data, 10));
        assertThat(read(fid, 10, 5 * MIB)).hasSize(5 * MIB - 10).containsOnly(0);
    }

    @Test
    void unstableWritesShowInGetattrAndReachTheMdsAtCommit() {
        try (FileIo slow = FileIo.builder(mds, objects).pendingFlushInterval(Duration.ofHours(1)).build()) {
            Fid fid = create("unstable", LayoutTemplate.of(2, K64, ""));
            long v = slow.write(fid, MIB, ByteBuffer.wrap(new byte[100]), Durability.UNSTABLE);
            assertThat(slow.getattr(fid).size()).isEqualTo(MIB + 100);
            assertThat(mds.getattr(fid).size()).as("not recorded before the commit").isZero();
            assertThat(slow.commit(fid)).as("no OST restarted: same verifier").isEqualTo(v);
            assertThat(mds.getattr(fid).size()).isEqualTo(MIB + 100);
            assertThat(slow.verifier()).isEqualTo(v).isNotEqualTo(io.verifier());
        }
    }

    @Test
    void thePeriodicFlushRecordsUnstableSizes() {
        try (FileIo quick = FileIo.builder(mds, objects).pendingFlushInterval(Duration.ofMillis(20)).build()) {
            Fid fid = create("flushed", LayoutTemplate.of(1, K64, ""));
            quick.write(fid, 0, ByteBuffer.wrap(new byte[5000]), Durability.UNSTABLE);
            Poll.until(Duration.ofSeconds(20), "the flush records the size", () -> mds.getattr(fid).size() == 5000);
        }
    }

    @Test
    void closingCommitsWhatIsPending() {
        Fid fid = create("closed", LayoutTemplate.of(1, K64, ""));
        FileIo other = FileIo.builder(mds, objects).pendingFlushInterval(Duration.ofHours(1)).build();
        other.write(fid, 0, ByteBuffer.wrap(new byte[] {1, 2, 3}), Durability.UNSTABLE);
        other.close();
        assertThat(mds.getattr(fid).size()).isEqualTo(3);
        assertThatThrownBy(() -> other.read(fid, 0, ByteBuffer.allocate(1)))
                .isInstanceOfSatisfying(NacreException.class, e -> assertThat(e.status()).isEqualTo(Status.UNAVAILABLE));
    }

    @Test
    void stableDataSurvivesARestart() {
        Fid fid = create("durable", LayoutTemplate.of(4, K64, ""));
        byte[] data = random(new Random(3), 3 * MIB + 5);
        io.write(fid, 123, ByteBuffer.wrap(data), Durability.STABLE);
        io.close();
        io = null;
        core.close();
        core = EmbeddedCore.start(dir.resolve("core"));
        mds = core.metadata();
        objects = core.objects();
        io = new FileIo(mds, objects);
        assertThat(io.getattr(fid).size()).isEqualTo(123 + data.length);
        assertThat(read(fid, 123, data.length)).isEqualTo(data);
    }

    @Test
    void badRequestsGetClearErrors() {
        Fid fid = create("bad", LayoutTemplate.of(1, K64, ""));
        assertThatThrownBy(() -> io.read(Fid.ROOT, 0, ByteBuffer.allocate(1)))
                .isInstanceOfSatisfying(NacreException.class, e -> assertThat(e.status()).isEqualTo(Status.IS_DIR));
        assertThatThrownBy(() -> io.write(fid, -1, ByteBuffer.allocate(1), Durability.STABLE))
                .isInstanceOfSatisfying(NacreException.class, e -> assertThat(e.status()).isEqualTo(Status.INVALID));
        assertThatThrownBy(() -> io.write(fid, Long.MAX_VALUE, ByteBuffer.allocate(1), Durability.STABLE))
                .isInstanceOfSatisfying(NacreException.class, e -> assertThat(e.status()).isEqualTo(Status.TOO_BIG));
        assertThatThrownBy(() -> io.truncate(Caller.ROOT, fid, -1))
                .isInstanceOfSatisfying(NacreException.class, e -> assertThat(e.status()).isEqualTo(Status.INVALID));
        Fid gone = new Fid(Fid.FIRST_NORMAL_SEQ + 999, 1, 0);
        assertThatThrownBy(() -> io.read(gone, 0, ByteBuffer.allocate(1))).isInstanceOf(NacreException.class);
        assertThat(io.write(fid, 0, ByteBuffer.allocate(0), Durability.STABLE)).isEqualTo(io.verifier());
        assertThat(mds.getattr(fid).size()).isZero();
    }

    @Test
    void aComponentGetsItsObjectsWhenAWriteFirstReachesIt() {
        Fid fid = create("pfl", new LayoutTemplate(List.of(
                Entry.raid0(MIB, 1, K64, ""), Entry.raid0(Extent.EOF, 2, K64, ""))));
        assertThat(mds.layout(fid).components().get(1).raid0().instantiated()).isFalse();
        io.write(fid, 0, ByteBuffer.allocate(10), Durability.STABLE);
        assertThat(mds.layout(fid).components().get(1).raid0().instantiated()).isFalse();
        io.write(fid, MIB - 5, ByteBuffer.wrap(new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10}), Durability.STABLE);
        Layout l = mds.layout(fid);
        assertThat(l.components().get(1).raid0().instantiated()).isTrue();
        ObjectRef second = l.components().get(1).raid0().objects().get(0);
        assertThat(objects.stat(second).size()).isEqualTo(5);
        assertThat(read(fid, MIB - 5, 20)).containsExactly(1, 2, 3, 4, 5, 6, 7, 8, 9, 10);
    }

    @Test
    void spaceUsedAndTheGlimpseAddUpEveryObjectWithoutItsHoles() {
        Fid fid = create("sparse", LayoutTemplate.of(4, K64, ""));
        assertThat(io.spaceUsed(fid)).isZero();
        assertThat(io.glimpse(fid)).isZero();
        // stripes 0 and 2 of the first row, and stripe 1 of a row 10 MiB on: stripe 3 holds nothing
        io.write(fid, 0, ByteBuffer.wrap(random(new Random(5), K64)), Durability.STABLE);
        io.write(fid, 2L * K64, ByteBuffer.wrap(random(new Random(6), K64)), Durability.STABLE);
        long far = 10L * MIB + K64;
        io.write(fid, far, ByteBuffer.wrap(random(new Random(7), 100)), Durability.STABLE);
        long sum = 0;
        for (ObjectRef o : mds.layout(fid).objects()) {
            sum += objects.stat(o).bytesUsed();
        }
        assertThat(io.spaceUsed(fid)).isEqualTo(sum).isGreaterThanOrEqualTo(2L * K64 + 100).isLessThan(far);
        assertThat(io.glimpse(fid)).isEqualTo(far + 100);
    }

    @Test
    void spaceUsedIsKeptForTheChangeAttributeItWasAskedAtAndNotWhileWritesAreUnrecorded() {
        Fid fid = create("kept", LayoutTemplate.of(4, K64, ""));
        io.write(fid, 0, ByteBuffer.wrap(random(new Random(8), K64)), Durability.STABLE);
        Attr a = io.getattr(fid);
        assertThat(io.keptSpaceUsed(a)).isEmpty();
        long used = io.spaceUsed(a);
        assertThat(used).isEqualTo(io.spaceUsed(fid)).isPositive();
        assertThat(io.keptSpaceUsed(a)).hasValue(used);

        // bytes put on an object behind the MDS's back move no change attribute: what was kept stays kept
        ObjectRef third = mds.layout(fid).objects().get(2);
        objects.write(third, 0, ByteBuffer.wrap(random(new Random(9), K64)), Durability.STABLE);
        assertThat(io.keptSpaceUsed(a)).hasValue(used);
        io.forgetSpaceUsed(fid);
        assertThat(io.keptSpaceUsed(a)).as("forgotten").isEmpty();
        long more = io.spaceUsed(a);
        assertThat(more).isGreaterThan(used);

        // unstable writes move the objects before the MDS records them: nothing kept is answered meanwhile
        io.write(fid, K64, ByteBuffer.wrap(random(new Random(10), K64)), Durability.UNSTABLE);
        assertThat(io.keptSpaceUsed(a)).isEmpty();
        assertThat(io.spaceUsed(a)).isGreaterThan(more);
        assertThat(io.keptSpaceUsed(a)).as("not kept either").isEmpty();
        io.commit(fid);
        Attr committed = io.getattr(fid);
        assertThat(committed.change()).isNotEqualTo(a.change());
        assertThat(io.keptSpaceUsed(committed)).as("nothing kept at the new change attribute").isEmpty();

        // a truncate moves the change attribute, and its punches come before what is asked at the new one
        long full = io.spaceUsed(committed);
        Attr cut = io.truncate(Caller.ROOT, fid, 100);
        assertThat(io.keptSpaceUsed(cut)).isEmpty();
        assertThat(io.spaceUsed(cut)).isEqualTo(io.spaceUsed(fid)).isLessThan(full);
        assertThat(io.keptSpaceUsed(cut)).hasValue(io.spaceUsed(fid));
    }
}
