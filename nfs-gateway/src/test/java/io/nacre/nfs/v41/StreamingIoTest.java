package io.nacre.nfs.v41;

import static io.nacre.nfs.v41.NfsTestClient.ok;
import static io.nacre.nfs.v41.NfsTestClient.result;
import static org.assertj.core.api.Assertions.assertThat;

import io.nacre.engine.io.FileIo;
import io.nacre.meta.testkit.EmbeddedCore;
import io.nacre.nfs.NfsServer;
import io.nacre.nfs.export.ExportTable;
import io.nacre.nfs.v41.attr.AttrNum;
import io.nacre.nfs.v41.attr.Bitmap;
import io.nacre.nfs.v41.xdr.CommitArgs;
import io.nacre.nfs.v41.xdr.CommitRes;
import io.nacre.nfs.v41.xdr.CompoundRes;
import io.nacre.nfs.v41.xdr.GetattrArgs;
import io.nacre.nfs.v41.xdr.IoBuffers;
import io.nacre.nfs.v41.xdr.Nfs4;
import io.nacre.nfs.v41.xdr.Nfs4Status;
import io.nacre.nfs.v41.xdr.OpArgs;
import io.nacre.nfs.v41.xdr.OpNum;
import io.nacre.nfs.v41.xdr.PutfhArgs;
import io.nacre.nfs.v41.xdr.ReadArgs;
import io.nacre.nfs.v41.xdr.ReadRes;
import io.nacre.nfs.v41.xdr.WriteArgs;
import io.nacre.nfs.v41.xdr.WriteRes;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A big file streamed the way the Linux client's writeback and read-ahead do it: 1 MiB UNSTABLE WRITEs
 * (each with the GETATTR Linux adds) on many slots of one session at once, COMMITs while writes still
 * flow, then the file read back with as many READs outstanding, every byte checked. Over real ONC RPC
 * against the real core, as {@code nacre up} runs it. A stall shows up as a call with no reply.
 */
class StreamingIoTest {

    private static final int MIB = 1 << 20;
    /** What Linux asks after a WRITE: its cache consistency attributes, and space_used once blocks are stale. */
    private static final int[] WRITE_ATTRS = Bitmap.of(AttrNum.CHANGE, AttrNum.SIZE, AttrNum.SPACE_USED,
            AttrNum.TIME_METADATA, AttrNum.TIME_MODIFY);

    @TempDir
    Path dir;

    private EmbeddedCore core;
    private FileIo fileIo;
    private NfsServer server;
    /** The last sequence id sent on each slot (a slot is used by one thread at a time). */
    private final int[] seqs = new int[64];

    @BeforeEach
    void start() throws Exception {
        core = EmbeddedCore.start(dir);
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
    void manyOutstandingUnstableWritesCommitAndReadBack() throws Exception {
        stream(64, 32);
    }

    /** Components instantiated while 32 writes race into them: none may be read back as a hole. */
    @Test
    void aProgressiveLayoutFilledByManyWritersAtOnceReadsBack() throws Exception {
        core.metadata().setDefaultLayout(io.nacre.engine.Caller.ROOT, io.nacre.engine.Fid.ROOT,
                new io.nacre.engine.layout.LayoutTemplate(List.of(
                        io.nacre.engine.layout.LayoutTemplate.Entry.raid0(4L * MIB, 1, MIB, ""),
                        io.nacre.engine.layout.LayoutTemplate.Entry.raid0(16L * MIB, 2, MIB, ""),
                        io.nacre.engine.layout.LayoutTemplate.Entry.raid0(40L * MIB, 4, MIB, ""),
                        io.nacre.engine.layout.LayoutTemplate.Entry.raid0(io.nacre.engine.layout.Extent.EOF, 4, MIB,
                                ""))));
        stream(48, 32);
    }

    @Test
    @Tag("heavy")
    void oneGibibyteWithSixtyThreeSlotsInFlight() throws Exception {
        stream(1024, 63);
    }

    /**
     * WRITEs of distinct bytes and sizes on 32 slots at once, UNSTABLE and FILE_SYNC mixed, each read back as
     * written, as many READs at once: a request buffer, a buffer the server gathers a WRITE's data into or
     * reads a READ's data into ({@link IoBuffers}, direct and sent from there), reused or overwritten while
     * another request still used it, would show as another request's bytes.
     */
    @Test
    void concurrentWritesOfDistinctBytesAndSizesReadBackExactly() throws Exception {
        int writes = 96;
        int[] sizes = {MIB, MIB - 1, 700_001, 65_537, 4096, 5};
        try (NfsTestClient c = NfsTestClient.connect(server.address()).mount("patterns")) {
            NfsFs fs = new NfsFs(c, "patterns-owner");
            NfsFs.Opened f = fs.create(fs.root(), "patterns.bin", 0644);
            long recordsBefore = IoBuffers.recordReused();
            SlotRunner.run(writes, 32, (i, slot) -> {
                byte[] data = pattern(i, sizes[i % sizes.length]);
                int stable = i % 3 == 0 ? Nfs4.FILE_SYNC4 : Nfs4.UNSTABLE4;
                WriteRes w = result(ok(onSlot(c, slot, new PutfhArgs(f.fh()), new WriteArgs(f.stateid(),
                        2L * MIB * i, stable, ByteBuffer.wrap(data)))), OpNum.WRITE).body(WriteRes.class);
                assertThat(w.count()).isEqualTo(data.length);
            });
            commit(c, f.fh());
            assertThat(IoBuffers.recordReused()).as("WRITE records read into reused direct buffers")
                    .isGreaterThan(recordsBefore);
            long reusedBefore = IoBuffers.readReused();
            SlotRunner.run(writes, 32, (i, slot) -> {
                byte[] data = pattern(i, sizes[i % sizes.length]);
                ReadRes r = result(ok(onSlot(c, slot, new PutfhArgs(f.fh()), new ReadArgs(f.stateid(),
                        2L * MIB * i, data.length))), OpNum.READ).body(ReadRes.class);
                assertThat(NfsFs.data(r)).as("write %d", i).isEqualTo(data);
            });
            assertThat(IoBuffers.readReused()).as("READ buffers reused after their replies were written")
                    .isGreaterThan(reusedBefore);
            fs.close(f);
        }
    }

    /**
     * 1 MiB WRITEs that fail (through another owner's open for reading: NFS4ERR_OPENMODE) among ones that succeed,
     * 8 at once: the failed ones' record buffers are given up (a write that failed may still read its data), the
     * others' given back; none stays lent, and what was written reads back.
     */
    @Test
    void failedWritesAmongGoodOnesLeaveNoRecordBufferLent() throws Exception {
        try (NfsTestClient c = NfsTestClient.connect(server.address()).mount("failing")) {
            NfsFs fs = new NfsFs(c, "writer-owner");
            NfsFs.Opened w = fs.create(fs.root(), "failing.bin", 0644);
            NfsFs.Opened r = NfsFs.opened(new NfsFs(c, "reader-owner").open(fs.root(), "failing.bin",
                    Nfs4.OPEN4_SHARE_ACCESS_READ));
            SlotRunner.run(32, 8, (i, slot) -> {
                boolean fails = i % 2 == 0;
                CompoundRes res = onSlot(c, slot, new PutfhArgs(w.fh()), new WriteArgs((fails ? r : w).stateid(),
                        (long) i * MIB, Nfs4.UNSTABLE4, ByteBuffer.wrap(chunk(i))));
                assertThat(res.status()).as("write %d", i).isEqualTo(fails ? Nfs4Status.NFS4ERR_OPENMODE : 0);
            });
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (IoBuffers.readBuffersLent() != 0 && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            assertThat(IoBuffers.readBuffersLent()).as("record buffers lent after every reply").isZero();
            SlotRunner.run(16, 8, (k, slot) -> {
                int i = 2 * k + 1;
                ReadRes read = result(ok(onSlot(c, slot, new PutfhArgs(w.fh()), new ReadArgs(w.stateid(),
                        (long) i * MIB, MIB))), OpNum.READ).body(ReadRes.class);
                assertThat(NfsFs.data(read)).as("chunk %d", i).isEqualTo(chunk(i));
            });
            fs.close(w);
        }
    }

    private static byte[] pattern(int i, int size) {
        byte[] b = new byte[size];
        new SplittableRandom(i * 104_729L + 3).nextBytes(b);
        return b;
    }

    private void stream(int mib, int inFlight) throws Exception {
        try (NfsTestClient c = NfsTestClient.connect(server.address()).mount("streamer")) {
            NfsFs fs = new NfsFs(c, "streamer-owner");
            NfsFs.Opened f = fs.create(fs.root(), "big.bin", 0644);
            long verifier = writeAll(c, f, mib, inFlight);
            assertThat(commit(c, f.fh())).as("the verifier of COMMIT").isEqualTo(verifier);
            assertThat(fs.size(f.fh())).isEqualTo((long) mib * MIB);
            fs.close(f);
            NfsFs.Opened r = NfsFs.opened(fs.open(fs.root(), "big.bin", Nfs4.OPEN4_SHARE_ACCESS_READ));
            readAll(c, r, mib, inFlight);
            fs.close(r);
        }
    }

    /** Every chunk on a slot of its own thread; a COMMIT after every 16 chunks, beside the writes. */
    private long writeAll(NfsTestClient c, NfsFs.Opened f, int chunks, int inFlight) throws Exception {
        AtomicLong verifier = new AtomicLong();
        SlotRunner.run(chunks, inFlight, (i, slot) -> {
            CompoundRes res = ok(onSlot(c, slot, new PutfhArgs(f.fh()),
                    new WriteArgs(f.stateid(), (long) i * MIB, Nfs4.UNSTABLE4, ByteBuffer.wrap(chunk(i))),
                    new GetattrArgs(WRITE_ATTRS)));
            WriteRes w = result(res, OpNum.WRITE).body(WriteRes.class);
            assertThat(w.count()).isEqualTo(MIB);
            verifier.set(w.verifier());
            if (i % 16 == 15) {
                ok(onSlot(c, slot, new PutfhArgs(f.fh()), new CommitArgs(0, 0)));
            }
        });
        return verifier.get();
    }

    private void readAll(NfsTestClient c, NfsFs.Opened f, int chunks, int inFlight) throws Exception {
        SlotRunner.run(chunks, inFlight, (i, slot) -> {
            ReadRes r = result(ok(onSlot(c, slot, new PutfhArgs(f.fh()),
                    new ReadArgs(f.stateid(), (long) i * MIB, MIB))), OpNum.READ).body(ReadRes.class);
            assertThat(NfsFs.data(r)).as("chunk %d", i).isEqualTo(chunk(i));
            assertThat(r.eof()).as("eof after chunk %d", i).isEqualTo(i == chunks - 1);
        });
    }

    private static long commit(NfsTestClient c, byte[] fh) throws Exception {
        return result(ok(c.call(new PutfhArgs(fh), new CommitArgs(0, 0))), OpNum.COMMIT).body(CommitRes.class)
                .verifier();
    }

    /** The next request on a slot, reply not cached (as Linux sends WRITE, READ and COMMIT). */
    private CompoundRes onSlot(NfsTestClient c, int slot, OpArgs... ops) throws Exception {
        return c.onSlot(slot, ++seqs[slot], false, ops);
    }

    /** The bytes of chunk i: a pure function of i, so the read back is checked without keeping the file. */
    private static byte[] chunk(int i) {
        byte[] b = new byte[MIB];
        SplittableRandom r = new SplittableRandom(i * 7919L + 1);
        for (int k = 0; k < b.length; k += 8) {
            long v = r.nextLong();
            for (int j = 0; j < 8; j++) {
                b[k + j] = (byte) (v >>> (8 * j));
            }
        }
        return b;
    }
}
