package io.nacre.ost;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nacre.engine.NacreException;
import io.nacre.engine.Status;
import io.nacre.engine.layout.ObjectRef;
import io.nacre.engine.store.Durability;
import io.nacre.engine.store.ListedObject;
import io.nacre.engine.store.ObjectStat;
import io.nacre.engine.store.ObjectStore;
import io.nacre.engine.store.OstInfo;
import io.nacre.engine.store.OstUsage;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What every {@link ObjectStore} binding must do, local or remote: the same assertions run against
 * {@link LocalObjectStore} and against RemoteObjectStore talking to a real OSS on 127.0.0.1. The OSTs are
 * indexes 0 and 3, with 64 KiB chunks so that a few hundred KiB cross several chunks.
 */
public abstract class ObjectStoreContract {

    protected static final int CHUNK = 64 * 1024;
    protected static final ObjectRef A = new ObjectRef(0, 1);
    protected static final ObjectRef B = new ObjectRef(3, 1);

    @TempDir
    protected Path tmp;

    protected ObjectStore store;

    /** Opens (or reopens, keeping data) the OSTs under {@code tmp} and the binding under test. */
    protected abstract ObjectStore open(Path root);

    /** Closes the binding and its OSTs. */
    protected abstract void closeAll();

    protected static OstOptions options() {
        return OstOptions.builder().chunkSize(CHUNK).mapSize(1L << 30).build();
    }

    @BeforeEach
    void start() {
        store = open(tmp);
    }

    @AfterEach
    void stop() {
        closeAll();
    }

    protected static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    protected byte[] readAll(ObjectRef ref, long offset, int length) {
        ByteBuffer dst = ByteBuffer.allocate(length);
        int n = store.read(ref, offset, dst);
        assertThat(n).isEqualTo(dst.position());
        byte[] out = new byte[n];
        System.arraycopy(dst.array(), 0, out, 0, n);
        return out;
    }

    @Test
    void listsItsOsts() {
        assertThat(store.osts()).extracting(OstInfo::index).containsExactly(0, 3);
    }

    @Test
    void absentObjectReadsEmpty() {
        assertThat(store.read(new ObjectRef(0, 99), 0, ByteBuffer.allocate(100))).isZero();
        assertThat(store.stat(new ObjectRef(0, 99))).isEqualTo(ObjectStat.ABSENT);
    }

    @Test
    void writtenBytesReadBackAcrossChunks() {
        byte[] data = random(5 * CHUNK + 123, 1);
        ByteBuffer src = ByteBuffer.wrap(data);
        long instance = store.write(A, 1000, src, Durability.STABLE);
        assertThat(src.hasRemaining()).isFalse();
        assertThat(instance).isEqualTo(store.instance(0));
        assertThat(readAll(A, 1000, data.length)).isEqualTo(data);
        assertThat(store.stat(A).size()).isEqualTo(1000 + data.length);
        // A read that starts and ends inside chunks.
        assertThat(readAll(A, 1000 + CHUNK - 7, 2 * CHUNK)).isEqualTo(
                java.util.Arrays.copyOfRange(data, CHUNK - 7, 3 * CHUNK - 7));
    }

    @Test
    void holesReadAsZeros() {
        byte[] data = random(1000, 2);
        store.write(A, 3 * CHUNK + 50, ByteBuffer.wrap(data), Durability.STABLE);
        byte[] all = readAll(A, 0, 3 * CHUNK + 1050);
        assertThat(all).hasSize(3 * CHUNK + 1050);
        for (int i = 0; i < 3 * CHUNK + 50; i++) {
            if (all[i] != 0) {
                throw new AssertionError("byte " + i + " of a hole is " + all[i]);
            }
        }
        assertThat(java.util.Arrays.copyOfRange(all, 3 * CHUNK + 50, all.length)).isEqualTo(data);
        assertThat(store.stat(A).bytesUsed()).isLessThan(2L * CHUNK);
    }

    @Test
    void readStopsAtTheEnd() {
        store.write(A, 0, ByteBuffer.wrap(random(10_000, 3)), Durability.STABLE);
        ByteBuffer dst = ByteBuffer.allocate(20_000);
        assertThat(store.read(A, 9_000, dst)).isEqualTo(1_000);
        assertThat(dst.position()).isEqualTo(1_000);
        assertThat(store.read(A, 10_000, ByteBuffer.allocate(10))).isZero();
        assertThat(store.read(A, 1L << 40, ByteBuffer.allocate(10))).isZero();
        assertThat(store.read(A, 0, ByteBuffer.allocate(0))).isZero();
    }

    @Test
    void readsIntoDirectBuffers() {
        byte[] data = random(3 * CHUNK, 4);
        store.write(A, 0, ByteBuffer.wrap(data), Durability.STABLE);
        ByteBuffer dst = ByteBuffer.allocateDirect(3 * CHUNK + 10);
        dst.position(10);
        assertThat(store.read(A, 0, dst)).isEqualTo(3 * CHUNK);
        byte[] got = new byte[3 * CHUNK];
        dst.flip().position(10);
        dst.get(got);
        assertThat(got).isEqualTo(data);
    }

    @Test
    void partialOverwriteKeepsTheRest() {
        byte[] data = random(2 * CHUNK, 5);
        store.write(A, 0, ByteBuffer.wrap(data), Durability.STABLE);
        byte[] patch = random(100, 6);
        store.write(A, CHUNK - 50, ByteBuffer.wrap(patch), Durability.UNSTABLE);
        System.arraycopy(patch, 0, data, CHUNK - 50, 100);
        assertThat(readAll(A, 0, 2 * CHUNK)).isEqualTo(data);
        assertThat(store.stat(A)).isEqualTo(new ObjectStat(2 * CHUNK, 2 * CHUNK));
    }

    @Test
    void unstableWritesAreReadableAndSyncKeepsTheInstance() {
        byte[] data = random(3000, 7);
        long w = store.write(B, 0, ByteBuffer.wrap(data), Durability.UNSTABLE);
        assertThat(readAll(B, 0, 3000)).isEqualTo(data);
        assertThat(store.sync(B)).isEqualTo(w).isEqualTo(store.instance(3));
    }

    @Test
    void truncatePunchesAndExtends() {
        byte[] data = random(4 * CHUNK, 8);
        store.write(A, 0, ByteBuffer.wrap(data), Durability.STABLE);
        store.truncate(A, CHUNK + 10);
        assertThat(store.stat(A)).isEqualTo(new ObjectStat(CHUNK + 10, CHUNK + 10));
        assertThat(readAll(A, 0, 4 * CHUNK)).isEqualTo(java.util.Arrays.copyOf(data, CHUNK + 10));
        store.truncate(A, 3 * CHUNK);
        byte[] extended = readAll(A, 0, 4 * CHUNK);
        assertThat(extended).hasSize(3 * CHUNK);
        assertThat(java.util.Arrays.copyOfRange(extended, CHUNK + 10, 3 * CHUNK)).containsOnly(0);
        assertThat(store.stat(A).bytesUsed()).isEqualTo(CHUNK + 10);
        // Writing past the punched range must not bring old bytes back.
        store.write(A, 2 * CHUNK + 5, ByteBuffer.wrap(new byte[] {9}), Durability.STABLE);
        assertThat(java.util.Arrays.copyOfRange(readAll(A, 0, 3 * CHUNK), 2 * CHUNK, 2 * CHUNK + 5)).containsOnly(0);
        store.truncate(A, 0);
        assertThat(store.stat(A)).isEqualTo(new ObjectStat(0, 0));
        assertThat(store.read(A, 0, ByteBuffer.allocate(10))).isZero();
    }

    @Test
    void truncateOfAbsentObjectToZeroCreatesNothing() {
        long before = store.usage(0).objects();
        store.truncate(new ObjectRef(0, 77), 0);
        assertThat(store.usage(0).objects()).isEqualTo(before);
        store.truncate(new ObjectRef(0, 77), 5000);
        assertThat(store.stat(new ObjectRef(0, 77))).isEqualTo(new ObjectStat(5000, 0));
        assertThat(readAll(new ObjectRef(0, 77), 0, 6000)).hasSize(5000).containsOnly(0);
    }

    @Test
    void destroyFreesTheObject() {
        OstUsage empty = store.usage(0);
        store.write(A, 0, ByteBuffer.wrap(random(8 * CHUNK, 9)), Durability.STABLE);
        store.write(new ObjectRef(0, 2), 0, ByteBuffer.wrap(random(100, 10)), Durability.STABLE);
        OstUsage full = store.usage(0);
        assertThat(full.objects()).isEqualTo(empty.objects() + 2);
        assertThat(full.bytesUsed()).isGreaterThanOrEqualTo(empty.bytesUsed() + 8L * CHUNK);
        assertThat(full.bytesTotal()).isEqualTo(full.bytesUsed() + full.bytesFree());
        store.destroy(A);
        assertThat(store.stat(A)).isEqualTo(ObjectStat.ABSENT);
        assertThat(store.read(A, 0, ByteBuffer.allocate(10))).isZero();
        OstUsage after = store.usage(0);
        assertThat(after.objects()).isEqualTo(empty.objects() + 1);
        assertThat(after.bytesUsed()).isLessThan(full.bytesUsed() - 7L * CHUNK);
        store.destroy(A);
        assertThat(store.stat(new ObjectRef(0, 2)).size()).isEqualTo(100);
    }

    @Test
    void ostsOnOneDiskNameItSoTotalsCountItsFreeSpaceOnce() {
        OstUsage a = store.usage(0);
        OstUsage b = store.usage(B.ost());
        assertThat(a.device()).isNotEmpty().isEqualTo(b.device());
        assertThat(a.deviceFree()).isPositive();
        assertThat(a.growth()).isPositive().isLessThanOrEqualTo(a.bytesFree());
        long ownFree = a.bytesFree() - a.growth() + b.bytesFree() - b.growth();
        assertThat(OstUsage.total(java.util.List.of(a, b)).bytesFree())
                .isLessThanOrEqualTo(ownFree + Math.max(a.deviceFree(), b.deviceFree()));
    }

    @Test
    void objectsOnDifferentOstsAreApart() {
        store.write(A, 0, ByteBuffer.wrap(random(100, 11)), Durability.STABLE);
        store.write(B, 0, ByteBuffer.wrap(random(200, 12)), Durability.STABLE);
        assertThat(store.stat(A).size()).isEqualTo(100);
        assertThat(store.stat(B).size()).isEqualTo(200);
        assertThat(readAll(B, 0, 200)).isEqualTo(random(200, 12));
    }

    @Test
    void badInputGetsAClearStatusAndChangesNothing() {
        byte[] data = random(1000, 13);
        store.write(A, 0, ByteBuffer.wrap(data), Durability.STABLE);
        assertStatus(() -> store.write(A, -1, ByteBuffer.wrap(new byte[10]), Durability.STABLE), Status.INVALID);
        assertStatus(() -> store.read(A, -5, ByteBuffer.allocate(10)), Status.INVALID);
        assertStatus(() -> store.truncate(A, -1), Status.INVALID);
        assertStatus(() -> store.write(A, Long.MAX_VALUE - 5, ByteBuffer.wrap(new byte[10]), Durability.STABLE),
                Status.TOO_BIG);
        ObjectRef nowhere = new ObjectRef(7, 1);
        assertStatus(() -> store.write(nowhere, 0, ByteBuffer.wrap(new byte[10]), Durability.STABLE), Status.NOT_FOUND);
        assertStatus(() -> store.read(nowhere, 0, ByteBuffer.allocate(10)), Status.NOT_FOUND);
        assertStatus(() -> store.stat(nowhere), Status.NOT_FOUND);
        assertStatus(() -> store.usage(7), Status.NOT_FOUND);
        assertStatus(() -> store.instance(7), Status.NOT_FOUND);
        assertThat(readAll(A, 0, 2000)).isEqualTo(data);
    }

    @Test
    void concurrentWritersEachKeepTheirBytes() throws Exception {
        int writers = 8;
        int writes = 12;
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> done = new ArrayList<>();
            for (int w = 0; w < writers; w++) {
                ObjectRef ref = new ObjectRef(w % 2 == 0 ? 0 : 3, 100 + w);
                int seed = w;
                done.add(pool.submit(() -> {
                    for (int i = 0; i < writes; i++) {
                        // Unaligned pieces, so that neighbours read-modify-write the same chunks.
                        store.write(ref, (long) i * 10_000, ByteBuffer.wrap(random(10_000, seed * 1000L + i)),
                                i % 3 == 0 ? Durability.UNSTABLE : Durability.STABLE);
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
        }
        for (int w = 0; w < writers; w++) {
            ObjectRef ref = new ObjectRef(w % 2 == 0 ? 0 : 3, 100 + w);
            assertThat(store.stat(ref).size()).isEqualTo(writes * 10_000L);
            for (int i = 0; i < writes; i++) {
                assertThat(readAll(ref, (long) i * 10_000, 10_000)).isEqualTo(random(10_000, w * 1000L + i));
            }
        }
    }

    @Test
    void reopenKeepsObjectsAndIssuesANewInstance() {
        byte[] data = random(3 * CHUNK + 17, 14);
        store.write(A, 5, ByteBuffer.wrap(data), Durability.STABLE);
        store.write(B, 0, ByteBuffer.wrap(data), Durability.UNSTABLE);
        store.sync(B);
        long before = store.instance(0);
        closeAll();
        store = open(tmp);
        assertThat(store.instance(0)).isNotEqualTo(before);
        assertThat(readAll(A, 5, data.length)).isEqualTo(data);
        assertThat(readAll(B, 0, data.length)).isEqualTo(data);
        assertThat(store.stat(A).size()).isEqualTo(5 + data.length);
    }

    /** Every object of an OST, read in pages of {@code max}; checks that only the last page is short. */
    protected List<ListedObject> listAll(int ost, int max) {
        List<ListedObject> all = new ArrayList<>();
        long after = 0;
        while (true) {
            List<ListedObject> page = store.list(ost, after, max);
            assertThat(page.size()).isLessThanOrEqualTo(max);
            all.addAll(page);
            if (page.size() < max) {
                return all;
            }
            after = page.get(page.size() - 1).id();
        }
    }

    private void assertListingMatchesStat(int ost, List<ListedObject> listed) {
        for (ListedObject o : listed) {
            ObjectStat st = store.stat(new ObjectRef(ost, o.id()));
            assertThat(new ObjectStat(o.size(), o.bytesUsed())).as("object " + o.id()).isEqualTo(st);
        }
    }

    @Test
    void listingGivesTheObjectsInIdOrderWithTheirLastWriteAPageAtATime() {
        long t0 = System.currentTimeMillis();
        for (long id : new long[] {9, 2, 70_000, 5, 13, 1, 300}) {
            store.write(new ObjectRef(0, id), 0, ByteBuffer.wrap(random((int) (id % 1000) + 1, id)), Durability.STABLE);
        }
        store.truncate(new ObjectRef(0, 40), 5000); // exists, holds no bytes
        store.destroy(new ObjectRef(0, 13));
        store.write(B, 0, ByteBuffer.wrap(random(10, 1)), Durability.STABLE);
        long t1 = System.currentTimeMillis();
        List<Long> expected = List.of(1L, 2L, 5L, 9L, 40L, 300L, 70_000L);
        for (int max : new int[] {1, 2, 3, 7, ObjectStore.LIST_MAX}) {
            assertThat(listAll(0, max)).as("pages of " + max).extracting(ListedObject::id).isEqualTo(expected);
        }
        List<ListedObject> listed = store.list(0, 0, ObjectStore.LIST_MAX);
        assertListingMatchesStat(0, listed);
        assertThat(listed).allSatisfy(o -> assertThat(o.lastWriteMillis()).isBetween(t0, t1));
        assertThat(store.list(0, 9, 2)).extracting(ListedObject::id).containsExactly(40L, 300L);
        assertThat(store.list(0, 70_000, 5)).isEmpty();
        assertThat(store.list(3, 0, 5)).extracting(ListedObject::id).containsExactly(1L);

        // a read does not count as a write; a reopen (the WAL checkpointed into LMDB) keeps the times
        readAll(new ObjectRef(0, 9), 0, 10);
        closeAll();
        store = open(tmp);
        assertThat(store.list(0, 0, ObjectStore.LIST_MAX)).isEqualTo(listed);

        // objects in the WAL over those in LMDB: a new one, a destroyed one, one written again
        long t2 = System.currentTimeMillis();
        store.write(new ObjectRef(0, 3), 0, ByteBuffer.wrap(random(77, 3)), Durability.STABLE);
        store.destroy(new ObjectRef(0, 5));
        store.write(new ObjectRef(0, 9), 2000, ByteBuffer.wrap(random(5, 9)), Durability.STABLE);
        List<Long> now = List.of(1L, 2L, 3L, 9L, 40L, 300L, 70_000L);
        for (int max : new int[] {1, 2, 3, ObjectStore.LIST_MAX}) {
            assertThat(listAll(0, max)).as("pages of " + max).extracting(ListedObject::id).isEqualTo(now);
        }
        List<ListedObject> after = store.list(0, 0, ObjectStore.LIST_MAX);
        assertListingMatchesStat(0, after);
        assertThat(after.get(3).lastWriteMillis()).as("written again").isGreaterThanOrEqualTo(t2);
        assertThat(after.get(0)).as("untouched").isEqualTo(listed.get(0));
    }

    @Test
    void aListingOfBadSizeIsRefused() {
        assertStatus(() -> store.list(0, 0, 0), Status.INVALID);
        assertStatus(() -> store.list(0, 0, ObjectStore.LIST_MAX + 1), Status.INVALID);
    }

    @Test
    void largeWriteAndReadInOneCall() {
        byte[] data = random(5 * 1024 * 1024 + 3, 15);
        store.write(B, 7, ByteBuffer.wrap(data), Durability.STABLE);
        assertThat(readAll(B, 7, data.length + 100)).isEqualTo(data);
    }

    @Test
    void corruptChunkIsDetectedOnRead() throws Exception {
        byte[] data = random(2 * CHUNK, 16);
        store.write(A, 0, ByteBuffer.wrap(data), Durability.STABLE);
        closeAll();
        OstFiles.flipByteOf(tmp.resolve("ost0"), java.util.Arrays.copyOfRange(data, CHUNK + 100, CHUNK + 164));
        store = open(tmp);
        assertThat(readAll(A, 0, CHUNK)).isEqualTo(java.util.Arrays.copyOf(data, CHUNK));
        assertStatus(() -> store.read(A, CHUNK + 5, ByteBuffer.allocate(10)), Status.CORRUPT);
        assertStatus(() -> store.read(A, 0, ByteBuffer.allocate(2 * CHUNK)), Status.CORRUPT);
        // A partial overwrite must not launder the bad bytes into a good checksum.
        assertStatus(() -> store.write(A, CHUNK + 1, ByteBuffer.wrap(new byte[3]), Durability.STABLE), Status.CORRUPT);
        assertStatus(() -> store.read(A, CHUNK, ByteBuffer.allocate(10)), Status.CORRUPT);
        // A whole-chunk overwrite replaces it.
        store.write(A, CHUNK, ByteBuffer.wrap(data, CHUNK, CHUNK), Durability.STABLE);
        assertThat(readAll(A, 0, 2 * CHUNK)).isEqualTo(data);
    }

    protected static void assertStatus(Runnable call, Status status) {
        assertThatThrownBy(call::run).isInstanceOfSatisfying(NacreException.class,
                e -> assertThat(e.status()).as(e.getMessage()).isEqualTo(status));
    }
}
