package io.nacre.meta;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import io.nacre.engine.Caller;
import io.nacre.engine.Fid;
import io.nacre.engine.NacreException;
import io.nacre.engine.Status;
import io.nacre.engine.fault.Faults;
import io.nacre.engine.meta.CreateSpec;
import io.nacre.engine.meta.MetadataService.RemoveKind;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The namespace's LMDB runs with WRITEMAP on a file system that overwrites in place, its file allocated on disk
 * ahead of LMDB's last page (a store into an unallocated page of a full disk would kill the JVM with SIGBUS); when
 * the disk gives no more, changes that take space are refused with NO_SPACE and removals still go through.
 */
class NamespaceRoomTest {

    /** A small reserve, so that a test grows past it with a few MiB of writes. */
    private static final long RESERVE = 1 << 20;

    @BeforeEach
    void smallReserve() {
        System.setProperty(NamespaceRoom.RESERVE_PROPERTY, Long.toString(RESERVE));
    }

    @AfterEach
    void restore() {
        System.clearProperty(NamespaceRoom.RESERVE_PROPERTY);
        System.clearProperty(NamespaceRoom.PROPERTY);
        Faults.disarmAll();
    }

    private static void assumeInPlaceFileSystem(Path dir) throws IOException {
        assumeThat(Files.getFileStore(dir).type()).as("a file system that overwrites in place")
                .isIn("ext4", "xfs", "tmpfs");
    }

    /** Blocks the file system holds for {@code file} (allocated, written or not), in bytes: what {@code du} counts. */
    private static long allocatedOnDisk(Path file) throws Exception {
        Process p = new ProcessBuilder("stat", "-c", "%b %B", file.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).strip();
        assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
        String[] f = out.split(" ");
        return Long.parseLong(f[0]) * Long.parseLong(f[1]);
    }

    private static long used(NamespaceStore s) {
        return (s.env.info().lastPageNumber + 1) * s.env.stat().pageSize;
    }

    /** One write transaction that stores {@code bytes} under {@code index}; returns the room ahead at its start. */
    private static long writeReply(NamespaceStore s, long index, int bytes) {
        byte[] v = new byte[bytes];
        Arrays.fill(v, (byte) index);
        try (Tx tx = s.write()) {
            long room = s.allocated() - used(s); // the last commit's pages: this transaction's start
            tx.putMeta("r" + index, v);
            tx.commit();
            return room;
        }
    }

    @Test
    void theFileIsAllocatedAheadOfLmdbsLastPageAsTheNamespaceGrowsAndReopens(@TempDir Path dir) throws Exception {
        assumeInPlaceFileSystem(dir);
        Path file = dir.resolve(NamespaceStore.DATA_FILE);
        try (NamespaceStore s = NamespaceStore.open(dir, null, true)) {
            assertThat(s.writemap()).isTrue();
            long first = s.allocated();
            for (int i = 0; i < 64; i++) { // 8 MiB: eight times the reserve
                assertThat(writeReply(s, i, 128 << 10)).as("room at the start of write %d", i + 1)
                        .isGreaterThanOrEqualTo(RESERVE / 2);
                assertThat(s.allocated()).isGreaterThanOrEqualTo(used(s));
                assertThat(allocatedOnDisk(file)).isGreaterThanOrEqualTo(s.allocated());
            }
            assertThat(s.allocated()).isGreaterThan(first + (8L << 20));
            assertThat(used(s)).isGreaterThan(8L << 20);
            assertThat(s.shortOfRoom()).isFalse();
        }
        // LMDB with WRITEMAP sizes the file to the map (sparse); what is on disk is what was allocated.
        assertThat(Files.size(file)).isEqualTo(NamespaceStore.MAP_SIZE);
        assertThat(allocatedOnDisk(file)).isLessThan(64L << 20);
        try (NamespaceStore s = NamespaceStore.open(dir, null, false)) {
            assertThat(s.writemap()).isTrue();
            assertThat(s.allocated()).isGreaterThanOrEqualTo(used(s) + RESERVE / 2);
            try (Tx tx = s.read()) {
                assertThat(tx.meta("r63")).hasSize(128 << 10).containsOnly((byte) 63);
                assertThat(tx.meta("r0")).hasSize(128 << 10).containsOnly((byte) 0);
            }
        }
    }

    @Test
    void aStoreMovesBetweenTheDefaultModeAndWritemapWithItsData(@TempDir Path dir) throws Exception {
        assumeInPlaceFileSystem(dir);
        System.setProperty(NamespaceRoom.PROPERTY, "off");
        try (NamespaceStore s = NamespaceStore.open(dir, null, true)) {
            assertThat(s.writemap()).isFalse();
            assertThat(s.allocated()).isZero();
            writeReply(s, 1, 3 << 20);
        }
        System.setProperty(NamespaceRoom.PROPERTY, "auto");
        try (NamespaceStore s = NamespaceStore.open(dir, null, false)) {
            assertThat(s.writemap()).isTrue();
            assertThat(s.allocated()).isGreaterThanOrEqualTo(used(s) + RESERVE / 2);
            writeReply(s, 2, 3 << 20);
        }
        System.setProperty(NamespaceRoom.PROPERTY, "off");
        try (NamespaceStore s = NamespaceStore.open(dir, null, false)) {
            assertThat(s.writemap()).isFalse();
            writeReply(s, 3, 1 << 20);
            try (Tx tx = s.read()) {
                assertThat(tx.meta("r1")).hasSize(3 << 20).containsOnly((byte) 1);
                assertThat(tx.meta("r2")).hasSize(3 << 20).containsOnly((byte) 2);
                assertThat(tx.meta("r3")).hasSize(1 << 20).containsOnly((byte) 3);
            }
        }
    }

    @Test
    void aBadSettingIsRefusedByName(@TempDir Path dir) {
        System.setProperty(NamespaceRoom.PROPERTY, "maybe");
        assertThatThrownBy(() -> NamespaceStore.open(dir, null, true)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(NamespaceRoom.PROPERTY).hasMessageContaining("maybe");
    }

    @Test
    void aFullDiskIsReportedAndTheApplyStopsBeforeTheRoomRunsOutNotInsideLmdb(@TempDir Path dir) throws Exception {
        assumeInPlaceFileSystem(dir);
        try (NamespaceStore s = NamespaceStore.open(dir, null, true)) {
            Faults.arm(NamespaceRoom.FAULT, Faults.Fault.fail());
            int i = 0;
            while (!s.shortOfRoom()) {
                assertThat(i).as("the room runs low within the reserve's size of writes").isLessThan(64);
                writeReply(s, i++, 64 << 10);
            }
            // What is left ahead still takes writes, down to a sixteenth of the reserve; then write() refuses.
            long before = used(s);
            assertThatThrownBy(() -> {
                for (int j = 0; j < 64; j++) {
                    writeReply(s, 1000 + j, 16 << 10);
                }
            }).isInstanceOf(IllegalStateException.class).hasMessageContaining("disk is full");
            assertThat(used(s)).isGreaterThan(before).isLessThanOrEqualTo(s.allocated());

            Faults.disarmAll(); // space freed on the disk: the next write transaction gets room again
            writeReply(s, 5000, 64 << 10);
            assertThat(s.shortOfRoom()).isFalse();
            assertThat(s.allocated()).isGreaterThanOrEqualTo(used(s) + RESERVE / 2);
        }
    }

    @Test
    void aLeaderShortOfRoomRefusesChangesThatTakeSpaceButNotRemovals(@TempDir Path dir) throws Exception {
        assumeInPlaceFileSystem(dir);
        try (MetadataServer server = TestServers.single(dir);
                MetadataClient mds = MetadataClient.connect(server.peers())) {
            TestServers.registerOsts(mds, 2);
            Fid d = mds.create(Caller.ROOT, Fid.ROOT, "d", CreateSpec.directory(0755)).attr().fid();
            mds.create(Caller.ROOT, d, "keep", CreateSpec.file(0644));
            mds.create(Caller.ROOT, d, "old", CreateSpec.file(0644));

            Faults.arm(NamespaceRoom.FAULT, Faults.Fault.fail());
            NacreException refused = null;
            byte[] value = new byte[60_000];
            for (int i = 0; i < 200 && refused == null; i++) {
                try {
                    mds.setXattr(Caller.ROOT, d, "user.x" + i, value, io.nacre.engine.meta.XattrFlag.EITHER);
                } catch (NacreException e) {
                    refused = e;
                }
            }
            assertThat(refused).as("refused once the disk gave no more room").isNotNull();
            assertThat(refused.status()).isEqualTo(Status.NO_SPACE);
            assertThat(refused.getMessage()).contains("disk is full");
            NacreException create = org.junit.jupiter.api.Assertions.assertThrows(NacreException.class,
                    () -> mds.create(Caller.ROOT, d, "new", CreateSpec.file(0644)));
            assertThat(create.status()).isEqualTo(Status.NO_SPACE);
            mds.remove(Caller.ROOT, d, "old", RemoveKind.ANY); // a removal frees space: let through
            assertThat(mds.lookup(Caller.ROOT, d, "keep")).isNotNull();

            Faults.disarmAll();
            // The next entry's apply finds room again (the one refused before it may still have been decided short).
            boolean created = false;
            for (int i = 0; i < 3 && !created; i++) {
                try {
                    mds.create(Caller.ROOT, d, "new", CreateSpec.file(0644));
                    created = true;
                } catch (NacreException e) {
                    assertThat(e.status()).isEqualTo(Status.NO_SPACE);
                }
            }
            assertThat(created).isTrue();
        }
    }
}
