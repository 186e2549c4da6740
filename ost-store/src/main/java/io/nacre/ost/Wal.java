package io.nacre.ost;

import io.nacre.engine.NacreException;
import io.nacre.engine.Status;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.PriorityBlockingQueue;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An OST's write-ahead log: segment files {@code wal-NNN} in the OST directory, each written once with
 * zeros up to its size and then only overwritten, so that the fdatasync that makes a group durable
 * flushes data blocks and never has to commit the file system's journal. A record is one chunk image:
 * a 64-byte header (magic, payload length, sequence number, OST instance, object id, chunk index, the
 * object's size and bytes used after it, CRC32C over header and payload) and the payload. Each group
 * starts on a 4 KiB boundary, so a new group never rewrites a page that holds acknowledged records.
 *
 * <p>Recovery accepts a record only if it is whole (CRC), continues the sequence by exactly one, and
 * does not go back in instance: it stops at the first torn record and never takes stale records of an
 * older pass or of a group that was torn before a crash. The writer thread appends; the checkpoint
 * thread {@link #release releases} segments once LMDB holds their records.
 */
final class Wal implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Wal.class);

    static final int HEADER = 64;
    static final int MAGIC = 0x4e57414c; // "NWAL"
    private static final int ALIGN = 4096;
    private static final int ZERO_STEP = 8 << 20;
    private static final int MAX_PAYLOAD = 4 << 20;
    private static final int CRC_AT = 60;

    /** Where a record lies: segment, offset of its header, its sequence number and payload length. */
    record Loc(int segment, long offset, long seq, int length) {
    }

    /** A record found by recovery. */
    record Entry(Loc loc, long id, long chunk, long size, long used, long instance) {
    }

    private final Path dir;
    private final String name;
    private final long segmentSize;
    private final FileChannel[] channels;
    /** Bytes of each segment file already written with zeros (or records); writer thread only after open. */
    private final long[] zeroed;
    /** Read-only maps of the segments written to their full size: reads need no system call or extra copy. */
    private final AtomicReferenceArray<MappedByteBuffer> maps;
    /** Free segments, lowest first: a lightly used OST keeps cycling through its first few files. */
    private final PriorityBlockingQueue<Integer> free = new PriorityBlockingQueue<>();
    private final ByteBuffer zeros = ByteBuffer.allocateDirect(1 << 20);

    // Writer-thread state.
    private long instance;
    private int active = -1;
    private long pos;
    private long nextSeq = 1;
    private final List<Integer> sealed = new ArrayList<>();
    private final BitSet unforced = new BitSet();
    private ByteBuffer staging = ByteBuffer.allocateDirect(1 << 20);
    private long stagedAt;
    // Rollback point: the state after the last durable (or abandoned) group.
    private int markActive = -1;
    private long markPos;
    private long markSeq = 1;
    private final List<Integer> takenSinceMark = new ArrayList<>();
    private final List<long[]> writtenSinceMark = new ArrayList<>();

    Wal(Path dir, String name, long segmentSize, int wantedSegments) {
        this.dir = dir;
        this.name = name;
        this.segmentSize = segmentSize;
        // Segments left by an earlier open with more of them still count: they may hold records.
        int segments = Math.max(wantedSegments, highestSegment(dir) + 1);
        this.channels = new FileChannel[segments];
        this.zeroed = new long[segments];
        this.maps = new AtomicReferenceArray<>(segments);
        try {
            for (int s = 0; s < segments; s++) {
                Path f = file(s);
                if (Files.exists(f)) {
                    channels[s] = FileChannel.open(f, StandardOpenOption.READ, StandardOpenOption.WRITE);
                    zeroed[s] = Math.min(channels[s].size(), segmentSize);
                    mapIfFull(s);
                }
            }
        } catch (IOException e) {
            close();
            throw new NacreException(Status.IO, name + ": cannot open the WAL in " + dir + ": " + e.getMessage(), e);
        }
    }

    private static int highestSegment(Path dir) {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(f -> f.getFileName().toString()).filter(n -> n.matches("wal-\\d{3}"))
                    .mapToInt(n -> Integer.parseInt(n.substring(4))).max().orElse(-1);
        } catch (IOException e) {
            throw new NacreException(Status.IO, "cannot list " + dir + ": " + e.getMessage(), e);
        }
    }

    private Path file(int s) {
        return dir.resolve("wal-%03d".formatted(s));
    }

    long segmentSize() {
        return segmentSize;
    }

    int segments() {
        return channels.length;
    }

    // ---- recovery -------------------------------------------------------------------------------------

    /**
     * The records after {@code applied}, in sequence order: the chain of valid records that continues
     * {@code applied} one by one, across segments, until the first missing, torn or stale record.
     */
    List<Entry> recover(long applied) {
        List<List<Entry>> chains = new ArrayList<>();
        for (int s = 0; s < channels.length; s++) {
            if (channels[s] != null) {
                List<Entry> chain = scan(s);
                if (!chain.isEmpty()) {
                    chains.add(chain);
                }
            }
        }
        chains.sort(Comparator.comparingLong(c -> c.get(0).loc().seq()));
        List<Entry> out = new ArrayList<>();
        long expected = applied + 1;
        long minInstance = Long.MIN_VALUE;
        boolean progress = true;
        while (progress) {
            progress = false;
            for (List<Entry> chain : chains) {
                long first = chain.get(0).loc().seq();
                long last = chain.get(chain.size() - 1).loc().seq();
                boolean starts = out.isEmpty() ? first <= expected && expected <= last : first == expected;
                if (!starts) {
                    continue;
                }
                int from = (int) (expected - first);
                if (chain.get(from).instance() < minInstance) {
                    continue;
                }
                for (int i = from; i < chain.size(); i++) {
                    out.add(chain.get(i));
                }
                expected = last + 1;
                minInstance = chain.get(chain.size() - 1).instance();
                progress = true;
                break;
            }
        }
        reportBeyond(chains, expected, minInstance);
        return out;
    }

    /**
     * Valid records beyond the end of the recovered chain are either the rest of the last group, torn
     * by the crash before its flush completed (never acknowledged), or, if a bit rotted in a flushed
     * record, acknowledged writes that recovery cannot reach. The log cannot tell the two apart, so
     * it says so loudly with what it skips.
     */
    private void reportBeyond(List<List<Entry>> chains, long expected, long minInstance) {
        long skipped = 0;
        long highest = -1;
        for (List<Entry> chain : chains) {
            for (Entry e : chain) {
                if (e.loc().seq() >= expected && e.instance() >= minInstance) {
                    skipped++;
                    highest = Math.max(highest, e.loc().seq());
                }
            }
        }
        if (skipped > 0) {
            LOG.error("{}: WAL recovery stops at record {} (missing, torn or failing its CRC) and skips {} valid "
                    + "record(s) up to {} after it: a torn last group if the crash came mid-flush, else "
                    + "acknowledged writes lost to a damaged WAL; check the disk", name, expected, skipped, highest);
        }
    }

    /** The valid records of one segment from its start: consecutive sequence numbers, non-decreasing instance. */
    private List<Entry> scan(int s) {
        List<Entry> chain = new ArrayList<>();
        ByteBuffer header = ByteBuffer.allocate(HEADER);
        long at = 0;
        long limit = zeroed[s];
        while (true) {
            Entry e = entryAt(s, at, limit, header, chain);
            if (e == null && at % ALIGN != 0) {
                at = alignUp(at);
                e = entryAt(s, at, limit, header, chain);
            }
            if (e == null) {
                return chain;
            }
            chain.add(e);
            at += HEADER + e.loc().length();
        }
    }

    private Entry entryAt(int s, long at, long limit, ByteBuffer header, List<Entry> chain) {
        if (at + HEADER > limit) {
            return null;
        }
        try {
            header.clear();
            readFully(channels[s], header, at);
            header.flip();
            if (header.getInt(0) != MAGIC) {
                return null;
            }
            int length = header.getInt(4);
            long seq = header.getLong(8);
            long inst = header.getLong(16);
            if (length < 0 || length > MAX_PAYLOAD || at + HEADER + length > limit) {
                return null;
            }
            if (!chain.isEmpty()) {
                Entry prev = chain.get(chain.size() - 1);
                if (seq != prev.loc().seq() + 1 || inst < prev.instance()) {
                    return null;
                }
            }
            ByteBuffer payload = ByteBuffer.allocate(length);
            readFully(channels[s], payload, at + HEADER);
            payload.flip();
            if (header.getInt(CRC_AT) != crc(header, payload)) {
                return null;
            }
            return new Entry(new Loc(s, at, seq, length), header.getLong(24), header.getLong(32), header.getLong(40),
                    header.getLong(48), inst);
        } catch (IOException e) {
            throw new NacreException(Status.IO, name + ": cannot read WAL segment " + s + ": " + e.getMessage(), e);
        }
    }

    /** After recovery (and its checkpoint): every segment is free; new records continue at {@code nextSeq}. */
    void start(long nextSeq, long instance) {
        this.nextSeq = nextSeq;
        this.instance = instance;
        free.clear();
        for (int s = 0; s < channels.length; s++) {
            free.add(s);
        }
        active = -1;
        mark();
    }

    /** Segments holding any record (all of them are handed to the recovery checkpoint). */
    List<Integer> existing() {
        List<Integer> out = new ArrayList<>();
        for (int s = 0; s < channels.length; s++) {
            if (channels[s] != null) {
                out.add(s);
            }
        }
        return out;
    }

    // ---- appending (writer thread) ----------------------------------------------------------------------

    /** The sequence number of the last record appended. */
    long lastSeq() {
        return nextSeq - 1;
    }

    /**
     * Appends one chunk image (staged; on disk after {@link #flush} or {@link #force}). Blocks while no
     * segment is free (back-pressure: the checkpoint frees them); {@code waitForSpace} is called then.
     */
    Loc add(long id, long chunk, long size, long used, ByteBuffer payload, Runnable waitForSpace) {
        int length = payload.remaining();
        int need = HEADER + length;
        if (active < 0 || pos + need > segmentSize) {
            switchSegment(waitForSpace);
        }
        if (staging.remaining() < need) {
            writeStaged();
            if (staging.capacity() < need) {
                staging = ByteBuffer.allocateDirect(Math.max(need, staging.capacity() * 2));
            }
        }
        long seq = nextSeq++;
        int start = staging.position();
        staging.putInt(MAGIC).putInt(length).putLong(seq).putLong(instance).putLong(id).putLong(chunk)
                .putLong(size).putLong(used).putInt(0).putInt(0);
        staging.put(payload.duplicate());
        ByteBuffer h = staging.duplicate().position(start).limit(start + HEADER);
        ByteBuffer p = staging.duplicate().position(start + HEADER).limit(start + need);
        staging.putInt(start + CRC_AT, crc(h, p));
        Loc loc = new Loc(active, pos, seq, length);
        pos += need;
        return loc;
    }

    private void switchSegment(Runnable waitForSpace) {
        writeStaged();
        if (active >= 0) {
            sealed.add(active);
        }
        Integer next = free.poll();
        while (next == null) {
            waitForSpace.run();
            try {
                next = free.poll(100, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new NacreException(Status.IO, name + ": interrupted while waiting for WAL space");
            }
        }
        active = next;
        takenSinceMark.add(active);
        pos = 0;
        stagedAt = 0;
    }

    /** Writes the staged records to their segment (no flush). */
    private void writeStaged() {
        if (staging.position() == 0) {
            return;
        }
        staging.flip();
        long end = stagedAt + staging.remaining();
        // Noted before writing: a write that fails half-way is undone by rollback too.
        writtenSinceMark.add(new long[] {active, stagedAt, end});
        try {
            ensureZeroed(active, end);
            FileChannel ch = channels[active];
            long at = stagedAt;
            while (staging.hasRemaining()) {
                at += ch.write(staging, at);
            }
        } catch (IOException e) {
            throw ioError("write", e);
        } finally {
            staging.clear();
        }
        unforced.set(active);
        stagedAt = end;
    }

    /** Writes the group's records without flushing them (UNSTABLE), and ends the group on a 4 KiB boundary. */
    void flush() {
        writeStaged();
        endGroup();
    }

    /** Writes and fdatasyncs every segment the group touched: its records are durable on return. */
    void force() {
        writeStaged();
        try {
            for (int s = unforced.nextSetBit(0); s >= 0; s = unforced.nextSetBit(s + 1)) {
                channels[s].force(false);
            }
        } catch (IOException e) {
            throw ioError("fdatasync", e);
        }
        unforced.clear();
        endGroup();
    }

    private void endGroup() {
        if (active >= 0) {
            pos = Math.min(alignUp(pos), segmentSize);
            stagedAt = pos;
        }
        mark();
    }

    private void mark() {
        markActive = active;
        markPos = pos;
        markSeq = nextSeq;
        takenSinceMark.clear();
        writtenSinceMark.clear();
    }

    /**
     * Undoes the records appended since the last group ended: overwrites them with zeros (so no later
     * fdatasync can make them durable and recovery cannot find them) and rewinds. Throws if that fails.
     */
    void rollback() {
        staging.clear();
        try {
            for (long[] w : writtenSinceMark) {
                FileChannel ch = channels[(int) w[0]];
                for (long at = w[1]; at < w[2]; ) {
                    at += ch.write(zeros.duplicate().limit((int) Math.min(zeros.capacity(), w[2] - at)), at);
                }
            }
        } catch (IOException e) {
            throw ioError("roll back", e);
        }
        for (int s : takenSinceMark) {
            sealed.remove(Integer.valueOf(s));
            if (s != markActive) {
                free.add(s);
            }
        }
        if (markActive >= 0) {
            sealed.remove(Integer.valueOf(markActive));
        }
        active = markActive;
        pos = markPos;
        stagedAt = markPos;
        nextSeq = markSeq;
        mark();
    }

    /** Whether the current segment holds records not yet handed to a checkpoint. */
    boolean hasRecordsSinceRotate() {
        return (active >= 0 && pos > 0) || !sealed.isEmpty();
    }

    int sealedCount() {
        return sealed.size();
    }

    int freeCount() {
        return free.size();
    }

    /**
     * Closes the current segment for new records (at a group boundary) and returns every segment whose
     * records a checkpoint starting now covers; they come back through {@link #release}.
     */
    List<Integer> rotate() {
        List<Integer> out = new ArrayList<>(sealed);
        sealed.clear();
        if (active >= 0) {
            out.add(active);
        }
        active = -1;
        mark();
        return out;
    }

    /** Segments whose records are all in LMDB now: free for reuse. Called by the checkpoint. */
    void release(List<Integer> segments) {
        free.addAll(segments);
    }

    private void ensureZeroed(int s, long end) throws IOException {
        if (zeroed[s] >= end) {
            return;
        }
        boolean created = channels[s] == null;
        if (created) {
            channels[s] = FileChannel.open(file(s), StandardOpenOption.CREATE, StandardOpenOption.READ,
                    StandardOpenOption.WRITE);
        }
        long target = Math.min(segmentSize, (end + ZERO_STEP - 1) / ZERO_STEP * ZERO_STEP);
        FileChannel ch = channels[s];
        for (long at = zeroed[s]; at < target; ) {
            at += ch.write(zeros.duplicate().limit((int) Math.min(zeros.capacity(), target - at)), at);
        }
        ch.force(true);
        if (created) {
            try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
                d.force(true);
            }
        }
        zeroed[s] = target;
        mapIfFull(s);
    }

    /** Maps a segment once it has its full size (never before: touching a map past the end of a file is SIGBUS). */
    private void mapIfFull(int s) throws IOException {
        if (zeroed[s] == segmentSize && maps.get(s) == null) {
            maps.set(s, channels[s].map(FileChannel.MapMode.READ_ONLY, 0, segmentSize));
        }
    }

    // ---- reading (any thread) ---------------------------------------------------------------------------

    /**
     * The payload of the record at {@code loc}, checked against its CRC; null if another record is there
     * now (the segment was released and reused: the caller looks the chunk up again). A CRC failure of the
     * record the caller expects is CORRUPT.
     */
    ByteBuffer read(Loc loc, long id, long chunk) {
        ByteBuffer buf;
        MappedByteBuffer map = maps.get(loc.segment());
        if (map != null) {
            buf = map.slice((int) loc.offset(), HEADER + loc.length());
        } else {
            buf = ByteBuffer.allocate(HEADER + loc.length());
            try {
                readFully(channels[loc.segment()], buf, loc.offset());
            } catch (IOException e) {
                throw ioError("read", e);
            }
            buf.flip();
        }
        if (buf.remaining() < HEADER || buf.getLong(8) != loc.seq() || buf.getInt(0) != MAGIC
                || buf.getInt(4) != loc.length() || buf.getLong(24) != id || buf.getLong(32) != chunk) {
            return null;
        }
        ByteBuffer h = buf.duplicate().limit(HEADER);
        ByteBuffer p = buf.duplicate().position(HEADER);
        if (buf.getInt(CRC_AT) != crc(h, p)) {
            throw new NacreException(Status.CORRUPT, "%s: object 0x%x chunk %d fails its CRC32C in the WAL"
                    .formatted(name, id, chunk));
        }
        return p;
    }

    private static void readFully(FileChannel ch, ByteBuffer dst, long at) throws IOException {
        long p = at;
        while (dst.hasRemaining()) {
            int n = ch.read(dst, p);
            if (n < 0) {
                return;
            }
            p += n;
        }
    }

    private static int crc(ByteBuffer header, ByteBuffer payload) {
        CRC32C c = new CRC32C();
        c.update(header.duplicate().limit(header.position() + CRC_AT));
        c.update(payload.duplicate());
        return (int) c.getValue();
    }

    private static long alignUp(long v) {
        return (v + ALIGN - 1) / ALIGN * ALIGN;
    }

    private NacreException ioError(String what, IOException e) {
        String m = String.valueOf(e.getMessage());
        Status st = m.contains("No space left") ? Status.NO_SPACE : Status.IO;
        return new NacreException(st, name + ": WAL " + what + " failed: " + m, e);
    }

    @Override
    public void close() {
        for (FileChannel ch : channels) {
            if (ch != null) {
                try {
                    ch.close();
                } catch (IOException e) {
                    // Nothing is left to flush: every durable record was forced before it was acknowledged.
                    LOG.warn("{}: closing a WAL segment failed: {}", name, e.toString());
                }
            }
        }
    }
}
