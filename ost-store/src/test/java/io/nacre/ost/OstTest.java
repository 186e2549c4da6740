package io.nacre.ost;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nacre.engine.NacreException;
import io.nacre.engine.Status;
import io.nacre.engine.fault.Faults;
import io.nacre.engine.store.Durability;
import io.nacre.engine.store.ObjectStat;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What only the LMDB OST itself shows: chunk size kept, fault points, closing, the bandwidth limit. */
class OstTest {

    @TempDir
    Path tmp;

    @AfterEach
    void disarm() {
        Faults.disarmAll();
    }

    private static OstOptions small(int chunk) {
        return OstOptions.builder().chunkSize(chunk).mapSize(1L << 30).build();
    }

    static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    static byte[] read(Ost ost, long id, long offset, int n) {
        ByteBuffer dst = ByteBuffer.allocate(n);
        int got = ost.read(id, offset, dst);
        return java.util.Arrays.copyOf(dst.array(), got);
    }

    @Test
    void objectsStoredBeforeWriteTimesListAsWrittenWhenTheOstFirstKeptThem() {
        try (Ost ost = Ost.open(tmp, 0, small(4096))) {
            ost.write(7, 0, ByteBuffer.wrap(random(5000, 7)), Durability.STABLE);
        }
        // As an OST of before 2026-11-23 left it: records of size and bytes used only, no dated-since.
        try (org.lmdbjava.Env<ByteBuffer> env = org.lmdbjava.Env.create().setMapSize(1L << 30).setMaxDbs(4)
                .open(tmp.toFile())) {
            var objects = env.openDbi("objects");
            var meta = env.openDbi("meta");
            try (var txn = env.txnWrite()) {
                ByteBuffer key = ByteBuffer.allocateDirect(8).putLong(0, 7);
                ByteBuffer v = objects.get(txn, key);
                assertThat(v.remaining()).isEqualTo(24);
                ByteBuffer old = ByteBuffer.allocateDirect(16).putLong(v.getLong(v.position()))
                        .putLong(v.getLong(v.position() + 8)).flip();
                objects.put(txn, key, old);
                byte[] name = "dated-since".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
                assertThat(meta.delete(txn, ByteBuffer.allocateDirect(name.length).put(name).flip())).isTrue();
                txn.commit();
            }
        }
        long reopened = System.currentTimeMillis();
        try (Ost ost = Ost.open(tmp, 0, small(4096))) {
            assertThat(ost.stat(7)).isEqualTo(new ObjectStat(5000, 5000));
            var listed = ost.list(0, 10);
            assertThat(listed).hasSize(1);
            assertThat(listed.get(0).lastWriteMillis()).as("no earlier than the first open that kept times")
                    .isGreaterThanOrEqualTo(reopened);
            assertThat(read(ost, 7, 0, 5000)).isEqualTo(random(5000, 7));
        }
    }

    @Test
    void anOstStaysWithTheFileSystemItFirstJoined() {
        try (Ost ost = Ost.open(tmp, 0, small(4096))) {
            ost.bindFilesystem(0x1234);
            ost.bindFilesystem(0x1234);
        }
        try (Ost ost = Ost.open(tmp, 0, small(4096))) {
            ost.bindFilesystem(0x1234);
            assertThatThrownBy(() -> ost.bindFilesystem(0x9999))
                    .isInstanceOf(NacreException.class)
                    .hasMessageContaining("belongs to file system 0x1234")
                    .extracting(e -> ((NacreException) e).status()).isEqualTo(Status.INVALID);
        }
    }

    @Test
    void chunkSizeIsFixedWhenTheOstIsCreated() {
        byte[] data = random(100_000, 1);
        try (Ost ost = Ost.open(tmp, 0, small(4096))) {
            ost.write(1, 0, ByteBuffer.wrap(data), Durability.STABLE);
        }
        try (Ost ost = Ost.open(tmp, 0, small(65536))) {
            assertThat(ost.chunkSize()).isEqualTo(4096);
            assertThat(read(ost, 1, 0, 100_000)).isEqualTo(data);
        }
    }

    @Test
    void failureBeforeCommitLeavesTheOldBytes() {
        try (Ost ost = Ost.open(tmp, 0, small(4096))) {
            byte[] old = random(10_000, 2);
            ost.write(1, 0, ByteBuffer.wrap(old), Durability.STABLE);
            Faults.arm(Ost.FAULT_BEFORE_COMMIT, Faults.Fault.failOnce());
            assertThatThrownBy(() -> ost.write(1, 5000, ByteBuffer.wrap(random(10_000, 3)), Durability.STABLE))
                    .isInstanceOfSatisfying(NacreException.class, e -> assertThat(e.status()).isEqualTo(Status.IO));
            assertThat(read(ost, 1, 0, 20_000)).isEqualTo(old);
            assertThat(ost.stat(1)).isEqualTo(new ObjectStat(10_000, 10_000));
            assertThat(Faults.hits(Ost.FAULT_BEFORE_COMMIT)).isEqualTo(1);
            // The next write goes through.
            ost.write(1, 10_000, ByteBuffer.wrap(old), Durability.STABLE);
            assertThat(ost.stat(1).size()).isEqualTo(20_000);
        }
    }

    @Test
    void failureAfterCommitStillLeavesTheNewBytes() {
        try (Ost ost = Ost.open(tmp, 0, small(4096))) {
            byte[] data = random(10_000, 4);
            Faults.arm(Ost.FAULT_AFTER_COMMIT, Faults.Fault.failOnce());
            assertThatThrownBy(() -> ost.write(1, 0, ByteBuffer.wrap(data), Durability.STABLE))
                    .isInstanceOf(NacreException.class);
            assertThat(read(ost, 1, 0, 10_000)).isEqualTo(data);
        }
        try (Ost ost = Ost.open(tmp, 0, small(4096))) {
            assertThat(read(ost, 1, 0, 10_000)).isEqualTo(random(10_000, 4));
        }
    }

    @Test
    void aWriteLargerThanOneTransactionLandsWhole() {
        byte[] data = random(40 << 20, 5);
        try (Ost ost = Ost.open(tmp, 0, small(65536))) {
            ByteBuffer src = ByteBuffer.wrap(data);
            ost.write(1, 3, src, Durability.STABLE);
            assertThat(src.hasRemaining()).isFalse();
            assertThat(ost.stat(1)).isEqualTo(new ObjectStat(3 + data.length, 3 + data.length));
        }
        try (Ost ost = Ost.open(tmp, 0, small(65536))) {
            assertThat(read(ost, 1, 3, data.length)).isEqualTo(data);
        }
    }

    @Test
    void callsAfterCloseAreUnavailable() {
        Ost ost = Ost.open(tmp, 2, small(4096));
        ost.close();
        ost.close();
        assertThatThrownBy(() -> ost.read(1, 0, ByteBuffer.allocate(1)))
                .isInstanceOfSatisfying(NacreException.class, e -> assertThat(e.status()).isEqualTo(Status.UNAVAILABLE));
        assertThatThrownBy(() -> ost.write(1, 0, ByteBuffer.allocate(1), Durability.STABLE))
                .isInstanceOfSatisfying(NacreException.class, e -> assertThat(e.status()).isEqualTo(Status.UNAVAILABLE));
    }

    @Test
    void bandwidthLimitPacesTransfers() {
        OstOptions limited = OstOptions.builder().chunkSize(65536).mapSize(1L << 30).bandwidthLimit(4 << 20).build();
        try (Ost ost = Ost.open(tmp, 0, limited)) {
            long start = System.nanoTime();
            for (int i = 0; i < 8; i++) {
                ost.write(1, i * 262_144L, ByteBuffer.allocate(262_144), Durability.UNSTABLE);
            }
            // 2 MiB at 4 MiB/s cannot take less than half a second, however fast the disk.
            assertThat((System.nanoTime() - start) / 1e9).isGreaterThanOrEqualTo(0.45);
        }
    }

    @Test
    void anOstIsOpenOnlyOnceInAProcess() {
        try (Ost ost = Ost.open(tmp, 0, small(4096))) {
            assertThatThrownBy(() -> Ost.open(tmp.resolve("."), 1, small(4096)))
                    .isInstanceOfSatisfying(NacreException.class, e -> assertThat(e.status()).isEqualTo(Status.BUSY));
            assertThat(ost.instance()).isPositive();
        }
        try (Ost again = Ost.open(tmp, 0, small(4096))) {
            assertThat(again.index()).isZero();
        }
    }

    @Test
    void badOptionsAreRefused() {
        assertThatThrownBy(() -> OstOptions.builder().chunkSize(3000)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> OstOptions.builder().bandwidthLimit(-1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Ost.open(tmp, -1, small(4096))).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void readsOnFreshThreadsSeeEachCommittedChangeWithoutTheWal() throws Exception {
        readsSeeEachCommittedChange(OstOptions.builder().chunkSize(4096).mapSize(1L << 30).wal(false).build(), false);
    }

    @Test
    void readsOnFreshThreadsSeeEachCommittedChangeAfterCheckpoints() throws Exception {
        readsSeeEachCommittedChange(small(4096), true);
    }

    /**
     * Each change and each read on a new virtual thread, as the destroyer's calls run: the read transactions
     * that views reuse (reset, renewed) must show the latest commit, never the snapshot they were last used on.
     */
    private void readsSeeEachCommittedChange(OstOptions options, boolean checkpoint) throws Exception {
        try (ExecutorService fresh = Executors.newVirtualThreadPerTaskExecutor()) {
            try (Ost ost = Ost.open(tmp, 0, options)) {
                for (int round = 0; round < 24; round++) {
                    byte[] data = random(5000 + round, round);
                    onItsOwnThread(fresh, () -> ost.write(7, 0, ByteBuffer.wrap(data), Durability.STABLE));
                    if (checkpoint && round % 2 == 0) {
                        ost.checkpointNow(); // LMDB holds it now, not the overlay
                    }
                    int n = round;
                    onItsOwnThread(fresh, () -> {
                        assertThat(ost.stat(7).size()).isEqualTo(5000 + n);
                        assertThat(read(ost, 7, 0, data.length)).isEqualTo(data);
                    });
                }
                onItsOwnThread(fresh, () -> ost.destroy(7));
                if (checkpoint) {
                    ost.checkpointNow();
                }
                onItsOwnThread(fresh, () -> assertThat(ost.stat(7)).isEqualTo(ObjectStat.ABSENT));
                ost.write(8, 0, ByteBuffer.wrap(random(10, 1)), Durability.STABLE);
            }
            // The views' idle transactions were closed with the OST: it opens again, its data whole.
            try (Ost again = Ost.open(tmp, 0, options)) {
                assertThat(again.stat(7)).isEqualTo(ObjectStat.ABSENT);
                assertThat(read(again, 8, 0, 10)).isEqualTo(random(10, 1));
            }
        }
    }

    private static void onItsOwnThread(ExecutorService fresh, Runnable r) throws Exception {
        try {
            fresh.submit(r).get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Error err) {
                throw err; // an AssertionError of the check
            }
            throw e;
        }
    }
}
