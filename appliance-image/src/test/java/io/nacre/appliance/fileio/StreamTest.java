package io.nacre.appliance.fileio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nacre.engine.Caller;
import io.nacre.engine.Fid;
import io.nacre.engine.NacreException;
import io.nacre.engine.io.FileIo;
import io.nacre.engine.layout.Extent;
import io.nacre.engine.layout.LayoutTemplate;
import io.nacre.engine.layout.LayoutTemplate.Entry;
import io.nacre.engine.meta.CreateSpec;
import io.nacre.engine.meta.FileType;
import io.nacre.engine.meta.MetadataService;
import io.nacre.engine.store.Durability;
import io.nacre.meta.testkit.EmbeddedCore;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writer and Reader streams (S3 PUT and GET): large files go through in bounded memory. Contents are a
 * function of the offset (each 8-byte word holds a hash of its offset), so nothing of the size of the file
 * is kept by the test either.
 */
class StreamTest {

    private static final Logger LOG = LoggerFactory.getLogger(StreamTest.class);
    static final int MIB = 1 << 20;

    @TempDir
    Path dir;

    EmbeddedCore core;
    MetadataService mds;

    @BeforeEach
    void start() {
        core = EmbeddedCore.start(dir);
        mds = core.metadata();
    }

    @AfterEach
    void stop() {
        core.close();
    }

    static long word(long offset, long seed) {
        long x = offset * 0x9E3779B97F4A7C15L + seed;
        x ^= x >>> 31;
        return x * 0xBF58476D1CE4E5B9L;
    }

    /** Fills dst with the file's bytes from offset (a multiple of 8). */
    static void fill(ByteBuffer dst, long offset, long seed) {
        while (dst.remaining() >= 8) {
            dst.putLong(word(offset, seed));
            offset += 8;
        }
    }

    Fid create(String name, LayoutTemplate template) {
        return mds.create(Caller.ROOT, Fid.ROOT, name, CreateSpec.builder(FileType.REGULAR).layout(template).build())
                .attr().fid();
    }

    /** Live heap after a full collection. */
    static long liveHeap() {
        System.gc();
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    /** Streams {@code total} bytes in and out; returns the most live heap seen above the start. */
    long roundTrip(FileIo io, Fid fid, long total, int chunk, Durability durability) {
        long seed = fid.hashCode();
        long base = liveHeap();
        long peak = 0;
        long t0 = System.nanoTime();
        // Chunks of an odd size (a multiple of 8, to keep the words whole), as a network stream gives them.
        ByteBuffer buf = ByteBuffer.allocate(chunk);
        try (FileIo.Writer w = io.openWriter(fid, 0, durability)) {
            long pos = 0;
            while (pos < total) {
                buf.clear().limit((int) Math.min(chunk, total - pos));
                fill(buf, pos, seed);
                buf.flip();
                assertThat(w.write(buf)).isEqualTo(buf.limit());
                pos += buf.limit();
                if (pos % (total / 4) < chunk) {
                    peak = Math.max(peak, liveHeap() - base);
                }
            }
            assertThat(w.position()).isEqualTo(total);
        }
        long t1 = System.nanoTime();
        assertThat(mds.getattr(fid).size()).isEqualTo(total);
        ByteBuffer want = ByteBuffer.allocate(chunk);
        try (FileIo.Reader r = io.openReader(fid, 0, Long.MAX_VALUE)) {
            assertThat(r.end()).isEqualTo(total);
            long pos = 0;
            while (true) {
                buf.clear();
                int n = r.read(buf);
                if (n < 0) {
                    break;
                }
                buf.flip();
                want.clear().limit(n);
                fill(want, pos, seed);
                want.flip();
                if (!buf.equals(want)) {
                    throw new AssertionError("stream differs in [" + pos + ", " + (pos + n) + ")");
                }
                pos += n;
                if (pos % (total / 4) < chunk) {
                    peak = Math.max(peak, liveHeap() - base);
                }
            }
            assertThat(pos).isEqualTo(total);
        }
        long t2 = System.nanoTime();
        LOG.info("{} MiB through Writer {} MiB/s, Reader {} MiB/s; live heap at most {} MiB above the start",
                total / MIB, total * 1000 / MIB / Math.max(1, (t1 - t0) / 1_000_000),
                total * 1000 / MIB / Math.max(1, (t2 - t1) / 1_000_000), peak / MIB);
        return peak;
    }

    @Test
    void aStripedStreamComesBackWholeInBoundedMemory() {
        long inFlight = 8L * MIB;
        try (FileIo io = FileIo.builder(mds, core.objects()).windowBytes(2 * MIB).maxInFlightBytes(inFlight).build()) {
            Fid fid = create("stream", new LayoutTemplate(List.of(
                    Entry.raid0(4L * MIB, 1, MIB, ""), Entry.raid0(Extent.EOF, 4, 256 * 1024, ""))));
            long peak = roundTrip(io, fid, 96L * MIB + 8 * 1001, 65_536 + 8 * 13, Durability.STABLE);
            // In flight, plus the window being filled (or read ahead) and the one in use, plus slack.
            assertThat(peak).isLessThan(inFlight + 4L * 2 * MIB + 24L * MIB);
        }
    }

    @Test
    @Tag("heavy")
    void oneGibibyteThroughWriterAndReader() {
        long inFlight = 64L * MIB;
        try (FileIo io = FileIo.builder(mds, core.objects()).maxInFlightBytes(inFlight).build()) {
            Fid fid = create("gib", LayoutTemplate.of(4, MIB, ""));
            long peak = roundTrip(io, fid, 1L << 30, MIB + 8, Durability.STABLE);
            assertThat(peak).isLessThan(inFlight + 4L * 16 * MIB + 64L * MIB);
        }
    }

    @Test
    void anUnstableStreamIsPendingUntilCommitted() {
        try (FileIo io = FileIo.builder(mds, core.objects()).windowBytes(256 * 1024).build()) {
            Fid fid = create("unstable-stream", LayoutTemplate.of(2, 64 * 1024, ""));
            try (FileIo.Writer w = io.openWriter(fid, 8, Durability.UNSTABLE)) {
                ByteBuffer b = ByteBuffer.allocate(MIB);
                fill(b, 8, 1);
                w.write(b.flip());
            }
            assertThat(io.getattr(fid).size()).isEqualTo(MIB + 8);
            io.commit(fid);
            assertThat(mds.getattr(fid).size()).isEqualTo(MIB + 8);
        }
    }

    @Test
    void aFailedStreamReportsTheErrorAndRecordsNothing() {
        try (FileIo io = FileIo.builder(mds, core.objects()).windowBytes(256 * 1024).build()) {
            // A layout that ends: writing past it fails (EFBIG), and the stream says so on a later call.
            Fid fid = create("short", LayoutTemplate.of(1, 64 * 1024, ""));
            FileIo.Writer w = io.openWriter(fid, Long.MAX_VALUE - 100, Durability.STABLE);
            assertThatThrownBy(() -> w.write(ByteBuffer.allocate(200))).isInstanceOf(NacreException.class);
            assertThatThrownBy(w::close).isInstanceOf(NacreException.class);
            assertThat(mds.getattr(fid).size()).isZero();
        }
    }
}
