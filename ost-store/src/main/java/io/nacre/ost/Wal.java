package io.nacre.ost;

import io.nacre.engine.NacreException;
import io.nacre.engine.Status;
import io.nacre.engine.fault.Faults;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.concurrent.PriorityBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An OST's write-ahead log: segment files {@code wal-NNN} in the OST directory, each written once with
 * zeros up to its size and then only overwritten, so that the fdatasync that makes a group durable
 * flushes data blocks and never has to commit the file system's journal. A record is one chunk image:
 * a 64-byte header (magic, payload length, sequence number, OST instance, object id, chunk index, the
 * object's size and bytes used after it, record kind, CRC32C over header and payload) and the payload. A
 * truncate or destroy is a record too (its size, and the kept part of the chunk it cuts). Each group
 * starts on a 4 KiB boundary, so a new group never rewrites a page that holds acknowledged records.
 *
 * <p>Several {@link Stream streams} append at once, each into its own segment: groups are formed one
 * after the other under the OST's commit lock (which numbers their records from one per-OST sequence),
 * and their fdatasyncs run concurrently, one per stream. The OST acknowledges groups in sequence order,
 * so at any crash the acknowledged records form a prefix of the sequence. Recovery accepts a record only
 * if it is whole (CRC), continues the sequence by exactly one over all segments, and does not go back in
 * instance: it stops at the first torn or missing record and never takes stale records of an older pass
 * or of groups in flight at a crash. The checkpoint thread {@link #release releases} segments once LMDB
 * holds their records.
 *
 * <p>A segment is written with zeros once before records go into it, by a background thread that prepares
 * every segment when the WAL opens ({@link #prepareInBackground}) while every stream is idle (for longer
 * than the writers' recent pauses: {@link #quietNanos}); a range a writer reaches first takes its records
 * straight, extending the file (claimed under the segment's lock, which the preparing thread also takes for
 * each of its steps). Zeros are no records, so a segment half
 * prepared at a crash is recovered like any other.
 *
 * <p>A checkpoint may {@link #adopt} a segment as a data file (a second name for its inode): the segment's
 * name then gets a fresh file before the segment is freed, so no writer overwrites adopted records. A data file
 * whose records all died may come back as such a fresh file, written to its full size already ({@link #recycle}).
 * After the open, fresh files are written with zeros only while few free segments are prepared
 * ({@link #prepareOnDemand}): the others wait for a dead data file.
 */
final class Wal implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Wal.class);

    static final int HEADER = 64;
    static final int MAGIC = 0x4e57414c; // "NWAL"
    private static final int ALIGN = 4096;
    private static final int ZERO_STEP = 8 << 20;
    private static final int MAX_PAYLOAD = 4 << 20;
    private static final int KIND_AT = 56;
    private static final int CRC_AT = 60;
    /** Holds a 1 MiB write of 64 KiB chunks with its 16 headers, so that it goes out in one pwrite. */
    private static final int STAGING = (1 << 20) + (64 << 10);
    /** Hit before each step (8 MiB at most) of the background preparation of the segments. */
    static final String FAULT_PREPARE_STEP = "ost.wal.prepare.step";
    /** Hit before the fdatasyncs of each group that has any (tests slow syncs with it, as a busy disk would). */
    static final String FAULT_FORCE = "ost.wal.force";
    /** A dead data file is about to be renamed over a waiting fresh segment file ({@link #recycle}). */
    static final String FAULT_RECYCLE_BEFORE_RENAME = "ost.wal.recycle.before_rename";
    /** A dead data file was renamed over a fresh segment file; the directory is not flushed yet. */
    static final String FAULT_RECYCLE_BEFORE_FLUSH = "ost.wal.recycle.before_flush";
    /**
     * The preparation waits until every stream has been idle for this long at least: while writers are busy
     * they prepare what they reach themselves, as without it, and the zeros of segments nobody needs yet do
     * not compete with their flushes for the disk. Longer after the writers paused for longer (see
     * {@link #quietNanos}).
     */
    static final long PREPARE_QUIET_NANOS = TimeUnit.MILLISECONDS.toNanos(50);
    /**
     * The longest the preparation waits for: the OST's own idle time before it checkpoints. A pause longer
     * than this is the end of a stream, not a pause in one, and is not learnt.
     */
    static final long PREPARE_QUIET_MAX_NANOS = TimeUnit.SECONDS.toNanos(2);
    /** A pause the writers made counts for half as much after this long (then a quarter, and so on). */
    private static final long PAUSE_HALF_LIFE_NANOS = TimeUnit.SECONDS.toNanos(10);
    /** Record kinds: a chunk image; a truncate (size; payload: the kept part of the cut chunk, if any); a destroy. */
    static final int IMAGE = 0;
    static final int TRUNCATE = 1;
    static final int DESTROY = 2;

    /** Where a record lies: segment, offset of its header, its sequence number and payload length. */
    record Loc(int segment, long offset, long seq, int length) {
    }

    /** A record found by recovery. */
    record Entry(Loc loc, int kind, long id, long chunk, long size, long used, long instance) {
    }

    private final Path dir;
    private final String name;
    private final long segmentSize;
    /** Segment files; null until created. Set under the segment's lock, read by any thread. */
    private final AtomicReferenceArray<FileChannel> channels;
    /**
     * Bytes at the start of each segment file already written with zeros, or claimed for records (see
     * {@link #ensureZeroed}): only records go below, only zeros above. Raised under the segment's lock (by a
     * writer or the preparing thread).
     */
    private final AtomicLongArray zeroed;
    /** One per segment: held while its file is created or extended with zeros. */
    private final ReentrantLock[] segmentLocks;
    /**
     * One per segment: held by a run read ({@link #readRun}) from setting its file channel's position to the end
     * of its scattering read (the position is used by nothing else: every other read and write is positional).
     */
    private final ReentrantLock[] runLocks;
    /**
     * Per segment, under its {@link #runLocks}: the channel a run read last read and where that left its
     * position, so that a run that starts there (the next part of a stream) needs no seek.
     */
    private final FileChannel[] runChannels;
    private final long[] runPositions;
    /** Bytes of records writers wrote beyond the prepared part of a segment (the preparation was not there yet). */
    private final AtomicLong writtenByWriters = new AtomicLong();
    /** Completes when the background preparation has written every segment to its full size. */
    private final CompletableFuture<Void> prepared = new CompletableFuture<>();
    private volatile boolean closing;
    private volatile Thread preparer;
    /**
     * When the last group began or the last stream came back (System.nanoTime()): the preparation keeps out
     * of the writers' way.
     */
    private volatile long lastGroupNanos = System.nanoTime();
    /** Segment flushes (fdatasync) of groups so far: what a change that needs none must not add to. */
    private final AtomicLong groupFlushes = new AtomicLong();
    /**
     * The longest recent pause of the writers (every stream idle, then a group began), decaying with time:
     * the preparation waits for twice that, so that it does not write zeros into the pauses of a stream that
     * goes on (and into space the stream then writes again). Set under the commit lock.
     */
    private volatile Pause pause = new Pause(0, System.nanoTime());
    /** Whether a group began since the WAL started: the wait for the first one is no pause of a stream. */
    private boolean begun;
    /** Whether the preparation's last step of zeros may not be flushed yet (set before it is written). */
    private volatile boolean stepUnflushed;
    /** Bytes of zeros the background preparation wrote (tests). */
    private final AtomicLong preparedZeros = new AtomicLong();
    /** Read-only maps of the segments written to their full size: reads need no system call or extra copy. */
    private final AtomicReferenceArray<MappedByteBuffer> maps;
    /** Free segments, lowest first: a lightly used OST keeps cycling through its first few files. */
    private final PriorityBlockingQueue<Integer> free = new PriorityBlockingQueue<>();
    private final ByteBuffer zeros = ByteBuffer.allocateDirect(1 << 20);
    /** Unmaps the map of a segment's old file once it got a fresh one (and no read can hold it). */
    private final Unmapper unmapper;
    /**
     * Segments a checkpoint adopted as data files whose name has no fresh file yet: never freed, so no
     * writer overwrites the adopted records.
     */
    private final Set<Integer> adopted = ConcurrentHashMap.newKeySet();
    /** Fresh files now under an adopted segment's name, taken in by the writer that next takes the segment. */
    private final ConcurrentHashMap<Integer, FileChannel> fresh =
            new ConcurrentHashMap<>();
    /** Bytes of zeros the preparation wrote into a fresh file not taken yet (its segment's lock held). */
    private final ConcurrentHashMap<Integer, Long> freshZeroed =
            new ConcurrentHashMap<>();
    /**
     * Segments whose fresh file is a recycled data file renamed there while the directory flush after it failed:
     * the writer that takes one flushes the directory first, so that no acknowledged record lies in a file whose
     * name may not survive a crash.
     */
    private final Set<Integer> nameUnflushed = ConcurrentHashMap.newKeySet();
    /** Dead data files taken as segment files ({@link #recycle}; tests). */
    private final AtomicLong recycled = new AtomicLong();
    /**
     * Wakes the background preparation after the open's: a writer took a free segment, a checkpoint freed some, or
     * the WAL closes. It waits untimed otherwise: it polled every 200 ms before, five wake-ups a second per OST for
     * the OST's whole life, in a TCG guest each a trip through the emulated kernel.
     */
    private final Semaphore prepareWanted = new Semaphore(0);
    /**
     * After the open, the preparation writes zeros only while fewer free segments than this are prepared (the
     * number of streams: a burst starts with up to one segment per stream at once): the other fresh files wait, so
     * that the dead data files of a later delete or overwrite take their place ({@link #recycle}) instead of zeros.
     */
    private final int preparedFreeTarget;
    /** How long the writers must have been idle before the preparation also writes the fresh files left waiting. */
    private volatile long prepareWaitingAfterNanos = Long.MAX_VALUE;
    /**
     * How long nothing may have been read from the OST before the preparation writes the fresh files left waiting:
     * a stream read back long after it was written is still going.
     */
    static final long READ_QUIET_NANOS = TimeUnit.SECONDS.toNanos(2);
    /** When the OST last served a read ({@link #noteRead}). */
    private volatile long lastReadNanos = System.nanoTime() - READ_QUIET_NANOS;

    /**
     * Streams not carrying a group, the one back last first: a lone writer keeps to one stream; several
     * writers each find one.
     */
    private final LinkedBlockingDeque<Stream> idle = new LinkedBlockingDeque<>();
    /** Tests: the stream back first goes first instead (see OstOptions.Builder#walStreamsInTurn). */
    private final boolean streamsInTurn;
    private final Stream[] streams;

    // Under the caller's commit lock.
    private long instance;
    private long nextSeq = 1;
    /** Segments full of records, not yet handed to a checkpoint. */
    private final List<Integer> sealed = new ArrayList<>();
    /** Segments that unstable groups wrote and no flush has covered yet. */
    private final BitSet unstable = new BitSet();
    /** The number of {@link #unstable} segments, for any thread. */
    private final AtomicInteger unstableCount = new AtomicInteger();

    Wal(Path dir, String name, long segmentSize, int wantedSegments, int streamCount, boolean streamsInTurn,
        Unmapper unmapper) {
        this.streamsInTurn = streamsInTurn;
        this.unmapper = unmapper;
        this.dir = dir;
        this.name = name;
        this.segmentSize = segmentSize;
        // Segments left by an earlier open with more of them still count: they may hold records.
        int segments = Math.max(wantedSegments, highestSegment(dir) + 1);
        this.channels = new AtomicReferenceArray<>(segments);
        this.zeroed = new AtomicLongArray(segments);
        this.segmentLocks = new ReentrantLock[segments];
        this.runLocks = new ReentrantLock[segments];
        this.runChannels = new FileChannel[segments];
        this.runPositions = new long[segments];
        this.maps = new AtomicReferenceArray<>(segments);
        this.streams = new Stream[streamCount];
        this.preparedFreeTarget = streamCount;
        for (int i = 0; i < streamCount; i++) {
            streams[i] = new Stream(i);
        }
        try {
            for (int s = 0; s < segments; s++) {
                segmentLocks[s] = new ReentrantLock();
                runLocks[s] = new ReentrantLock();
                Path f = file(s);
                if (Files.exists(f)) {
                    FileChannel ch = FileChannel.open(f, StandardOpenOption.READ, StandardOpenOption.WRITE);
                    channels.set(s, ch);
                    // A file may be longer than the segment size (made with a larger one): recovery scans it all.
                    zeroed.set(s, Math.min(ch.size(), segmentSize));
                    mapIfFull(s);
                }
            }
        } catch (IOException e) {
            close();
            throw new NacreException(Status.IO, name + ": cannot open the WAL in " + dir + ": " + e.getMessage(), e);
        }
    }

    /**
     * At open, after the data files no LMDB record names are deleted: a segment file with another name is
     * a data file that a checkpoint committed before it could give the segment a fresh file. It gets one
     * now, so that no writer overwrites the data file. Temporary files of such a replacement are deleted.
     */
    static void replaceLinkedSegments(Path dir, String name) {
        boolean changed = false;
        try (java.util.stream.Stream<Path> files = Files.list(dir)) {
            for (Path f : files.toList()) {
                String n = f.getFileName().toString();
                if (n.matches("wal-\\d{3}\\.new")) {
                    Files.delete(f);
                    changed = true;
                } else if (n.matches("wal-\\d{3}") && ((Number) Files.getAttribute(f, "unix:nlink")).intValue() > 1) {
                    LOG.info("{}: {} is also a data file; it gets a fresh, empty file", name, n);
                    replaceFile(f).close();
                    changed = true;
                }
            }
            if (changed) {
                flushDirectory(dir);
            }
        } catch (IOException e) {
            throw new NacreException(Status.IO, name + ": cannot replace adopted WAL segments in " + dir + ": "
                    + e.getMessage(), e);
        }
    }

    /** Puts a fresh, empty file under {@code f}'s name (the caller flushes the directory); returns it open. */
    private static FileChannel replaceFile(Path f) throws IOException {
        Path tmp = f.resolveSibling(f.getFileName() + ".new");
        FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.READ, StandardOpenOption.WRITE);
        try {
            Files.move(tmp, f, StandardCopyOption.ATOMIC_MOVE,
                    StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            ch.close();
            throw e;
        }
        return ch;
    }

    // ---- adoption (the checkpoint thread) -------------------------------------------------------------

    /** Whether a segment handed to the checkpoint can be adopted (not one adopted before still waiting for its fresh file). */
    boolean adoptable(int s) {
        return !adopted.contains(s) && channels.get(s) != null;
    }

    /**
     * The segment is about to become a data file: flushed (an unstable group may have written it) and
     * never freed until it has a fresh file; returns its size on disk. Marked under the segment's lock, which
     * each preparation step holds: a step either ended before (its zeros counted in the size) or sees the mark
     * and leaves the segment alone. Before, a step could write zeros past the records into the data file after
     * its size was taken (it waited only for the fresh file), so the file on disk outgrew LMDB's record of it.
     */
    long adopt(int s) {
        segmentLocks[s].lock();
        try {
            adopted.add(s);
            FileChannel ch = channels.get(s);
            ch.force(false);
            return ch.size();
        } catch (IOException e) {
            throw ioError("fdatasync", e);
        } finally {
            segmentLocks[s].unlock();
        }
    }

    /** The checkpoint did not commit: the segment is a WAL segment only again. */
    void unadopt(int s) {
        adopted.remove(s);
    }

    /**
     * Gives every adopted segment a fresh file under its name (created, renamed over it, directory flushed:
     * after a crash the name never leads back to the data file's inode once a writer wrote there). The
     * writer that next takes the segment switches to it ({@link #switchSegment}).
     */
    void replaceAdopted() {
        if (adopted.isEmpty()) {
            return;
        }
        List<Integer> done = new ArrayList<>();
        try {
            for (int s : List.copyOf(adopted)) {
                FileChannel old = fresh.put(s, replaceFile(file(s)));
                if (old != null) {
                    closeQuietly(old);
                }
                done.add(s);
            }
            flushDirectory();
        } catch (IOException e) {
            // Still adopted: not freed; the next checkpoint tries again.
            throw ioError("replace an adopted segment", e);
        }
        for (int s : done) {
            adopted.remove(s);
            // Nothing new reads the old file through the WAL (its records are the data file's now), and a map
            // or a descriptor would keep the data file's inode, its cached pages and its blocks after it is
            // deleted. Both go now, through the unmapper: closed once every call that could still hold a
            // record's place in the old file has ended (a group formed under the commit lock reads the image it
            // merges with and must find it). Before, the descriptor closed only when a writer next took the
            // segment, so a deleted data file's space came back only then, and that writer, under the commit
            // lock, or the unmapper after it, paid for the inode's eviction (its page cache dropped, its blocks
            // freed) in the middle of a stream of writes.
            unmapper.drop(maps.getAndSet(s, null));
            unmapper.drop(channels.get(s));
        }
    }

    /**
     * The writer taking segment {@code s} (commit lock held): if it was adopted, the fresh file under its
     * name takes its place; the old channel closes (a reader still on it gets "moved" and looks again).
     */
    private void takeFresh(int s) {
        if (!fresh.containsKey(s)) {
            return;
        }
        segmentLocks[s].lock();
        try {
            if (nameUnflushed.contains(s)) {
                flushDirectory();
                nameUnflushed.remove(s);
            }
            // The fresh channel is in place before the segment leaves {@link #fresh}: a flush that finds the
            // old one closed tells a replaced segment by either (see force).
            FileChannel ch = fresh.get(s);
            FileChannel old = channels.getAndSet(s, ch);
            fresh.remove(s);
            unmapper.drop(maps.getAndSet(s, null));
            Long prepared = freshZeroed.remove(s);
            zeroed.set(s, prepared == null ? 0 : prepared);
            unstable.clear(s);
            unstableCount.set(unstable.cardinality());
            if (old != null) {
                closeQuietly(old);
            }
            mapIfFull(s);
        } catch (IOException e) {
            throw ioError("map", e);
        } finally {
            segmentLocks[s].unlock();
        }
    }

    /**
     * Takes a dead data file (LMDB names it no more, that commit durable; no read can hold its map) as the file of
     * a segment whose fresh file is still waiting, not taken by a writer nor prepared to its full size: the data
     * file is a whole segment written already, so the preparation writes no zeros there. Checkpoint thread (which
     * alone links and renames data files and segments). Returns false, leaving the file, if it does not fit or no
     * segment waits. Under the segment's lock, which the writer taking the segment and each preparation step hold:
     * renamed over the fresh file (atomic: after a crash the name leads to the fresh file, which holds no records,
     * or to this one, whose records all lie at or below {@code wal-applied} and are never replayed), the directory
     * flushed, and only then the segment's file for writers. Only a file with no other name: one still also a
     * segment (its segment not given its fresh file yet) would make two segments one inode.
     */
    boolean recycle(Path dead) throws IOException {
        if (closing || Files.size(dead) != segmentSize
                || ((Number) Files.getAttribute(dead, "unix:nlink")).intValue() != 1) {
            return false;
        }
        for (int s = 0; s < channels.length(); s++) {
            if (!waitsForPreparation(s)) {
                continue;
            }
            segmentLocks[s].lock();
            try {
                FileChannel waiting = fresh.get(s);
                if (waiting == null || !waitsForPreparation(s)) {
                    continue; // taken by a writer meanwhile
                }
                Faults.hit(FAULT_RECYCLE_BEFORE_RENAME);
                FileChannel ch = FileChannel.open(dead, StandardOpenOption.READ, StandardOpenOption.WRITE);
                try {
                    Files.move(dead, file(s), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                } catch (IOException e) {
                    ch.close();
                    throw e;
                }
                // The name leads to the recycled file now: the waiting one is nobody's (no writer took it).
                fresh.put(s, ch);
                freshZeroed.put(s, segmentSize);
                closeQuietly(waiting);
                recycled.incrementAndGet();
                try {
                    Faults.hit(FAULT_RECYCLE_BEFORE_FLUSH);
                    flushDirectory();
                } catch (IOException | RuntimeException e) {
                    nameUnflushed.add(s);
                    LOG.warn("{}: flushing the directory after recycling {} as WAL segment {} failed (the writer "
                            + "that takes it flushes it first): {}", name, dead.getFileName(), s, e.toString());
                }
                LOG.debug("{}: dead data file {} is WAL segment {}'s file now (no zeros needed)", name,
                        dead.getFileName(), s);
                return true;
            } finally {
                segmentLocks[s].unlock();
            }
        }
        return false;
    }

    /** Whether segment {@code s} has a fresh file no writer took yet and the preparation has not filled. */
    private boolean waitsForPreparation(int s) {
        return fresh.containsKey(s) && freshZeroed.getOrDefault(s, 0L) < segmentSize;
    }

    /** Dead data files taken as segment files so far (tests). */
    long recycled() {
        return recycled.get();
    }

    private static int highestSegment(Path dir) {
        try (java.util.stream.Stream<Path> files = Files.list(dir)) {
            return files.map(f -> f.getFileName().toString()).filter(n -> n.matches("wal-\\d{3}"))
                    .mapToInt(n -> Integer.parseInt(n.substring(4))).max().orElse(-1);
        } catch (IOException e) {
            throw new NacreException(Status.IO, "cannot list " + dir + ": " + e.getMessage(), e);
        }
    }

    Path file(int s) {
        return dir.resolve("wal-%03d".formatted(s));
    }

    long segmentSize() {
        return segmentSize;
    }

    int segments() {
        return channels.length();
    }

    /**
     * Bytes of the segments in use (records not yet checkpointed, open or unflushed ones): at most what a
     * sync or a write may have to flush or wait for the checkpoint of before it returns (any thread).
     */
    long busyBytes() {
        long busy = Math.max(0, segments() - free.size()) + unstableCount.get();
        return Math.min(busy, segments()) * segmentSize;
    }

    // ---- recovery -------------------------------------------------------------------------------------

    /**
     * The records after {@code applied}, in sequence order: each segment's run of valid records (rising
     * sequence numbers, instance never going back), merged over all segments by sequence number, taken
     * one by one from {@code applied + 1} until the first missing, torn or stale one. Groups are
     * acknowledged in sequence order, so every record after that first gap was never acknowledged.
     */
    List<Entry> recover(long applied) {
        // For each sequence number the record of the newest instance: a newer instance reuses the numbers
        // of records its recovery did not take (never acknowledged).
        TreeMap<Long, Entry> bySeq = new TreeMap<>();
        for (int s = 0; s < channels.length(); s++) {
            if (channels.get(s) != null) {
                for (Entry e : scan(s)) {
                    if (e.loc().seq() > applied) {
                        bySeq.merge(e.loc().seq(), e, (a, b) -> b.instance() > a.instance() ? b : a);
                    }
                }
            }
        }
        List<Entry> out = new ArrayList<>();
        long expected = applied + 1;
        long minInstance = Long.MIN_VALUE;
        for (Entry e = bySeq.get(expected); e != null && e.instance() >= minInstance; e = bySeq.get(expected)) {
            out.add(e);
            expected++;
            minInstance = e.instance();
        }
        reportBeyond(bySeq.tailMap(expected).values(), expected, minInstance);
        return out;
    }

    /**
     * Valid records beyond the end of the recovered chain are either the rest of the groups in flight at
     * the crash (never acknowledged), or, if a bit rotted in a flushed record, acknowledged writes that
     * recovery cannot reach. The log cannot tell the two apart, so it says so loudly with what it skips.
     */
    private void reportBeyond(Iterable<Entry> rest, long expected, long minInstance) {
        long skipped = 0;
        long highest = -1;
        for (Entry e : rest) {
            if (e.instance() >= minInstance) {
                skipped++;
                highest = Math.max(highest, e.loc().seq());
            }
        }
        if (skipped > 0) {
            LOG.warn("{}: WAL recovery stops at record {} (missing, torn or failing its CRC) and skips {} valid "
                    + "record(s) up to {} after it: groups in flight at the crash, or, if the crash did not come "
                    + "mid-flush, acknowledged writes lost to a damaged WAL; check the disk", name, expected, skipped,
                    highest);
        }
    }

    /**
     * The valid records of one segment from its start: rising sequence numbers (one stream wrote them,
     * interleaved with the other streams' numbers), instance never going back. An older pass over the
     * segment has lower numbers, or an older instance, so it ends the run.
     */
    private List<Entry> scan(int s) {
        List<Entry> chain = new ArrayList<>();
        ByteBuffer header = ByteBuffer.allocate(HEADER);
        long at = 0;
        long limit;
        try {
            limit = channels.get(s).size();
        } catch (IOException e) {
            throw ioError("size", e);
        }
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
            readFully(channels.get(s), header, at);
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
                if (seq <= prev.loc().seq() || inst < prev.instance()) {
                    return null;
                }
            }
            ByteBuffer payload = ByteBuffer.allocate(length);
            readFully(channels.get(s), payload, at + HEADER);
            payload.flip();
            if (header.getInt(CRC_AT) != crc(header, payload)) {
                return null;
            }
            return new Entry(new Loc(s, at, seq, length), header.getInt(KIND_AT), header.getLong(24),
                    header.getLong(32), header.getLong(40), header.getLong(48), inst);
        } catch (IOException e) {
            throw new NacreException(Status.IO, name + ": cannot read WAL segment " + s + ": " + e.getMessage(), e);
        }
    }

    /** After recovery (and its checkpoint): every segment is free; new records continue at {@code nextSeq}. */
    void start(long nextSeq, long instance) {
        this.nextSeq = nextSeq;
        this.instance = instance;
        free.clear();
        for (int s = 0; s < channels.length(); s++) {
            free.add(s);
        }
        idle.clear();
        for (Stream st : streams) {
            st.active = -1;
            idle.add(st);
        }
    }

    /** Segments holding any record (all of them are handed to the recovery checkpoint). */
    List<Integer> existing() {
        List<Integer> out = new ArrayList<>();
        for (int s = 0; s < channels.length(); s++) {
            if (channels.get(s) != null) {
                out.add(s);
            }
        }
        return out;
    }

    // ---- appending (under the caller's commit lock) ----------------------------------------------------

    /**
     * One append position: its current segment, and the group being written into it. A stream carries one
     * group at a time, from {@link #begin} until its {@link #force flush} ends (or {@link #rollback}); the
     * streams' flushes run at the same time, each on its own segment file.
     */
    final class Stream {
        final int number;
        private int active = -1;
        private long pos;
        /** Where records are encoded when they are written (by whoever owns the stream then). */
        private ByteBuffer staging = ByteBuffer.allocateDirect(STAGING);
        /** The CRC of the record being encoded (reset per record: no CRC object and buffer views per record). */
        private final CRC32C crc = new CRC32C();
        /** The records appended since the last cut, contiguous in the current segment from {@link #openAt}. */
        private final List<Rec> open = new ArrayList<>();
        private long openAt;
        private long openBytes;
        /** The group's records, bound to their place in a segment, not yet written. */
        private final List<Piece> pieces = new ArrayList<>();
        /** Segments this group wrote (flushed with it when it is durable). */
        private final BitSet written = new BitSet();
        // Rollback point: where the group began.
        private int markActive = -1;
        private long markPos;
        private long markSeq;
        private final List<Integer> takenSinceMark = new ArrayList<>();
        private final List<long[]> writtenSinceMark = new ArrayList<>();

        Stream(int number) {
            this.number = number;
        }
    }

    /** A record to write: its header fields and payload (encoded, with its CRC, only when written). */
    private record Rec(int kind, long seq, long id, long chunk, long size, long used, ByteBuffer payload) {
    }

    /** Records that lie one after the other in a segment from {@code at}, {@code bytes} in all. */
    private record Piece(int segment, long at, long bytes, List<Rec> recs) {
    }

    /** What one group's flush must write and fdatasync, and the stream it gives back. */
    record Flush(Stream stream, List<Piece> pieces, int[] segments) {
    }

    /** Segment flushes (fdatasync) done for groups so far. */
    long groupFlushes() {
        return groupFlushes.get();
    }

    /** The sequence number of the last record appended. */
    long lastSeq() {
        return nextSeq - 1;
    }

    int streams() {
        return streams.length;
    }

    /** An idle stream, or null if every stream is busy with a group; streams take turns (FIFO). */
    Stream pollIdle() {
        return idle.poll();
    }

    /** Waits up to {@code millis} for an idle stream; null if none came. */
    Stream awaitIdle(long millis) {
        try {
            return idle.poll(millis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new NacreException(Status.IO, name + ": interrupted while waiting for a WAL stream");
        }
    }

    /** Whether a stream is idle, waiting up to {@code millis} for one (it stays idle, first in line). */
    boolean awaitAnyIdle(long millis) {
        try {
            Stream st = idle.pollFirst(millis, TimeUnit.MILLISECONDS);
            if (st == null) {
                return false;
            }
            idle.addFirst(st);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new NacreException(Status.IO, name + ": interrupted while waiting for a WAL stream");
        }
    }

    /** A pause of the writers ({@code nanos} long, ended at {@code at}). */
    private record Pause(long nanos, long at) {
        /** What it counts for at {@code now}: halved every {@link #PAUSE_HALF_LIFE_NANOS}. */
        long weight(long now) {
            return nanos == 0 ? 0 : (long) (nanos * Math.pow(0.5, (now - at) / (double) PAUSE_HALF_LIFE_NANOS));
        }
    }

    /** Starts a group on an idle stream taken by {@link #pollIdle}. */
    void begin(Stream st) {
        long now = System.nanoTime();
        if (begun && idle.size() == streams.length - 1) {
            // Every other stream idle: the writers paused since the last group ended.
            notePause(now - lastGroupNanos, now);
        }
        begun = true;
        lastGroupNanos = now;
        st.markActive = st.active;
        st.markPos = st.pos;
        st.markSeq = nextSeq;
        st.takenSinceMark.clear();
        st.writtenSinceMark.clear();
        st.written.clear();
    }

    /**
     * Appends one chunk image to the stream's group (staged; written at {@link #end}). Blocks while no
     * segment is free (back-pressure: the checkpoint frees them); {@code waitForSpace} is called then.
     */
    Loc add(Stream st, int kind, long id, long chunk, long size, long used, ByteBuffer payload,
            Runnable waitForSpace) {
        int length = payload.remaining();
        int need = HEADER + length;
        if (st.active < 0 || st.pos + need > segmentSize) {
            switchSegment(st, waitForSpace);
        }
        long seq = nextSeq++;
        // Only numbered and placed here (under the commit lock); copied and CRC'd when written.
        st.open.add(new Rec(kind, seq, id, chunk, size, used, payload.duplicate()));
        st.openBytes += need;
        Loc loc = new Loc(st.active, st.pos, seq, length);
        st.pos += need;
        return loc;
    }

    /**
     * Before the records of one write ({@code bytes} at most, headers included): if they would not fit in
     * the rest of the stream's segment but fit in a fresh one, the stream moves to the next segment now, so
     * that they go out in one pwrite and one fdatasync of one file. Before, the record that did not fit went
     * to the next segment and the rest of the group with it: a group split over two files once per segment
     * (7 of the 256 groups of 256 MiB of 1 MiB writes), each half written and flushed on its own. The rest of the
     * segment (less than one write) stays unused, like the tail that is shorter than a record.
     */
    void keepTogether(Stream st, long bytes, Runnable waitForSpace) {
        if (st.active >= 0 && st.pos > 0 && st.pos + bytes > segmentSize && bytes <= segmentSize) {
            switchSegment(st, waitForSpace);
        }
    }

    private void switchSegment(Stream st, Runnable waitForSpace) {
        cutPiece(st);
        if (st.active >= 0) {
            completeSegment(st.active);
            sealed.add(st.active);
        }
        Integer next = takeFree();
        while (next == null) {
            waitForSpace.run();
            try {
                next = free.poll(100, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new NacreException(Status.IO, name + ": interrupted while waiting for WAL space");
            }
        }
        try {
            takeFresh(next);
        } catch (RuntimeException e) {
            free.add(next); // still waiting for its fresh file: the next writer tries again
            throw e;
        }
        st.active = next;
        st.takenSinceMark.add(next);
        st.pos = 0;
        st.openAt = 0;
        wakePreparation(); // one prepared free segment fewer, maybe
    }

    /**
     * The lowest free segment that is prepared, else the lowest free one; null if none is free (commit lock held:
     * writers alone take segments). Recycling and the preparation fill the lowest waiting fresh files first, but a
     * checkpoint may free a low fresh file beside higher prepared ones: a stream takes those first.
     */
    private Integer takeFree() {
        Integer best = null;
        for (Integer s : free) {
            if (isPrepared(s) && (best == null || s < best)) {
                best = s;
            }
        }
        return best != null && free.remove(best) ? best : free.poll();
    }

    /** Whether segment {@code s}'s file, or the fresh file waiting under its name, is written to its full size. */
    private boolean isPrepared(int s) {
        FileChannel waiting = fresh.get(s);
        return (waiting != null ? freshZeroed.getOrDefault(s, 0L) : zeroed.get(s)) >= segmentSize;
    }

    private void wakePreparation() {
        if (preparer != null) {
            prepareWanted.release();
        }
    }

    /**
     * Binds the records appended since the last cut to their place in the current segment (making sure the
     * segment is written with zeros that far first). They are written by the flush.
     */
    private void cutPiece(Stream st) {
        if (st.open.isEmpty()) {
            return;
        }
        long end = st.openAt + st.openBytes;
        try {
            ensureZeroed(st.active, end);
        } catch (IOException e) {
            throw ioError("write", e);
        }
        st.pieces.add(new Piece(st.active, st.openAt, st.openBytes, List.copyOf(st.open)));
        st.written.set(st.active);
        st.open.clear();
        st.openAt = end;
        st.openBytes = 0;
    }

    /**
     * Encodes pieces' records (header, payload, CRC) in the stream's staging buffer and writes them to their
     * segments (no flush); with {@code undo}, notes each range for {@link #rollback} first.
     */
    private void writePieces(Stream st, List<Piece> pieces, List<long[]> undo) {
        try {
            for (Piece p : pieces) {
                if (undo != null) {
                    undo.add(new long[] {p.segment(), p.at(), p.at() + p.bytes()});
                }
                FileChannel ch = channels.get(p.segment());
                long at = p.at();
                ByteBuffer staging = st.staging.clear();
                for (Rec r : p.recs()) {
                    int need = HEADER + r.payload().remaining();
                    if (staging.remaining() < need) {
                        at = writeOut(ch, staging, at);
                        if (staging.capacity() < need) {
                            st.staging = staging = ByteBuffer.allocateDirect(need);
                        }
                    }
                    encode(st.crc, staging, r);
                }
                writeOut(ch, staging, at);
            }
        } catch (IOException e) {
            throw ioError("write", e);
        }
    }

    private void encode(CRC32C crc, ByteBuffer staging, Rec r) {
        ByteBuffer payload = r.payload();
        int length = payload.remaining();
        int start = staging.position();
        staging.putInt(MAGIC).putInt(length).putLong(r.seq()).putLong(instance).putLong(r.id()).putLong(r.chunk())
                .putLong(r.size()).putLong(r.used()).putInt(r.kind()).putInt(0);
        staging.put(start + HEADER, payload, payload.position(), length);
        int end = start + HEADER + length;
        // The CRC covers the header up to its CRC field, then the payload (as crc() computes it for readers).
        crc.reset();
        staging.limit(start + CRC_AT).position(start);
        crc.update(staging);
        staging.limit(end).position(start + HEADER);
        crc.update(staging);
        staging.limit(staging.capacity()).position(end);
        staging.putInt(start + CRC_AT, (int) crc.getValue());
    }

    /** Writes the staging buffer at {@code at} and empties it; returns where the next bytes go. */
    private static long writeOut(FileChannel ch, ByteBuffer staging, long at) throws IOException {
        staging.flip();
        long p = at;
        while (staging.hasRemaining()) {
            p += ch.write(staging, p);
        }
        staging.clear();
        return p;
    }

    /**
     * Ends a group and says what its flush must write and fdatasync. A durable group's records are written
     * by its flush, outside the commit lock, and the flush also fdatasyncs every segment that unstable groups
     * wrote before it; an unstable group is written here and flushes nothing (its segments wait for the
     * next durable group or the checkpoint). {@code st} may be null for a group without records.
     */
    Flush end(Stream st, boolean durable) {
        BitSet mine = new BitSet();
        List<Piece> pieces = List.of();
        if (st != null) {
            cutPiece(st);
            pieces = List.copyOf(st.pieces);
            st.pieces.clear();
            if (!durable) {
                // Written now, under the lock: a later durable group's flush covers them, whoever runs it.
                writePieces(st, pieces, st.writtenSinceMark);
                pieces = List.of();
            }
            mine.or(st.written);
            st.written.clear();
            if (st.active >= 0) {
                // The next group starts on a fresh 4 KiB page: it never rewrites a page of this one.
                st.pos = Math.min(alignUp(st.pos), segmentSize);
                st.openAt = st.pos;
            }
        }
        if (!durable) {
            unstable.or(mine);
            unstableCount.set(unstable.cardinality());
            return new Flush(st, pieces, new int[0]);
        }
        mine.or(unstable);
        unstable.clear();
        unstableCount.set(0);
        int[] segments = new int[mine.cardinality()];
        for (int s = mine.nextSetBit(0), i = 0; s >= 0; s = mine.nextSetBit(s + 1)) {
            segments[i++] = s;
        }
        return new Flush(st, pieces, segments);
    }

    /**
     * Writes a group's records and fdatasyncs its segments (any thread, outside the commit lock: the
     * flushes of several streams run at once), then hands its stream back. Its records are durable on return.
     */
    void force(Flush f) {
        try {
            if (f.stream() != null) {
                writePieces(f.stream(), f.pieces(), null);
            }
            if (f.segments().length > 0) {
                Faults.hit(FAULT_FORCE);
            }
            for (int s : f.segments()) {
                FileChannel ch = channels.get(s);
                try {
                    ch.force(false);
                    groupFlushes.incrementAndGet();
                } catch (ClosedChannelException e) {
                    if (channels.get(s) == ch && !fresh.containsKey(s)) {
                        throw e;
                    }
                    // Adopted and replaced (meanwhile, or before, its old channel closed, waiting for a writer to
                    // take the fresh file): the checkpoint flushed the adopted file before it committed.
                    continue;
                }
                try {
                    mapIfFull(s);
                } catch (ClosedChannelException e) {
                    // Adopted and replaced after its flush, the old channel closed by the unmapper: nothing to map,
                    // and the flush stands. Before, this failed the flush and the OST refused writes until reopened
                    // (seen twice in six runs of the bench's reused-space fill: unstable writes, then a sync).
                    if (channels.get(s) == ch && !fresh.containsKey(s)) {
                        throw e;
                    }
                }
            }
        } catch (IOException e) {
            throw ioError("fdatasync", e);
        } finally {
            if (f.stream() != null) {
                lastGroupNanos = System.nanoTime();
                // Last back, first out: a lone writer keeps appending to one file, as a file writer does
                // (groups rotating over the streams' files cost it up to a quarter of its rate here).
                if (streamsInTurn) {
                    idle.addLast(f.stream());
                } else {
                    idle.addFirst(f.stream());
                }
            }
        }
    }

    /**
     * Undoes the stream's group (the last one begun: sequence numbers rewind to its first): overwrites
     * its records with zeros and flushes that, so that neither a later flush of another stream nor
     * recovery can find them beside the records that reuse their numbers; then hands the stream back.
     * Throws if that fails.
     */
    void rollback(Stream st) {
        st.open.clear();
        st.openBytes = 0;
        st.pieces.clear();
        BitSet touched = new BitSet();
        try {
            for (long[] w : st.writtenSinceMark) {
                FileChannel ch = channels.get((int) w[0]);
                for (long at = w[1]; at < w[2]; ) {
                    at += ch.write(zeros.duplicate().limit((int) Math.min(zeros.capacity(), w[2] - at)), at);
                }
                touched.set((int) w[0]);
            }
            for (int s = touched.nextSetBit(0); s >= 0; s = touched.nextSetBit(s + 1)) {
                channels.get(s).force(false);
            }
        } catch (IOException e) {
            throw ioError("roll back", e);
        }
        for (int s : st.takenSinceMark) {
            sealed.remove(Integer.valueOf(s));
            if (s != st.markActive) {
                free.add(s);
            }
        }
        if (st.markActive >= 0) {
            sealed.remove(Integer.valueOf(st.markActive));
        }
        st.active = st.markActive;
        st.pos = st.markPos;
        st.openAt = st.markPos;
        st.written.clear();
        nextSeq = st.markSeq;
        lastGroupNanos = System.nanoTime();
        idle.add(st);
    }

    /** Whether any segment holds records not yet handed to a checkpoint (every stream idle). */
    boolean hasRecordsSinceRotate() {
        for (Stream st : streams) {
            if (st.active >= 0 && st.pos > 0) {
                return true;
            }
        }
        return !sealed.isEmpty();
    }

    int freeCount() {
        return free.size();
    }

    /** Where the segments are, for an error message: free, sealed, in the streams' hands, adopted. */
    String describeSegments() {
        int held = 0;
        for (Stream st : streams) {
            held += st.active >= 0 ? 1 : 0;
        }
        return free.size() + " free, " + sealed.size() + " sealed, " + held + " active in " + streams.length
                + " streams, " + adopted.size() + " adopted awaiting a fresh file, of " + segments();
    }

    /**
     * Closes every stream's segment for new records (every stream idle, at a group boundary) and returns
     * every segment whose records a checkpoint starting now covers; they come back through {@link #release}.
     */
    List<Integer> rotate() {
        List<Integer> out = new ArrayList<>(sealed);
        sealed.clear();
        for (Stream st : streams) {
            if (st.active >= 0) {
                out.add(st.active);
            }
            st.active = -1;
            st.pos = 0;
            st.openAt = 0;
        }
        return out;
    }

    /** Segments whose records are all in LMDB now: free for reuse. Called by the checkpoint. */
    void release(List<Integer> segments) {
        for (int s : segments) {
            if (adopted.contains(s)) {
                LOG.warn("{}: WAL segment {} is a data file without a fresh file yet: not reused", name, s);
            } else {
                free.add(s);
            }
        }
        wakePreparation(); // free segments that may need preparing (a fresh file, or the rest of a begun one)
    }

    /**
     * Bytes on disk of the files a writer will write the segments' records into (the OST's journal, any thread): under
     * an adopted segment's name the fresh file (as far as it was prepared), none while it has no fresh file yet; the
     * file it was is a data file by then, counted as such. (Counting the adopted file's bytes as the WAL's said the
     * fresh file's growth was already on disk: the OST read as freer than it was by up to a segment per waiting file.)
     */
    long fileBytes() {
        long bytes = 0;
        for (int s = 0; s < segments(); s++) {
            if (adopted.contains(s)) {
                continue;
            }
            bytes += fresh.containsKey(s) ? freshZeroed.getOrDefault(s, 0L) : zeroed.get(s);
        }
        return bytes;
    }

    /**
     * Makes sure the segment may take records up to {@code end} (commit lock held). Normally the background
     * preparation wrote it with zeros long ago; otherwise the range from where it is written to {@code end}
     * is claimed for the records, which the flush writes straight there, extending the file (the
     * preparation goes on above the claim, never over it). The group's fdatasync, outside the lock, then
     * also commits the new size and blocks: a record it acknowledges is found by recovery, and what lies
     * between groups (the 4 KiB alignment) reads as zeros, as in a prepared segment. Waits for the
     * preparation's step in progress, if any.
     */
    private void ensureZeroed(int s, long end) throws IOException {
        if (zeroed.get(s) >= end) {
            return;
        }
        segmentLocks[s].lock();
        try {
            openSegment(s);
            long from = zeroed.get(s);
            if (from < end) {
                zeroed.set(s, end);
                writtenByWriters.addAndGet(end - from);
            }
        } finally {
            segmentLocks[s].unlock();
        }
    }

    /**
     * A segment that writers filled before the preparation reached it ends less than a write short of its
     * size: the file is given its full size now, so that it is mapped for reads like a prepared one instead
     * of read with a system call and a copy per chunk. Only its last byte is written (a zero); the rest
     * stays a hole, which reads as zeros like the 4 KiB gaps between groups (zeros are no records; no flush
     * needed). Before, the writer wrote the whole rest with zeros here, under the commit lock: up to a
     * write's size per segment, 7 MiB per 256 MiB of 1 MiB writes, about 7 ms of its CPU.
     */
    private void completeSegment(int s) {
        if (zeroed.get(s) >= segmentSize) {
            return;
        }
        segmentLocks[s].lock();
        try {
            FileChannel ch = openSegment(s);
            long from = zeroed.get(s);
            if (from < segmentSize) {
                // Past every claim (records claimed but not written yet lie below zeroed): nothing is overwritten.
                ByteBuffer last = zeros.duplicate().limit(1);
                while (last.hasRemaining()) {
                    ch.write(last, segmentSize - 1);
                }
                zeroed.set(s, segmentSize);
                mapIfFull(s);
            }
        } catch (IOException e) {
            throw ioError("write", e);
        } finally {
            segmentLocks[s].unlock();
        }
    }

    /** Creates the segment's file if it is not there yet (its lock held), and flushes the directory then. */
    private FileChannel openSegment(int s) throws IOException {
        FileChannel ch = channels.get(s);
        if (ch == null) {
            ch = createSegment(s);
            flushDirectory();
        }
        return ch;
    }

    /** Creates the segment's file, empty (its lock held); the caller flushes the directory. */
    private FileChannel createSegment(int s) throws IOException {
        FileChannel ch = FileChannel.open(file(s), StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        channels.set(s, ch);
        return ch;
    }

    private void flushDirectory() throws IOException {
        flushDirectory(dir);
    }

    private static void flushDirectory(Path dir) throws IOException {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        }
    }

    /**
     * Creates every segment file not there yet, empty, and flushes the directory once (before, the writer
     * that first reached a segment created its file and flushed the directory, under the commit lock: a
     * journal commit that held up every other writer, once per segment at open). Empty files hold no
     * records, so a crash in between is like any unprepared segment. If it fails, the writers create
     * their files as before.
     */
    private void createMissingSegments() {
        BitSet created = new BitSet();
        try {
            for (int s = 0; s < channels.length(); s++) {
                segmentLocks[s].lock();
                try {
                    if (channels.get(s) == null) {
                        createSegment(s);
                        created.set(s);
                    }
                } finally {
                    segmentLocks[s].unlock();
                }
            }
            if (!created.isEmpty()) {
                flushDirectory();
            }
        } catch (IOException e) {
            LOG.warn("{}: creating the WAL segment files failed ({}); writers create them as they need them",
                    name, e.toString());
            // Their names may not be durable: forgotten, so that a writer opens each again and flushes the
            // directory before its records count.
            for (int s = created.nextSetBit(0); s >= 0; s = created.nextSetBit(s + 1)) {
                segmentLocks[s].lock();
                try {
                    closeQuietly(channels.getAndSet(s, null));
                } finally {
                    segmentLocks[s].unlock();
                }
            }
        }
    }

    private void closeQuietly(FileChannel ch) {
        try {
            ch.close();
        } catch (IOException e) {
            LOG.debug("{}: closing a WAL segment failed: {}", name, e.toString());
        }
    }

    /**
     * Writes the segment with zeros from where it is written to (or claimed for records) up to {@code
     * target} (its lock held), creating the file first; returns the bytes written.
     */
    private long zeroUpTo(int s, long target) throws IOException {
        FileChannel ch = openSegment(s);
        long from = zeroed.get(s);
        if (from >= target) {
            return 0;
        }
        for (long at = from; at < target; ) {
            at += ch.write(zeros.duplicate().limit((int) Math.min(zeros.capacity(), target - at)), at);
        }
        preparedZeros.addAndGet(target - from);
        zeroed.set(s, target);
        mapIfFull(s);
        return target - from;
    }

    /**
     * Starts a thread that writes every segment with zeros to its full size and flushes it, lowest first
     * (the order writers take free segments in), so that writers find their segments prepared and their
     * fdatasyncs flush only data blocks. Called once, after recovery.
     */
    void prepareInBackground(long waitingAfterNanos) {
        this.prepareWaitingAfterNanos = waitingAfterNanos;
        createMissingSegments();
        // Writers that waited for the OST to open come first.
        lastGroupNanos = System.nanoTime();
        preparer = Thread.ofPlatform().name(name + "-wal-prepare").daemon().start(this::prepareAll);
    }

    private void prepareAll() {
        try {
            for (int s = 0; s < channels.length() && !closing; s++) {
                // A segment adopted meanwhile (its old file a data file, closed) is prepared in its fresh file
                // by prepareOnDemand, if needed: zeros here would go into the data file, and its map would keep it.
                while (!closing && zeroed.get(s) < segmentSize && !fresh.containsKey(s) && !adopted.contains(s)) {
                    awaitQuiet();
                    Faults.hit(FAULT_PREPARE_STEP);
                    FileChannel wrote = null;
                    segmentLocks[s].lock();
                    try {
                        stepUnflushed = true;
                        if (!fresh.containsKey(s) && !adopted.contains(s)
                                && zeroUpTo(s, Math.min(segmentSize, zeroed.get(s) + ZERO_STEP)) > 0) {
                            wrote = channels.get(s);
                        }
                    } finally {
                        segmentLocks[s].unlock();
                    }
                    flushStep(s, wrote);
                }
            }
            if (closing) {
                prepared.completeExceptionally(new NacreException(Status.UNAVAILABLE, name + ": WAL closed"));
            } else {
                prepared.complete(null);
                LOG.debug("{}: {} WAL segments of {} B prepared", name, channels.length(), segmentSize);
            }
        } catch (IOException | RuntimeException e) {
            stepUnflushed = false;
            // Writers still prepare what they need themselves (and get the error, if it persists).
            LOG.warn("{}: preparing the WAL segments in the background failed: {}", name, e.toString());
            prepared.completeExceptionally(e);
        }
        prepareOnDemand();
    }

    /**
     * Flushes the step of zeros just written into {@code ch} (segment {@code s}'s file or the fresh file under
     * its name), so that its size and blocks are committed now and not by a writer's first fdatasync. After
     * every step, not once per segment: before, when writers came back in the middle of a segment's
     * preparation, up to 24 MiB of its zeros stayed dirty while they streamed, and the first group's
     * fdatasync in that segment wrote them out with its records; and the bench found a fresh file
     * "prepared" (its zeros written) while its 32 MiB were still being flushed, beside the timed writes of
     * the reused-space rows.
     */
    private void flushStep(int s, FileChannel ch) throws IOException {
        try {
            if (ch != null && !closing) {
                ch.force(false);
            }
        } catch (ClosedChannelException e) {
            if (fresh.get(s) == ch || (channels.get(s) == ch && !fresh.containsKey(s))) {
                throw e;
            }
            // Adopted meanwhile (the checkpoint flushed it before it committed), or replaced: gone from the WAL.
        } finally {
            stepUnflushed = false;
        }
    }

    /**
     * Then, for the life of the WAL: a segment adopted as a data file gets a fresh, empty file, and a segment writers
     * began may be freed before they filled it. Once the writers are idle, such segments are written with zeros,
     * but only while fewer than {@link #preparedFreeTarget} free segments are prepared ({@link #nextToPrepare}):
     * the other fresh files wait for a dead data file to take their place ({@link #recycle}), which saves their
     * zeros. Before, every fresh file was written with zeros once the writers were idle: in a guest, a stream's
     * fresh files were all prepared in the idle gap after it, before its delete, so nothing was recycled and 512
     * MiB of zeros were written after each 512 MiB stream. While writers stream nothing is written: they write
     * their records into unprepared space straight, once (the zeros would be a second write of the same space).
     */
    private void prepareOnDemand() {
        while (!closing) {
            try {
                if (nextToPrepare(longIdle()) < 0) {
                    if (nextToPrepare(true) < 0) {
                        prepareWanted.acquire();
                    } else {
                        // Fresh files left waiting: looked at again once the writers may have been idle long enough.
                        long idleFor = idleNanos();
                        long readQuiet = READ_QUIET_NANOS - (System.nanoTime() - lastReadNanos);
                        prepareWanted.tryAcquire(Math.max(Math.max(prepareWaitingAfterNanos - idleFor, readQuiet),
                                PREPARE_QUIET_NANOS), TimeUnit.NANOSECONDS);
                    }
                    prepareWanted.drainPermits(); // looked at once for all the wake-ups so far
                    continue;
                }
                awaitQuiet();
                Faults.hit(FAULT_PREPARE_STEP);
                int s = nextToPrepare(longIdle()); // again: a writer or a recycle may have changed it meanwhile
                if (s >= 0 && !closing) {
                    prepareStep(s);
                }
            } catch (InterruptedException e) {
                return;
            } catch (IOException | RuntimeException e) {
                stepUnflushed = false;
                // Writers write into the unprepared space themselves, as on a fresh OST. Tried again at the next
                // wake-up (a writer taking a segment, a checkpoint freeing some), not in a loop.
                LOG.warn("{}: preparing a WAL segment failed: {}", name, e.toString());
                prepareWanted.drainPermits();
                try {
                    prepareWanted.acquire();
                } catch (InterruptedException ie) {
                    return;
                }
            }
        }
    }

    /**
     * How long every stream has been idle (no group in flight, none begun or ended), or 0 if one is busy. A group's
     * start and a stream's return both set {@link #lastGroupNanos}.
     */
    private long idleNanos() {
        return idle.size() < streams.length ? 0 : Math.max(0, System.nanoTime() - lastGroupNanos);
    }

    /**
     * Whether the writers have been idle so long that the fresh files left waiting for dead data files are prepared
     * too: a stream after a long pause then writes into prepared space, as before the preparation was lazy. A delete
     * or an overwrite that comes within that time (the guest bench reads a file it wrote, then deletes it) still
     * finds them waiting.
     */
    private boolean longIdle() {
        return idleNanos() >= prepareWaitingAfterNanos && System.nanoTime() - lastReadNanos >= READ_QUIET_NANOS;
    }

    /**
     * The OST served a read (any thread). The fresh files left waiting are not prepared while reads go on: in the
     * guest bench a cold read of the stream began about a minute after its write, and their zeros then took 12% of
     * the guest's CPU from the read (perf, 2026-11-24). The few prepared free segments a burst needs are written as
     * before, reads or not.
     */
    void noteRead() {
        long now = System.nanoTime();
        if (now - lastReadNanos > PREPARE_QUIET_NANOS) { // one volatile write per 50 ms, not one per read
            lastReadNanos = now;
        }
    }

    /**
     * The free segment the preparation writes its next step into, or -1: none while {@link #preparedFreeTarget}
     * free segments are prepared (unless {@code all}, the writers idle for long), or none is left to prepare. First
     * the rest of a segment writers began (no dead data file can take its place, and it is less than a segment), then
     * a waiting fresh file; lowest first, the order writers take unprepared segments in.
     */
    private int nextToPrepare(boolean all) {
        int prepared = 0;
        int begun = -1;
        int waiting = -1;
        for (Integer s : free) {
            if (isPrepared(s)) {
                prepared++;
            } else if (fresh.containsKey(s)) {
                waiting = waiting < 0 ? s : Math.min(waiting, s);
            } else if (!adopted.contains(s)) {
                begun = begun < 0 ? s : Math.min(begun, s);
            }
        }
        if (prepared >= preparedFreeTarget && !all) {
            return -1;
        }
        return begun >= 0 ? begun : waiting;
    }

    /** Writes one step (8 MiB at most) of zeros into segment {@code s}'s fresh file, or above its records, and flushes it. */
    private void prepareStep(int s) throws IOException {
        FileChannel wrote = null;
        segmentLocks[s].lock();
        try {
            FileChannel ch = fresh.get(s);
            if (ch != null) {
                long from = freshZeroed.getOrDefault(s, 0L);
                if (from < segmentSize) {
                    stepUnflushed = true;
                    long to = Math.min(segmentSize, from + ZERO_STEP);
                    for (long at = from; at < to; ) {
                        at += ch.write(zeros.duplicate().limit((int) Math.min(zeros.capacity(), to - at)), at);
                    }
                    freshZeroed.put(s, to);
                    preparedZeros.addAndGet(to - from);
                    wrote = ch;
                }
            } else if (zeroed.get(s) < segmentSize && !adopted.contains(s)) {
                // Above the records writers claimed (or taken by a writer meanwhile: the rest above its records).
                stepUnflushed = true;
                if (zeroUpTo(s, Math.min(segmentSize, zeroed.get(s) + ZERO_STEP)) > 0) {
                    wrote = channels.get(s);
                }
            }
        } finally {
            segmentLocks[s].unlock();
        }
        flushStep(s, wrote);
    }

    /**
     * Whether the background preparation has nothing left to do until writers take segments (tests and benches):
     * the open's preparation is done, {@link #preparedFreeTarget} free segments are prepared (or none is left to
     * prepare), and its last step is flushed. Without the background preparation, always.
     */
    boolean preparationSettled() {
        if (preparer == null) {
            return true;
        }
        if (!prepared.isDone() || nextToPrepare(false) >= 0) {
            return false;
        }
        // Read after the sizes: set before a step's zeros are written, cleared once they are flushed.
        return !stepUnflushed;
    }

    /** Fresh files under adopted segments' names, not taken by a writer, not written to their full size (tests). */
    int waitingFreshFiles() {
        int n = 0;
        for (int s = 0; s < channels.length(); s++) {
            n += waitsForPreparation(s) ? 1 : 0;
        }
        return n;
    }

    /**
     * Returns once every stream is idle and none began or ended a group for {@link #quietNanos} (or the WAL
     * closes). A stream in the middle of a flush is busy however long the flush takes: before, only the start
     * of a group counted, so a flush over 50 ms let a step of zeros in, right ahead of the writer in the file
     * its next flush then had to write out (8 MiB of zeros with its 1 MiB), which made that flush slow too.
     */
    private void awaitQuiet() {
        while (!closing) {
            long now = System.nanoTime();
            long quiet = quietNanos(now);
            long wait = idle.size() < streams.length ? quiet : lastGroupNanos + quiet - now;
            if (wait <= 0) {
                return;
            }
            // Parked again at least every 50 ms: the wait shortens as the last pause counts for less.
            LockSupport.parkNanos(this, Math.min(wait, PREPARE_QUIET_NANOS));
        }
    }

    /**
     * How long the writers must have been idle before the preparation writes a step: twice the longest pause
     * they made recently (halved every 10 s), at least {@link #PREPARE_QUIET_NANOS}, at most
     * {@link #PREPARE_QUIET_MAX_NANOS}. A stream that pauses for longer than 50 ms now and then (a client
     * between its bursts; every write on a slow virtual machine) is still a stream: before, each such pause
     * let a step of zeros into the fresh files of the segments the stream's checkpoints adopted, files the
     * stream then wrote again with its records (seen in a QEMU guest 15 minutes into a 1 GiB NFS write: the
     * preparation thread writing zeros at 9-12% of a vCPU). Now the first such pause lets at most the steps of
     * its own length in, and the later ones, up to twice as long, none; once the stream ends, the preparation
     * starts after twice its longest pause.
     */
    long quietNanos(long now) {
        return Math.max(PREPARE_QUIET_NANOS, Math.min(PREPARE_QUIET_MAX_NANOS, 2 * pause.weight(now)));
    }

    /**
     * A pause of the writers (commit lock held): learnt if it may have let the preparation in (over half its
     * shortest wait) and was not the end of a stream (over its longest wait), and if it is longer than what
     * the longest recent pause still counts for.
     */
    private void notePause(long nanos, long now) {
        if (nanos < PREPARE_QUIET_NANOS / 2 || nanos > PREPARE_QUIET_MAX_NANOS) {
            return;
        }
        if (nanos > pause.weight(now)) {
            pause = new Pause(nanos, now);
        }
    }

    /** Bytes of zeros the background preparation wrote so far (tests). */
    long preparedZeros() {
        return preparedZeros.get();
    }

    /** Completes when the background preparation is done (bench and tests). */
    CompletableFuture<Void> prepared() {
        return prepared;
    }

    /** Bytes of records writers wrote into segments the preparation had not reached yet. */
    long writtenByWriters() {
        return writtenByWriters.get();
    }

    /**
     * Maps a segment once it has its full size (never before: touching a map past the end of a file is
     * SIGBUS; records written into unprepared space may have claimed the end before they are written).
     */
    private void mapIfFull(int s) throws IOException {
        FileChannel ch = channels.get(s);
        // Not the old file of a segment adopted and replaced (its channel stays until a writer takes the fresh
        // file): that is a data file now, and a new map of it would keep it until the writer comes.
        if (zeroed.get(s) == segmentSize && maps.get(s) == null && !fresh.containsKey(s) && ch.size() >= segmentSize) {
            maps.compareAndSet(s, null, ch.map(FileChannel.MapMode.READ_ONLY, 0, segmentSize));
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
        if (map != null && loc.offset() + HEADER + loc.length() <= segmentSize) {
            buf = map.slice((int) loc.offset(), HEADER + loc.length());
        } else {
            buf = ByteBuffer.allocate(HEADER + loc.length());
            try {
                readFully(channels.get(loc.segment()), buf, loc.offset());
            } catch (ClosedChannelException e) {
                return null; // the segment was adopted and its fresh file taken: the record moved
            } catch (IOException e) {
                throw ioError("read", e);
            }
            buf.flip();
        }
        if (!holds(buf, loc, id, chunk)) {
            return null;
        }
        ByteBuffer h = buf.duplicate().limit(HEADER);
        ByteBuffer p = buf.duplicate().position(HEADER);
        if (buf.getInt(CRC_AT) != crc(h, p)) {
            throw corrupt(id, chunk);
        }
        return p;
    }

    /**
     * Copies the whole payload of the record at {@code loc} into {@code dst}, then checks the copy against
     * the record's CRC: one pass over the source instead of two, and what is checked is exactly what the
     * caller gets, even if the segment is reused meanwhile. False (nothing copied) if another record is
     * there now; CORRUPT if the copy fails its CRC (the caller tells reuse from damage, as for
     * {@link #read}), with {@code dst} filled but its position back where it was.
     */
    boolean copy(Loc loc, long id, long chunk, ByteBuffer dst) {
        MappedByteBuffer map = maps.get(loc.segment());
        if (map == null || loc.offset() + HEADER + loc.length() > segmentSize) {
            ByteBuffer p = read(loc, id, chunk);
            if (p == null) {
                return false;
            }
            dst.put(p);
            return true;
        }
        ByteBuffer header = ByteBuffer.allocate(HEADER).put(0, map, (int) loc.offset(), HEADER);
        if (!holds(header, loc, id, chunk)) {
            return false;
        }
        int at = dst.position();
        dst.put(map.slice((int) loc.offset() + HEADER, loc.length()));
        if (header.getInt(CRC_AT) != crc(header, dst.duplicate().position(at).limit(at + loc.length()))) {
            dst.position(at);
            throw corrupt(id, chunk);
        }
        return true;
    }

    /** Run reads done ({@link #readRun}; tests). */
    private final AtomicLong runReads = new AtomicLong();

    /** How many run reads ({@link #readRun}) read their records (tests). */
    long runReads() {
        return runReads.get();
    }

    /**
     * Whether the record at {@code next} follows the record at {@code loc} in its file, back to back (the next
     * chunk of one group's write).
     */
    static boolean follows(Loc loc, Loc next) {
        return next.segment() == loc.segment() && next.offset() == loc.offset() + HEADER + loc.length();
    }

    /**
     * Reads {@code run}, records that follow each other back to back ({@link #follows}) in segment {@code s} from
     * {@code offset} on, the images of chunks {@code first}, {@code first + 1}, ... of object {@code id}, with one
     * scattering read ({@link RecordRun}). A pread per record did this before, each into a new heap buffer, then
     * copied. False if a record is not there any more (the segment was reused or adopted meanwhile: the caller
     * looks the chunks up again; {@code dst}'s bytes there are undefined); CORRUPT if one fails its CRC (the caller
     * tells reuse from damage, as for {@link #read}). Also for a mapped segment: a fresh map of a segment's new
     * file would fault in every page it touches.
     */
    boolean readRun(int s, long offset, RecordRun run, long id, long first, ByteBuffer dst) {
        ByteBuffer headers = RecordRun.takeHeaders();
        try {
            FileChannel ch = channels.get(s);
            if (ch == null) {
                return false;
            }
            ReentrantLock lock = runLocks[s];
            long got;
            lock.lock();
            try {
                boolean there = runChannels[s] == ch && runPositions[s] == offset;
                runChannels[s] = null; // unknown until the read below ends normally
                if (!there) {
                    ch.position(offset); // a seek, unless the last run read of this file ended here
                }
                got = run.read(ch, headers, dst);
                runChannels[s] = ch;
                runPositions[s] = offset + got;
            } catch (ClosedChannelException e) {
                return false; // the segment was adopted and its fresh file taken: the records moved
            } catch (IOException e) {
                throw ioError("read", e);
            } finally {
                lock.unlock();
            }
            if (run.firstMissing(headers, got, id, first, dst, i -> corrupt(id, first + i)) >= 0) {
                return false;
            }
            runReads.incrementAndGet();
            return true;
        } finally {
            RecordRun.giveBack(headers);
        }
    }

    /** Whether {@code record} (from its header on) is the record {@code loc} names. */
    private static boolean holds(ByteBuffer record, Loc loc, long id, long chunk) {
        return holds(record, loc.seq(), loc.length(), id, chunk);
    }

    /** Whether {@code record} (from its header on) is record {@code seq} of (id, chunk), {@code length} bytes of payload. */
    static boolean holds(ByteBuffer record, long seq, int length, long id, long chunk) {
        return record.remaining() >= HEADER && record.getLong(8) == seq && record.getInt(0) == MAGIC
                && record.getInt(4) == length && record.getLong(24) == id && record.getLong(32) == chunk;
    }

    /** Whether a record's header (from its start) and payload match the header's CRC32C. */
    static boolean crcMatches(ByteBuffer header, ByteBuffer payload) {
        return header.getInt(header.position() + CRC_AT) == crc(header, payload);
    }

    /** A record's header fields as {@link DataFiles#records} finds them (offset of the header). */
    record Header(long offset, long seq, int length, long id, long chunk) {
    }

    /**
     * Every whole record of a data file (an adopted segment, mapped): records follow each other within a
     * group, and groups start on 4 KiB boundaries, so the walk tries each boundary where no record ends.
     */
    static List<Header> records(ByteBuffer file) {
        List<Header> out = new ArrayList<>();
        long size = file.capacity();
        long at = 0;
        while (at + HEADER <= size) {
            ByteBuffer h = file.slice((int) at, HEADER);
            int length = h.getInt(4);
            if (h.getInt(0) == MAGIC && length >= 0 && length <= MAX_PAYLOAD && at + HEADER + length <= size
                    && crcMatches(h, file.slice((int) at + HEADER, length))) {
                out.add(new Header(at, h.getLong(8), length, h.getLong(24), h.getLong(32)));
                at += HEADER + length;
            } else {
                at = alignUp(at + 1);
            }
        }
        return out;
    }

    private NacreException corrupt(long id, long chunk) {
        return new NacreException(Status.CORRUPT, "%s: object 0x%x chunk %d fails its CRC32C in the WAL"
                .formatted(name, id, chunk));
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

    /** Stops the background preparation at its next step (it must not compete with the last checkpoint). */
    void stopPreparing() {
        closing = true;
        Thread p = preparer;
        if (p != null) {
            prepareWanted.release(); // out of its wait for segments to prepare
            LockSupport.unpark(p); // out of a long wait for quiet at once
        }
    }

    @Override
    public void close() {
        stopPreparing();
        if (preparer != null) {
            try {
                // Never interrupted: an interrupt during FileChannel I/O closes the channel.
                preparer.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                LOG.warn("{}: interrupted while waiting for the WAL preparation to stop", name);
            }
        }
        fresh.values().forEach(this::closeQuietly);
        for (int s = 0; s < maps.length(); s++) {
            unmapper.drop(maps.getAndSet(s, null)); // unmapped by the OST's close, when nothing reads any more
        }
        for (int s = 0; s < channels.length(); s++) {
            FileChannel ch = channels.get(s);
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
