package io.nacre.nfs.v41;

import static io.nacre.nfs.v41.NfsTestClient.ok;
import static io.nacre.nfs.v41.NfsTestClient.result;
import static org.assertj.core.api.Assertions.assertThat;

import io.nacre.engine.Caller;
import io.nacre.engine.Fid;
import io.nacre.engine.io.FileIo;
import io.nacre.engine.layout.Extent;
import io.nacre.engine.layout.LayoutTemplate;
import io.nacre.meta.testkit.EmbeddedCore;
import io.nacre.nfs.NfsServer;
import io.nacre.nfs.export.ExportTable;
import io.nacre.nfs.v41.xdr.CompoundRes;
import io.nacre.nfs.v41.xdr.IoBuffers;
import io.nacre.nfs.v41.xdr.Nfs4;
import io.nacre.nfs.v41.xdr.Nfs4Status;
import io.nacre.nfs.v41.xdr.OpArgs;
import io.nacre.nfs.v41.xdr.OpNum;
import io.nacre.nfs.v41.xdr.PutfhArgs;
import io.nacre.nfs.v41.xdr.ReadArgs;
import io.nacre.nfs.v41.xdr.ReadRes;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * READ through the gateway, whose data is read into reused direct buffers and sent from there
 * ({@link IoBuffers#takeForRead}): files striped over three OSTs in 128 KiB stripes (64 KiB chunks), read at odd
 * offsets across stripe and chunk boundaries, short at the end of the file, holes as zeros (the buffers are
 * never zeroed), a damaged chunk as NFS4ERR_IO rather than bytes, and many READs of different files at once,
 * every byte checked, so a buffer reused while its reply was still being sent shows.
 */
class ReadPathTest {

    private static final int MIB = 1 << 20;
    private static final int STRIPE = 128 << 10;

    @TempDir
    Path dir;

    private EmbeddedCore core;
    private FileIo fileIo;
    private NfsServer server;
    private final int[] seqs = new int[64];

    @BeforeEach
    void start() throws Exception {
        core = EmbeddedCore.start(dir);
        core.metadata().setDefaultLayout(Caller.ROOT, Fid.ROOT,
                new LayoutTemplate(List.of(LayoutTemplate.Entry.raid0(Extent.EOF, 3, STRIPE, ""))));
        fileIo = new FileIo(core.metadata(), core.objects());
        server = NfsServer.builder(core.metadata(), fileIo).port(0)
                .exports(ExportTable.parse("/ 127.0.0.1(rw,no_root_squash)"))
                .leaseTime(Duration.ofSeconds(15)).build().start();
    }

    @AfterEach
    void stop() {
        server.close();
        fileIo.close();
        core.close();
    }

    @Test
    void readsAcrossStripesAndChunkBoundariesAtOddOffsetsAndShortAtTheEnd() throws Exception {
        byte[] content = bytes(3 * MIB + 12_345, 1);
        try (NfsTestClient c = NfsTestClient.connect(server.address()).mount("reader")) {
            NfsFs fs = new NfsFs(c, "reader-owner");
            NfsFs.Opened f = written(fs, "striped.bin", content);
            long[][] reads = {{0, MIB}, {1, MIB}, {STRIPE - 3, 7}, {65_535, 65_538}, {3L * STRIPE - 1, 2 * STRIPE + 2},
                {MIB + 4097, 999_999}, {2L * MIB, MIB}, {3L * MIB, MIB}, {content.length - 100, MIB},
                {content.length - 1, 1}, {content.length, MIB}, {content.length + 5000L, 10}, {17, 0}};
            for (long[] r : reads) {
                ReadRes res = fs.read(f.fh(), f.stateid(), r[0], (int) r[1]);
                int from = (int) Math.min(r[0], content.length);
                int to = (int) Math.min(content.length, r[0] + r[1]);
                assertThat(NfsFs.data(res)).as("[%d, +%d)", r[0], r[1]).isEqualTo(Arrays.copyOfRange(content, from, to));
                // RFC 8881 §18.22.3: eof when the data read reaches the end of the file, also exactly at it
                assertThat(res.eof()).as("eof of [%d, +%d)", r[0], r[1]).isEqualTo(r[0] + r[1] >= content.length);
            }
            fs.close(f);
        }
    }

    @Test
    void holesReadAsZerosFromBuffersThatHeldOtherBytes() throws Exception {
        byte[] dense = bytes(4 * MIB, 2);
        try (NfsTestClient c = NfsTestClient.connect(server.address()).mount("holes")) {
            NfsFs fs = new NfsFs(c, "holes-owner");
            NfsFs.Opened d = written(fs, "dense.bin", dense);
            NfsFs.Opened h = fs.create(fs.root(), "sparse.bin", 0644);
            byte[] head = bytes(10, 3);
            byte[] tail = bytes(10, 4);
            fs.write(h, 0, head, Nfs4.FILE_SYNC4);
            fs.write(h, 5L * MIB, tail, Nfs4.FILE_SYNC4);
            for (int round = 0; round < 3; round++) {
                // READs of the dense file first: the pooled buffers then hold its bytes
                for (int i = 0; i < 4; i++) {
                    assertThat(NfsFs.data(fs.read(d.fh(), d.stateid(), (long) i * MIB, MIB)))
                            .isEqualTo(Arrays.copyOfRange(dense, i * MIB, (i + 1) * MIB));
                }
                ReadRes hole = fs.read(h.fh(), h.stateid(), MIB, MIB);
                assertThat(NfsFs.data(hole)).isEqualTo(new byte[MIB]);
                assertThat(hole.eof()).isFalse();
                byte[] around = NfsFs.data(fs.read(h.fh(), h.stateid(), 5L * MIB - 100, MIB));
                byte[] expected = new byte[110];
                System.arraycopy(tail, 0, expected, 100, 10);
                assertThat(around).isEqualTo(expected);
                byte[] start = NfsFs.data(fs.read(h.fh(), h.stateid(), 0, 64 << 10));
                byte[] startExpected = new byte[64 << 10];
                System.arraycopy(head, 0, startExpected, 0, 10);
                assertThat(start).isEqualTo(startExpected);
            }
            fs.close(d);
            fs.close(h);
        }
    }

    @Test
    void aDamagedChunkIsAnIoErrorNotBadData() throws Exception {
        byte[] content = bytes(512 << 10, 5);
        try (NfsTestClient c = NfsTestClient.connect(server.address()).mount("damaged")) {
            NfsFs fs = new NfsFs(c, "damaged-owner");
            NfsFs.Opened f = written(fs, "damaged.bin", content);
            // the second stripe's first chunk, wherever the OST keeps it (WAL, data file or LMDB)
            byte[] pattern = Arrays.copyOfRange(content, STRIPE + 1000, STRIPE + 1064);
            assertThat(flipEverywhere(dir.resolve("ost"), pattern)).as("copies damaged").isPositive();
            CompoundRes whole = c.call(new PutfhArgs(f.fh()), new ReadArgs(f.stateid(), 0, content.length));
            assertThat(whole.status()).isEqualTo(Nfs4Status.NFS4ERR_IO);
            CompoundRes chunk = c.call(new PutfhArgs(f.fh()), new ReadArgs(f.stateid(), STRIPE + 4096, 10));
            assertThat(chunk.status()).isEqualTo(Nfs4Status.NFS4ERR_IO);
            // the other stripes still read
            assertThat(NfsFs.data(fs.read(f.fh(), f.stateid(), 0, STRIPE)))
                    .isEqualTo(Arrays.copyOf(content, STRIPE));
            assertThat(NfsFs.data(fs.read(f.fh(), f.stateid(), 2L * STRIPE, STRIPE)))
                    .isEqualTo(Arrays.copyOfRange(content, 2 * STRIPE, 3 * STRIPE));
        }
    }

    /**
     * Many READs of different files on 48 slots at once, more than the direct buffers there are (the rest read
     * into heap buffers), every byte checked: a buffer given back before its reply was written, and reused by
     * the next READ, would send that READ's bytes in the first one's reply.
     */
    @Test
    void manyConcurrentReadsOfDifferentFilesEachGetTheirOwnBytes() throws Exception {
        int files = 12;
        byte[][] contents = new byte[files][];
        try (NfsTestClient c = NfsTestClient.connect(server.address()).mount("many")) {
            NfsFs fs = new NfsFs(c, "many-owner");
            NfsFs.Opened[] opened = new NfsFs.Opened[files];
            for (int i = 0; i < files; i++) {
                contents[i] = bytes(3 * MIB - 977 * i, 100 + i);
                opened[i] = written(fs, "file-" + i, contents[i]);
            }
            long reusedBefore = IoBuffers.readReused();
            SlotRunner.run(480, 48, (n, slot) -> {
                int i = (n * 7) % files;
                int piece = n % 4;
                long offset = (long) piece * MIB - (piece == 0 ? 0 : 333);
                ReadRes r = result(ok(onSlot(c, slot, new PutfhArgs(opened[i].fh()),
                        new ReadArgs(opened[i].stateid(), offset, MIB))), OpNum.READ).body(ReadRes.class);
                byte[] all = contents[i];
                int from = (int) Math.min(all.length, offset);
                int to = (int) Math.min(all.length, offset + MIB);
                assertThat(NfsFs.data(r)).as("read %d: file %d at %d", n, i, offset)
                        .isEqualTo(Arrays.copyOfRange(all, from, to));
            });
            assertThat(IoBuffers.readReused()).as("direct READ buffers reused after their replies were written")
                    .isGreaterThan(reusedBefore);
            for (NfsFs.Opened f : opened) {
                fs.close(f);
            }
        }
    }

    /** A file created, written in 1 MiB FILE_SYNC pieces and left open for reading and writing. */
    private static NfsFs.Opened written(NfsFs fs, String name, byte[] content) throws IOException {
        NfsFs.Opened f = fs.create(fs.root(), name, 0644);
        for (int at = 0; at < content.length; at += MIB) {
            fs.write(f, at, Arrays.copyOfRange(content, at, Math.min(content.length, at + MIB)), Nfs4.FILE_SYNC4);
        }
        return f;
    }

    private static byte[] bytes(int n, long seed) {
        byte[] b = new byte[n];
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = 0; i < n; i++) {
            b[i] = (byte) r.nextInt();
        }
        return b;
    }

    /** Flips a bit of {@code pattern}'s first byte wherever it is in the OSTs' files; how many copies it found. */
    private static int flipEverywhere(Path osts, byte[] pattern) throws IOException {
        int found = 0;
        try (Stream<Path> files = Files.walk(osts)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                byte[] all = Files.readAllBytes(f);
                for (int at = indexOf(all, pattern, 0); at >= 0; at = indexOf(all, pattern, at + 1)) {
                    try (FileChannel ch = FileChannel.open(f, StandardOpenOption.WRITE)) {
                        ch.write(ByteBuffer.wrap(new byte[] {(byte) (all[at] ^ 0x10)}), at);
                    }
                    found++;
                }
            }
        }
        return found;
    }

    private static int indexOf(byte[] hay, byte[] needle, int from) {
        outer:
        for (int i = from; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    private CompoundRes onSlot(NfsTestClient c, int slot, OpArgs... ops) throws Exception {
        return c.onSlot(slot, ++seqs[slot], false, ops);
    }
}
