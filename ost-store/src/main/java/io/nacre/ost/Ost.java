package io.nacre.ost;

import static java.util.Objects.requireNonNull;

import io.nacre.engine.NacreException;
import io.nacre.engine.Status;
import io.nacre.engine.fault.Faults;
import io.nacre.engine.store.Durability;
import io.nacre.engine.store.ListedObject;
import io.nacre.engine.store.ObjectStat;
import io.nacre.engine.store.ObjectStore;
import io.nacre.engine.store.OstInfo;
import io.nacre.engine.store.OstUsage;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.BooleanSupplier;
import org.lmdbjava.Cursor;
import org.lmdbjava.Dbi;
import org.lmdbjava.DbiFlags;
import org.lmdbjava.Env;
import org.lmdbjava.EnvFlags;
import org.lmdbjava.EnvInfo;
import org.lmdbjava.GetOp;
import org.lmdbjava.LmdbException;
import org.lmdbjava.LmdbNativeException;
import org.lmdbjava.Stat;
import org.lmdbjava.Txn;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One object storage target: one LMDB environment in one directory, with a write-ahead log in front of
 * it. Object data lives in chunks keyed (object id, chunk index), each with a CRC32C checked on every
 * read; per-object records keep size and bytes used. Changes queue and are committed in groups (with
 * the WAL by the callers themselves, without it by one writer thread), so concurrent stable writers share
 * flushes (group commit).
 *
 * <p>Durability, chosen by measurement (OstBench; tables in ost-store/README.md). By default a caller
 * holding the commit lock turns the queued changes into chunk images on one of the {@link Wal}'s streams
 * (truncates and destroys are records too), then, without the lock, writes and flushes them (pre-zeroed
 * segments, so the flush is one data-only fdatasync) while other callers form and flush the next groups on
 * other streams ({@link WalPipeline}). Groups are published, in sequence order, to an in-memory
 * {@link Overlay} ((object, chunk) -> WAL record) that reads, stat and usage consult before LMDB, and only
 * then acknowledged. This class forms the groups (read-modify-write against the overlay and LMDB), runs
 * recovery and the checkpoints, and holds LMDB. A background checkpoint applies the overlay
 * to LMDB in large transactions with LMDB's own synchronous commit and records the last WAL sequence
 * number applied in the same transaction; only then is WAL space reused. A segment whose records are
 * mostly still current is adopted instead of copied: it becomes a {@link DataFiles data file} and LMDB gets
 * pointers into it, so a long stream is written once. LMDB is never written with
 * NOSYNC or MAPASYNC: those save LMDB's second flush, but its new meta page could reach the disk before
 * the pages it points to, and a power loss could then corrupt the B-tree and lose the whole OST. Without
 * the WAL ({@code OstOptions.Builder.wal(false)}) every group is one synchronous LMDB commit. Chunks are
 * 64 KiB (written with MDB_RESERVE, one copy): 1 MiB chunks fell to 0.1-0.3x of FileChannel for 64 KiB
 * writes, which must rewrite and flush a whole chunk each time.
 *
 * <p>The instance number changes on every open (NFS's write verifier): a client holding unstable
 * writes that sees a new instance resends them.
 */
public final class Ost implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Ost.class);

    /** Objects may not grow past this (8 PiB): keeps offset arithmetic far from overflow. */
    public static final long MAX_OBJECT_SIZE = 1L << 53;

    static final String FAULT_BEFORE_COMMIT = "ost.write.before_commit";
    static final String FAULT_AFTER_COMMIT = "ost.write.after_commit";
    static final String FAULT_CHECKPOINT_BEFORE_COMMIT = "ost.checkpoint.before_commit";
    static final String FAULT_CHECKPOINT_AFTER_COMMIT = "ost.checkpoint.after_commit";
    static final String FAULT_CHECKPOINT_BEFORE_FREE = "ost.checkpoint.before_free";
    /** After a checkpoint freed its segments, before it is done (it still unmaps what it dropped). */
    static final String FAULT_CHECKPOINT_AFTER_FREE = "ost.checkpoint.after_free";
    /** After a checkpoint linked the segments it adopts to data files, before its LMDB commit. */
    static final String FAULT_CHECKPOINT_AFTER_LINK = "ost.checkpoint.after_link";
    /** After a checkpoint committed its pointers, before the adopted segments get fresh files. */
    static final String FAULT_CHECKPOINT_BEFORE_REPLACE = "ost.checkpoint.before_replace";
    /** After a pointer is read from LMDB, before its data file is looked up (tests let the file go meanwhile). */
    static final String FAULT_BEFORE_DATA_FILE = "ost.read.before_data_file";
    /** Between a truncate's two lookups of the bytes it drops (tests let a checkpoint commit meanwhile). */
    static final String FAULT_TRUNCATE_LOOKUPS = "ost.truncate.between_lookups";
    /** Inside a compaction's LMDB transaction (a checkpoint's or an idle one's), before it commits. */
    static final String FAULT_COMPACT_BEFORE_COMMIT = "ost.compact.before_commit";
    /** After a compaction committed, before its data file is let go (deleted or recycled). */
    static final String FAULT_COMPACT_AFTER_COMMIT = "ost.compact.after_commit";
    /** At the start of an idle compaction, before its data file is chosen (tests fail it to hold it back). */
    static final String FAULT_COMPACT_IDLE = "ost.compact.idle";

    private static final int MAX_READERS = 256;
    /** Reset read transactions kept for reuse at most, see {@link #idleReadTxns}. */
    private static final int IDLE_READ_TXNS = 8;
    private static final int MAX_BATCH = 256;
    /** Bytes of data per write transaction at most (a single write may be up to {@link #MAX_WRITE_PIECE}). */
    private static final long MAX_GROUP_BYTES = 64L << 20;
    /** Times a group is formed when it finds the WAL full: each after a checkpoint that frees every segment. */
    private static final int WAL_FULL_ATTEMPTS = 3;
    private static final int MAX_WRITE_PIECE = 16 << 20;
    /** How long the writer waits for a group to fill up again when the previous one had several writers. */
    private static final long GATHER_NANOS = 200_000;
    /** An object's record: size, bytes used, last write time (ms since the epoch). */
    private static final int OBJECT_BYTES = 24;
    /** An object's record as written before the OST kept write times: size, bytes used. */
    private static final int UNDATED_OBJECT_BYTES = 16;
    /**
     * Meta key: when this OST first kept write times (ms since the epoch): an object whose record has none was
     * last written before then, so that is the latest its last write can have been.
     */
    private static final String DATED_SINCE = "dated-since";
    /** Meta key: the last WAL sequence number whose record LMDB holds. */
    private static final String WAL_APPLIED = "wal-applied";
    /** A checkpoint starts after this long without a group formed, if anything is in the WAL. */
    private static final long IDLE_CHECKPOINT_NANOS = TimeUnit.SECONDS.toNanos(2);
    /** How often the checkpoint thread looks whether the OST is idle, while there is something to do. */
    private static final long IDLE_CHECK_MILLIS = 250;
    /**
     * How often it looks when there was nothing to do (nothing in the WAL, no checkpoint running or failed, nothing
     * to unmap): no sooner is a checkpoint due after the next write, so it starts no later than before. An OST that
     * nobody writes to (the metadata benches' empty files) woke 4 times a second for nothing, in a TCG guest each
     * a trip through the emulated kernel.
     */
    private static final long QUIET_CHECK_MILLIS = TimeUnit.NANOSECONDS.toMillis(IDLE_CHECKPOINT_NANOS);
    /**
     * Chunk bytes per checkpoint transaction at most (LMDB holds a transaction's dirty pages in memory); read when
     * an OST opens ({@code -Dnacre.ost.checkpoint.txn.bytes}: tests make checkpoints of several transactions).
     */
    private final long maxCheckpointTxnBytes = Long.getLong("nacre.ost.checkpoint.txn.bytes", 64L << 20);
    /**
     * Chunk bytes per transaction of an idle compaction: it stops after one if a writer came back, so that the
     * writer's flushes share the disk with one such commit at most, not a whole file's (up to 16 MiB by default).
     * Read when an OST opens ({@code -Dnacre.ost.compact.idle.txn.bytes}: tests cut a file's compaction in pieces).
     */
    private final long idleCompactTxnBytes = Long.getLong("nacre.ost.compact.idle.txn.bytes", 4L << 20);
    /** Meta key: the id the next data file gets. */
    private static final String DATA_NEXT = "data-next";
    /**
     * A checkpoint adopts a segment as a data file (pointers instead of copies) when the records it applies
     * from it take at least this share of the segment: a stream's segments are 94-99% live (64 KiB and 1 MiB
     * writes, 4 KiB alignment between groups), a segment of overwrites of the same chunks far less, and each
     * adopted file starts with at most a quarter of dead bytes.
     */
    private static final double ADOPT_LIVE_SHARE = 0.75;
    /** A data file whose live bytes fall under this share of its size is copied into LMDB and deleted. */
    private static final double COMPACT_LIVE_SHARE = 0.5;
    /** Data files compacted by one checkpoint at most: bounds the time a checkpoint spends on it (32 MiB each by default). */
    private static final int COMPACT_PER_CHECKPOINT = 2;
    /** Room kept free in LMDB beyond what the WAL holds, for B-tree pages. */
    private static final long ROOM_MARGIN = 4L << 20;

    /** LMDB must not be opened twice in one process: the directories of the OSTs open here. */
    private static final Set<Path> OPEN = ConcurrentHashMap.newKeySet();

    private final Path dir;
    /** See {@link #device()}; found on first use. */
    private volatile String device;
    /**
     * The file system of {@link #dir}, found on first use: {@code Files.getFileStore} reads the mount table and
     * stats the path's parents every time (some ten system calls), and the MDS asks every OST's usage each second
     * while it creates files; {@code getUsableSpace} on the kept store is one {@code statfs}.
     */
    private volatile FileStore fileStore;
    private final int index;
    private final String name;
    private final OstOptions options;
    private final Env<ByteBuffer> env;
    private final Dbi<ByteBuffer> chunks;
    private final Dbi<ByteBuffer> objects;
    private final Dbi<ByteBuffer> meta;
    /** WAL segments adopted as data files, which chunk values may point into. */
    private final DataFiles dataFiles;
    /** Unmaps dropped maps of data files and adopted segments once no read or group forming can hold them. */
    private final Unmapper unmapper = new Unmapper();
    private final int chunkSize;
    private final long instance;
    /** See {@link #DATED_SINCE}. */
    private final long datedSince;
    private final boolean explicitSync;
    private final Throttle throttle;
    private final Semaphore readers = new Semaphore(MAX_READERS - 16);
    /**
     * Read transactions of finished views, reset, renewed by the next view (MDB_NOTLS: on any thread). A new
     * lmdbjava {@code Txn} takes its pointer and key/value structs from jnr-ffi's per-thread magazine: on each fresh
     * (virtual) thread, such as a destroy's, an 8 KiB mmap, unmapped later by jnr-ffi's finalizer after a GC.
     * A reset transaction keeps its reader slot but no snapshot; there are never more transactions than views
     * at once, so no more reader slots are used than before.
     */
    private final ArrayBlockingQueue<Txn<ByteBuffer>> idleReadTxns = new ArrayBlockingQueue<>(IDLE_READ_TXNS);
    private final LinkedBlockingQueue<Update> queue = new LinkedBlockingQueue<>();
    private final ReentrantReadWriteLock guard = new ReentrantReadWriteLock();
    /** Commits the queued changes without the WAL; null with the WAL (callers commit, see {@link #submitWal}). */
    private final Thread writer;
    /** Held while a group is formed (WAL) or committed (without the WAL: by the writer thread). */
    private final ReentrantLock commitLock = new ReentrantLock();
    /** LMDB key of the chunk lookups that form WAL groups (commit lock held): one direct buffer, not one per write. */
    private final ByteBuffer formKey = Chunks.newKey();
    private volatile int expectedGroup = 1;
    private volatile long lastCommitNanos = System.nanoTime();
    private final AtomicLong commits = new AtomicLong();
    private final AtomicLong committedChanges = new AtomicLong();
    /** Whether runs of WAL or data file records are read with one scattering read each ({@link OstOptions#readRuns()}). */
    private final boolean readRuns;
    private final long maxGroupBytes;
    private final int maxWritePiece;
    private boolean closed;

    // ---- the write-ahead log, its overlay and pipeline (see Wal, Overlay, WalPipeline, ost-store/README.md) ----
    /** Null when the OST writes straight into LMDB. */
    private final Wal wal;
    /** What the WAL holds that LMDB does not yet; read before LMDB. Empty without the WAL. */
    private final Overlay overlay = new Overlay();
    /** Groups between forming and acknowledgement; null without the WAL. */
    private final WalPipeline pipeline;
    /** The objects whose cuts the running checkpoint applies: a new cut of one of them waits for it. */
    private volatile Set<Long> checkpointCuts = Set.of();
    /**
     * Bytes the running checkpoint's truncates and destroys give back, until it has applied them and compacted the
     * data files they left mostly dead; 0 when none runs. Part of {@link #usage()}'s bytes freeing.
     */
    private volatile long checkpointFreeing;
    /**
     * Dead bytes (size less live) of the data files under {@link #COMPACT_LIVE_SHARE} live that wait for compaction,
     * as the checkpoint thread last saw them (at open, after each checkpoint and each idle compaction); part of
     * {@link #usage()}'s bytes freeing, and what makes the idle check compact.
     */
    private volatile long compactionFreeing;
    /** Data files a compaction left referenced (records its walk did not find): not tried again when idle. */
    private final Set<Long> uncompactable = ConcurrentHashMap.newKeySet();
    /** LMDB's free space as last measured: writes that the checkpoint could not fit get NO_SPACE up front. */
    private volatile long lmdbRoom;
    /** Runs checkpoints, LMDB transactions of the WAL path, and the idle check: one platform thread. */
    private final ScheduledExecutorService checkpointer;
    private final AtomicLong checkpoints = new AtomicLong();
    private final AtomicLong walFullRetries = new AtomicLong();
    /** The running or last checkpoint (writer thread only). */
    private CompletableFuture<Void> checkpoint = CompletableFuture.completedFuture(null);
    private List<Integer> checkpointSegmentsHeld = List.of();

    /** One queued change, applied by the writer thread inside a group's transaction. */
    private record Update(Kind kind, long id, long offset, ByteBuffer data, boolean durable,
                          CompletableFuture<Void> done) {
    }

    private enum Kind { WRITE, TRUNCATE, DESTROY, SYNC, STOP, ABANDON }

    private Ost(Path dir, int index, OstOptions options) {
        this.dir = dir;
        this.index = index;
        this.name = "OST%04x".formatted(index);
        this.options = options;
        this.explicitSync = switch (options.mode()) {
            case SYNC_COMMIT, WRITEMAP_SYNC_COMMIT -> false;
            case WRITEMAP_ASYNC_GROUP_SYNC, NOSYNC_GROUP_SYNC -> true;
        };
        this.throttle = new Throttle(name, options.bandwidthLimit());
        EnvFlags[] flags = switch (options.mode()) {
            case SYNC_COMMIT -> new EnvFlags[] {EnvFlags.MDB_NOTLS};
            case WRITEMAP_SYNC_COMMIT -> new EnvFlags[] {EnvFlags.MDB_NOTLS, EnvFlags.MDB_WRITEMAP};
            case WRITEMAP_ASYNC_GROUP_SYNC ->
                    new EnvFlags[] {EnvFlags.MDB_NOTLS, EnvFlags.MDB_WRITEMAP, EnvFlags.MDB_MAPASYNC};
            case NOSYNC_GROUP_SYNC -> new EnvFlags[] {EnvFlags.MDB_NOTLS, EnvFlags.MDB_NOSYNC};
        };
        try {
            this.env = Env.create().setMapSize(options.mapSize()).setMaxDbs(4).setMaxReaders(MAX_READERS)
                    .open(dir.toFile(), flags);
        } catch (LmdbException e) {
            throw new NacreException(Status.IO, name + ": cannot open LMDB in " + dir + ": " + e.getMessage(), e);
        }
        try {
            this.chunks = env.openDbi("chunks", DbiFlags.MDB_CREATE);
            this.objects = env.openDbi("objects", DbiFlags.MDB_CREATE);
            this.meta = env.openDbi("meta", DbiFlags.MDB_CREATE);
            long[] opened = openMeta(options.chunkSize());
            this.chunkSize = (int) opened[0];
            this.instance = opened[1];
            this.datedSince = opened[2];
            this.dataFiles = new DataFiles(dir, name, env.openDbi("datafiles", DbiFlags.MDB_CREATE), unmapper);
            try (Txn<ByteBuffer> txn = env.txnRead()) {
                dataFiles.open(txn);
            }
        } catch (RuntimeException e) {
            env.close();
            throw e;
        }
        this.readRuns = options.readRuns();
        long segmentSize = Math.max(options.walSegmentSize(), 8L * chunkSize);
        int streams = Math.max(1, Math.min(options.walStreams(), options.walSegments() / 3));
        if (options.wal()) {
            this.maxGroupBytes = segmentSize / 2;
            this.maxWritePiece = (int) Math.max(chunkSize, Math.min(MAX_WRITE_PIECE, segmentSize / 4) / chunkSize * chunkSize);
        } else {
            this.maxGroupBytes = MAX_GROUP_BYTES;
            this.maxWritePiece = MAX_WRITE_PIECE;
        }
        ScheduledThreadPoolExecutor checkpoints = new ScheduledThreadPoolExecutor(1, Thread.ofPlatform()
                .name(name + "-checkpoint").daemon().factory());
        // The next idle check is a delayed task: dropped at close, not waited for.
        checkpoints.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        this.checkpointer = checkpoints;
        Wal opened = null;
        try {
            opened = recoverWal(segmentSize, options.walSegments(), streams);
        } catch (RuntimeException e) {
            checkpointer.shutdown();
            env.close();
            throw e;
        }
        this.wal = options.wal() ? opened : null;
        if (!options.wal() && opened != null) {
            opened.close();
        }
        if (wal != null) {
            dataFiles.recycleInto(wal); // after recovery: its segments hold no records of the WAL's own now
            compactionFreeing = dead(dueForCompaction(Set.of())); // files a crash left mostly dead: compacted when idle
        }
        this.pipeline = wal == null ? null : new WalPipeline(name, wal, overlay, FAULT_AFTER_COMMIT, n -> {
            commits.incrementAndGet();
            committedChanges.addAndGet(n);
        });
        this.lmdbRoom = lmdbSpace()[1];
        this.writer = wal != null ? null : Thread.ofPlatform().name(name + "-writer").daemon().start(this::writerLoop);
        if (wal != null) {
            checkpointer.schedule(this::idleChecks, IDLE_CHECK_MILLIS, TimeUnit.MILLISECONDS);
            if (options.walPrepare()) {
                wal.prepareInBackground(options.walPrepareWaitingAfter().toNanos());
            }
        }
        LOG.info("{} opened in {}: chunk {} B, mode {}{}, instance {}", name, dir, chunkSize, options.mode(),
                wal == null ? "" : " + WAL " + options.walSegments() + " x " + segmentSize + " B, " + wal.streams() + " streams",
                instance);
    }

    /**
     * Replays the WAL records LMDB does not hold yet (after the sequence number its last checkpoint
     * recorded) and checkpoints them, so LMDB is current and every segment free; returns the WAL, or
     * null when there is none and none is wanted.
     */
    private Wal recoverWal(long segmentSize, int segments, int streams) {
        boolean exists;
        try (var files = Files.list(dir)) {
            exists = files.anyMatch(f -> f.getFileName().toString().startsWith("wal-"));
        } catch (IOException e) {
            throw new NacreException(Status.IO, name + ": cannot list " + dir + ": " + e.getMessage(), e);
        }
        if (!exists && !options.wal()) {
            return null;
        }
        // After the data files no LMDB record names are gone (their segments then have one name again).
        Wal.replaceLinkedSegments(dir, name);
        Wal w = new Wal(dir, name, segmentSize, segments, streams, options.walStreamsInTurn(), unmapper);
        try {
            long applied;
            try (Txn<ByteBuffer> txn = env.txnRead()) {
                ByteBuffer v = meta.get(txn, text(WAL_APPLIED));
                applied = v == null ? 0 : v.getLong(v.position());
            }
            List<Wal.Entry> entries = w.recover(applied);
            long last = applied;
            if (!entries.isEmpty()) {
                for (Wal.Entry e : entries) {
                    overlay.publish(replayed(e));
                }
                last = entries.get(entries.size() - 1).loc().seq();
                applyCheckpoint(overlay.snapshot(last, w.existing()), w, false);
                LOG.info("{}: replayed {} WAL records ({} to {}) into LMDB", name, entries.size(), applied + 1, last);
            }
            w.start(last + 1, instance);
            return w;
        } catch (RuntimeException e) {
            w.close();
            throw e;
        }
    }

    /** A recovered record as the group that wrote it would have published it. */
    private Overlay.Group replayed(Wal.Entry e) {
        Overlay.Group g = new Overlay.Group();
        Overlay.ChunkKey k = new Overlay.ChunkKey(e.id(), e.chunk());
        switch (e.kind()) {
            case Wal.IMAGE -> {
                g.chunks.put(k, new Overlay.Staged(e.loc(), null));
                // Records carry no time: the recovery's is later than the write's, never earlier (see list).
                g.objects.put(e.id(), new Overlay.PendingStat(e.size(), e.used(), System.currentTimeMillis()));
            }
            case Wal.TRUNCATE, Wal.DESTROY -> {
                g.cuts.put(e.id(), firstDropped(e.size()));
                if (e.loc().length() > 0) {
                    g.chunks.put(k, new Overlay.Staged(e.loc(), null));
                }
                g.objects.put(e.id(), e.kind() == Wal.DESTROY ? Overlay.PendingStat.destroyedObject()
                        : new Overlay.PendingStat(e.size(), e.used(), System.currentTimeMillis()));
            }
            default -> throw new NacreException(Status.CORRUPT, "%s: WAL record %d has an unknown kind %d"
                    .formatted(name, e.loc().seq(), e.kind()));
        }
        return g;
    }

    /** The first chunk a truncate to {@code size} drops whole. */
    private long firstDropped(long size) {
        return (size + chunkSize - 1) / chunkSize;
    }

    /** Opens (creating if needed) the OST in {@code dir}. A new instance number is issued on every open. */
    public static Ost open(Path dir, int index, OstOptions options) {
        requireNonNull(dir, "dir");
        requireNonNull(options, "options");
        if (index < 0) {
            throw new IllegalArgumentException("OST index must be >= 0: " + index);
        }
        Path real;
        try {
            Files.createDirectories(dir);
            real = dir.toRealPath();
        } catch (IOException e) {
            throw new NacreException(Status.IO, "cannot create OST directory " + dir + ": " + e.getMessage(), e);
        }
        if (!OPEN.add(real)) {
            throw new NacreException(Status.BUSY, "an OST is already open in " + real);
        }
        try {
            return new Ost(real, index, options);
        } catch (RuntimeException e) {
            OPEN.remove(real);
            throw e;
        }
    }

    /**
     * Reads or records the chunk size and since when object records carry write times, and issues this open's
     * instance number; returns the three.
     */
    private long[] openMeta(int wantedChunkSize) {
        ByteBuffer chunkKey = text("chunk-size");
        ByteBuffer instanceKey = text("instance");
        ByteBuffer datedKey = text(DATED_SINCE);
        long chunk;
        long inst;
        long dated;
        try (Txn<ByteBuffer> txn = env.txnWrite()) {
            ByteBuffer stored = meta.get(txn, chunkKey);
            if (stored == null) {
                chunk = wantedChunkSize;
                meta.put(txn, chunkKey, longValue(chunk));
            } else {
                chunk = stored.getLong(stored.position());
                if (chunk != wantedChunkSize) {
                    LOG.info("{}: keeps its chunk size {} B (asked {})", name, chunk, wantedChunkSize);
                }
            }
            ByteBuffer prev = meta.get(txn, instanceKey);
            long last = prev == null ? 0 : prev.getLong(prev.position());
            // Time-based so that a re-created OST directory never repeats an instance; +1 so it always moves.
            inst = Math.max(last + 1, System.currentTimeMillis());
            meta.put(txn, instanceKey, longValue(inst));
            ByteBuffer since = meta.get(txn, datedKey);
            if (since == null) {
                dated = System.currentTimeMillis();
                meta.put(txn, datedKey, longValue(dated));
            } else {
                dated = since.getLong(since.position());
            }
            txn.commit();
        }
        if (explicitSync) {
            env.sync(true);
        }
        return new long[] {chunk, inst, dated};
    }

    /**
     * Ties this OST to a file system (the MDS's fsid) on first use, and refuses another one afterwards: a
     * re-formatted MDS hands out object ids from 1 again, which on an old OST would land on old objects.
     */
    public void bindFilesystem(long fsid) {
        enter();
        ByteBuffer key = text("fsid");
        try (Txn<ByteBuffer> txn = env.txnWrite()) {
            ByteBuffer stored = meta.get(txn, key);
            if (stored != null) {
                long bound = stored.getLong(stored.position());
                if (bound != fsid) {
                    throw new NacreException(Status.INVALID, "%s in %s belongs to file system %#x, not %#x: it cannot join another file system (was the MDT re-formatted?)"
                            .formatted(name, dir, bound, fsid));
                }
                return;
            }
            meta.put(txn, key, longValue(fsid));
            txn.commit();
            if (explicitSync) {
                env.sync(true);
            }
        } finally {
            guard.readLock().unlock();
        }
    }

    public int index() {
        return index;
    }

    public Path dir() {
        return dir;
    }

    public int chunkSize() {
        return chunkSize;
    }

    /** This open's instance number (see {@link io.nacre.engine.store.ObjectStore#write}). */
    public long instance() {
        return instance;
    }

    public OstInfo info() {
        return new OstInfo(index, options.pools(), "");
    }

    // ---- reads ------------------------------------------------------------------------------------------

    /**
     * Reads from {@code offset} into {@code dst} up to its remaining space or the object's end; returns
     * the bytes read (0 at or after the end). Every chunk touched is checked against its CRC32C.
     */
    public int read(long id, long offset, ByteBuffer dst) {
        requireNonNull(dst, "dst");
        checkId(id);
        if (offset < 0) {
            throw new NacreException(Status.INVALID, name + ": negative read offset " + offset);
        }
        enter();
        try {
            if (wal != null) {
                wal.noteRead();
            }
            int n = readLocked(id, offset, dst);
            throttle.acquire(n);
            return n;
        } finally {
            guard.readLock().unlock();
        }
    }

    private int readLocked(long id, long offset, ByteBuffer dst) {
        acquireReader();
        int mapsInUse = unmapper.enter(); // reads WAL segment and data file maps
        try (LmdbView view = new LmdbView()) {
            int start = dst.position();
            while (true) {
                int n = readOnce(view, id, offset, dst);
                if (n >= 0) {
                    return n;
                }
                // A WAL record we looked up was checkpointed and its segment reused meanwhile: look again.
                dst.position(start);
            }
        } catch (LmdbException e) {
            throw storageError("read", e);
        } finally {
            unmapper.exit(mapsInUse);
            readers.release();
        }
    }

    /** One attempt of a read: -1 when a WAL record moved under it. */
    private int readOnce(LmdbView view, long id, long offset, ByteBuffer dst) {
        ByteBuffer key = Chunks.newKey();
        ObjectStat st = stat(view, id);
        if (offset >= st.size() || !dst.hasRemaining()) {
            return 0;
        }
        int want = (int) Math.min(dst.remaining(), st.size() - offset);
        List<Chunks.Span> spans = Chunks.spans(chunkSize, offset, want);
        for (int i = 0; i < spans.size(); i++) {
            Chunks.Span sp = spans.get(i);
            long chunk = sp.chunk();
            ByteBuffer p;
            Wal.Loc loc = overlay.chunk(id, chunk);
            if (loc != null) {
                if (sp.replaces(loc.length())) {
                    int run = readRuns ? walRun(id, spans, i, loc, dst) : 0;
                    if (run < 0) {
                        return -1;
                    }
                    if (run > 0) {
                        i += run - 1;
                        continue;
                    }
                    // The whole image is wanted: copied, then the copy checked (one pass over the source).
                    if (!walCopy(loc, id, chunk, dst)) {
                        return -1;
                    }
                    Chunks.putZeros(dst, sp.length() - loc.length());
                    continue;
                }
                p = walPayload(loc, id, chunk);
                if (p == null) {
                    return -1;
                }
            } else {
                Stored s = stored(view, key, id, chunk);
                if (s != null && sp.replaces(s.length())) {
                    int run = readRuns ? storedRun(view, id, spans, i, s, dst) : 0;
                    if (run < 0) {
                        return -1;
                    }
                    if (run > 0) {
                        i += run - 1;
                        continue;
                    }
                    copyStored(key, s, id, chunk, dst);
                    Chunks.putZeros(dst, sp.length() - s.length());
                    continue;
                }
                p = s == null ? null : storedPayload(key, s, id, chunk);
            }
            int stored = p == null ? 0 : p.remaining();
            int fromStore = Math.max(0, Math.min(sp.length(), stored - sp.inChunk()));
            if (fromStore > 0) {
                p.position(p.position() + sp.inChunk()).limit(p.position() + fromStore);
                dst.put(p);
            }
            Chunks.putZeros(dst, sp.length() - fromStore);
        }
        return want;
    }

    /**
     * Reads spans {@code i}, {@code i + 1}, ... whose chunks' newest images are whole WAL records back to back in
     * one segment with one scattering read into {@code dst} ({@link Wal#readRun}): a segment not mapped yet (a
     * stream's current one) took a pread per chunk, a mapped one a page fault per page first touched in its map.
     * Returns how many spans it read and advances {@code dst} past them; 0 when span {@code i} starts no such run
     * of two or more (the caller reads it alone); -1 when a record moved under it (the caller looks again).
     */
    private int walRun(long id, List<Chunks.Span> spans, int i, Wal.Loc loc, ByteBuffer dst) {
        if (i + 1 >= spans.size()) {
            return 0;
        }
        Wal.Loc[] locs = new Wal.Loc[Math.min(RecordRun.MAX, spans.size() - i)];
        locs[0] = loc;
        int n = 1;
        while (n < locs.length) {
            Chunks.Span sp = spans.get(i + n);
            Wal.Loc next = overlay.chunk(id, sp.chunk());
            if (next == null || !Wal.follows(locs[n - 1], next) || !sp.replaces(next.length())) {
                break;
            }
            locs[n++] = next;
        }
        if (n < 2) {
            return 0;
        }
        RecordRun run = new RecordRun();
        int start = dst.position();
        int from = spans.get(i).inRange();
        for (int k = 0; k < n; k++) {
            run.add(locs[k].seq(), locs[k].length(), start + spans.get(i + k).inRange() - from);
        }
        try {
            if (!wal.readRun(loc.segment(), loc.offset(), run, id, spans.get(i).chunk(), dst)) {
                return -1;
            }
        } catch (NacreException e) {
            if (e.status() == Status.CORRUPT && !stillNewest(id, spans, i, locs, n)) {
                return -1; // a record reused while we read, not damage
            }
            throw e;
        }
        finishRun(spans, i, run, dst);
        return n;
    }

    /** Moves {@code dst} past a run read for spans {@code i}, ...: each short chunk's rest as zeros. */
    private static void finishRun(List<Chunks.Span> spans, int i, RecordRun run, ByteBuffer dst) {
        for (int k = 0; k < run.n; k++) {
            dst.position(run.at[k] + run.lengths[k]);
            Chunks.putZeros(dst, spans.get(i + k).length() - run.lengths[k]);
        }
    }

    /**
     * Reads spans {@code i}, {@code i + 1}, ... whose chunks' stored images are whole records back to back in one
     * data file ({@code first}'s, the chunk of span {@code i}), with one scattering read of that file ({@link
     * DataFiles#readRun}) instead of a copy from its map per chunk, where a stream read back faulted in every page.
     * Chunks whose newest image is in the WAL end the run. Returns how many spans it read; 0 when span {@code i}
     * starts no run of two or more (the caller copies it alone); -1 when the file was retired meanwhile (the caller
     * looks again, and finds the chunks where they went).
     */
    private int storedRun(LmdbView view, long id, List<Chunks.Span> spans, int i, Stored first, ByteBuffer dst) {
        Chunks.Pointer p = first.pointer();
        if (i + 1 >= spans.size() || p == null) {
            return 0;
        }
        RecordRun run = new RecordRun();
        ByteBuffer next = Chunks.newKey(); // the caller's key still names span i's chunk
        int start = dst.position();
        int from = spans.get(i).inRange();
        run.add(p.seq(), p.length(), start);
        long end = p.offset() + Wal.HEADER + p.length();
        while (run.n < RecordRun.MAX && i + run.n < spans.size()) {
            Chunks.Span sp = spans.get(i + run.n);
            if (overlay.chunk(id, sp.chunk()) != null) {
                break;
            }
            Stored s = stored(view, next, id, sp.chunk());
            Chunks.Pointer q = s == null ? null : s.pointer();
            if (q == null || q.file() != p.file() || q.offset() != end || !sp.replaces(q.length())) {
                break;
            }
            run.add(q.seq(), q.length(), start + sp.inRange() - from);
            end += Wal.HEADER + q.length();
        }
        if (run.n < 2) {
            return 0;
        }
        if (!dataFiles.readRun(p, run, id, spans.get(i).chunk(), dst)) {
            return -1;
        }
        finishRun(spans, i, run, dst);
        return run.n;
    }

    /** How many runs of data file records were read with one scattering read each (tests). */
    long dataFileRunReads() {
        return dataFiles.runReads();
    }

    /** How many runs of WAL records were read with one scattering read each (tests). */
    long walRunReads() {
        return wal == null ? 0 : wal.runReads();
    }

    /** Whether the overlay still names {@code locs[0..n)} as the newest images of spans {@code i}, ... */
    private boolean stillNewest(long id, List<Chunks.Span> spans, int i, Wal.Loc[] locs, int n) {
        for (int k = 0; k < n; k++) {
            if (!locs[k].equals(overlay.chunk(id, spans.get(i + k).chunk()))) {
                return false;
            }
        }
        return true;
    }

    /** The chunk's LMDB value, or null if it has none or a truncate or destroy in the WAL dropped it. */
    private ByteBuffer lmdbChunk(LmdbView view, ByteBuffer key, long id, long chunk) {
        return overlay.cutsOff(id, chunk) ? null : chunks.get(view.txn(), Chunks.key(key, id, chunk));
    }

    /** A chunk's LMDB value: its bytes (CRC32C first), or a pointer into a data file, then mapped. */
    private record Stored(ByteBuffer value, Chunks.Pointer pointer, MappedByteBuffer file) {
        int length() {
            return pointer != null ? pointer.length() : value.remaining() - Chunks.CRC_BYTES;
        }
    }

    /**
     * The chunk's LMDB value as the view sees it (null if none, or cut off by the WAL). A pointer into a
     * data file retired since the view was taken (a checkpoint replaced or compacted it) renews the view
     * and looks again.
     */
    private Stored stored(LmdbView view, ByteBuffer key, long id, long chunk) {
        while (true) {
            ByteBuffer v = lmdbChunk(view, key, id, chunk);
            if (v == null) {
                return null;
            }
            Stored s = resolve(key, v, id, chunk, view);
            if (s != null) {
                return s;
            }
            view.refresh();
        }
    }

    /**
     * A value read under {@code key}; null if it points into a data file that is gone and a file was retired
     * since {@code view} was taken (the view may predate the commit that dropped the pointer), CORRUPT if it
     * is gone otherwise. {@code view} is null in a write transaction (nothing retires a file meanwhile).
     */
    private Stored resolve(ByteBuffer key, ByteBuffer v, long id, long chunk, LmdbView view) {
        Chunks.Pointer p = Chunks.pointer(key, v);
        if (p == null) {
            return new Stored(v, null, null);
        }
        Faults.hit(FAULT_BEFORE_DATA_FILE);
        MappedByteBuffer m = dataFiles.map(p.file());
        if (m != null) {
            return new Stored(v, p, m);
        }
        if (view != null && view.stale()) {
            return null; // asked only now: a file retired while we looked it up counts
        }
        throw new NacreException(Status.CORRUPT, "%s: object 0x%x chunk %d is in %s, which is missing"
                .formatted(name, id, chunk, dataFiles.file(p.file()).getFileName()));
    }

    /** The stored chunk's payload, checked (CRC32C of the value, or of the data file's record). */
    private ByteBuffer storedPayload(ByteBuffer key, Stored s, long id, long chunk) {
        if (s.pointer() == null) {
            Chunks.verify(key, s.value(), name);
            return Chunks.payload(s.value());
        }
        return dataFiles.payload(s.file(), s.pointer(), id, chunk);
    }

    /** Copies the stored chunk's whole payload into {@code dst}, then checks the copy. */
    private void copyStored(ByteBuffer key, Stored s, long id, long chunk, ByteBuffer dst) {
        if (s.pointer() == null) {
            Chunks.copyChecked(key, s.value(), dst, name);
        } else {
            dataFiles.copy(s.file(), s.pointer(), id, chunk, dst);
        }
    }

    /**
     * A chunk image from the WAL, checked; null if the record was checkpointed and its space reused while
     * we read (a CRC failure then is that reuse, not damage).
     */
    private ByteBuffer walPayload(Wal.Loc loc, long id, long chunk) {
        try {
            return wal.read(loc, id, chunk);
        } catch (NacreException e) {
            if (e.status() == Status.CORRUPT && !loc.equals(overlay.chunk(id, chunk))) {
                return null;
            }
            throw e;
        }
    }

    /** {@link Wal#copy}: false if the record was checkpointed and its space reused while we read. */
    private boolean walCopy(Wal.Loc loc, long id, long chunk, ByteBuffer dst) {
        try {
            return wal.copy(loc, id, chunk, dst);
        } catch (NacreException e) {
            if (e.status() == Status.CORRUPT && !loc.equals(overlay.chunk(id, chunk))) {
                return false;
            }
            throw e;
        }
    }

    /**
     * A read transaction opened on first use and renewed when a checkpoint has moved overlay entries into
     * LMDB since it was opened: an overlay miss then always meets an LMDB view that holds the entry.
     */
    private final class LmdbView implements AutoCloseable {
        private Txn<ByteBuffer> txn;
        private long gen;
        private boolean renew;
        /** Data file retirements before the transaction was (re)opened: a later one may have removed a file it points into. */
        private long retired;

        Txn<ByteBuffer> txn() {
            long g = overlay.generation();
            if (txn == null || g != gen || renew) {
                gen = g;
                renew = false;
                retired = dataFiles.retirements();
                if (txn == null) {
                    txn = readTxn();
                } else {
                    txn.reset();
                    txn.renew(); // the latest snapshot
                }
            }
            return txn;
        }

        /** Whether a data file was retired since the transaction was opened. */
        boolean stale() {
            return dataFiles.retirements() != retired;
        }

        /** The next use renews the transaction (the latest snapshot). */
        void refresh() {
            renew = true;
        }

        @Override
        public void close() {
            if (txn != null) {
                idle(txn);
            }
        }
    }

    /** A read transaction on the latest snapshot: an idle one renewed, or a new one. */
    private Txn<ByteBuffer> readTxn() {
        Txn<ByteBuffer> t = idleReadTxns.poll();
        if (t == null) {
            return env.txnRead();
        }
        t.renew();
        return t;
    }

    /** Keeps a finished view's transaction for the next, reset (no snapshot held), or closes it. */
    private void idle(Txn<ByteBuffer> t) {
        if (closed || idleReadTxns.remainingCapacity() == 0) {
            t.close();
            return;
        }
        t.reset();
        if (!idleReadTxns.offer(t)) {
            closeIdle(t);
        }
    }

    /** Closes a reset transaction: lmdbjava 0.9 aborts only a live one, so it is renewed first (not leaked). */
    private static void closeIdle(Txn<ByteBuffer> t) {
        t.renew();
        t.close();
    }

    public ObjectStat stat(long id) {
        checkId(id);
        enter();
        try {
            acquireReader();
            try (LmdbView view = new LmdbView()) {
                return stat(view, id);
            } catch (LmdbException e) {
                throw storageError("stat", e);
            } finally {
                readers.release();
            }
        } finally {
            guard.readLock().unlock();
        }
    }

    /** The object's size and use, the overlay's if it has the object, else LMDB's. */
    private ObjectStat stat(LmdbView view, long id) {
        Overlay.PendingStat p = overlay.object(id);
        return p != null ? p.asStat() : stat(view.txn(), id);
    }

    private ObjectStat stat(Txn<ByteBuffer> txn, long id) {
        ByteBuffer v = objects.get(txn, objectKey(id));
        if (v == null) {
            return ObjectStat.ABSENT;
        }
        checkObjectRecord(id, v);
        return new ObjectStat(v.getLong(v.position()), v.getLong(v.position() + 8));
    }

    private void checkObjectRecord(long id, ByteBuffer v) {
        if (v.remaining() != OBJECT_BYTES && v.remaining() != UNDATED_OBJECT_BYTES) {
            throw new NacreException(Status.CORRUPT, "%s: object 0x%x has a bad record".formatted(name, id));
        }
    }

    /** The last write time an object's LMDB record holds, or {@link #datedSince} for a record without one. */
    private long written(ByteBuffer v) {
        return v.remaining() == OBJECT_BYTES ? v.getLong(v.position() + 16) : datedSince;
    }

    /**
     * Up to {@code max} of this OST's objects with ids above {@code after}, ascending, with their size, bytes used
     * and last write time (see {@link io.nacre.engine.store.ObjectStore#list}): LMDB's records with the WAL's
     * over them (newer; destroyed objects left out), from one LMDB view that no checkpoint changed meanwhile.
     * Fewer than max only when no object follows.
     */
    public List<ListedObject> list(long after, int max) {
        if (max < 1 || max > ObjectStore.LIST_MAX) {
            throw new NacreException(Status.INVALID, "a listing takes 1 to " + ObjectStore.LIST_MAX + " objects, not " + max);
        }
        if (after < 0) {
            throw new NacreException(Status.INVALID, name + ": a listing starts after an id >= 0, not " + after);
        }
        enter();
        try {
            acquireReader();
            try (LmdbView view = new LmdbView()) {
                while (true) {
                    // The generation first: a checkpoint commits LMDB before it bumps it, and drops overlay entries
                    // after. So unless it moves while we read, the view (renewed when it moved before) holds
                    // whatever left the overlay; if it moves, read again on a fresh view.
                    long gen = overlay.generation();
                    Txn<ByteBuffer> txn = view.txn();
                    List<ListedObject> page = list(txn, after, max);
                    if (overlay.generation() == gen) {
                        return page;
                    }
                }
            } catch (LmdbException e) {
                throw storageError("list", e);
            } finally {
                readers.release();
            }
        } finally {
            guard.readLock().unlock();
        }
    }

    private List<ListedObject> list(Txn<ByteBuffer> txn, long after, int max) {
        java.util.TreeMap<Long, ListedObject> page = new java.util.TreeMap<>();
        long readUpTo = Long.MAX_VALUE; // LMDB's records up to this id are in the page (or destroyed in the WAL)
        if (after < Long.MAX_VALUE) {
            try (Cursor<ByteBuffer> c = objects.openCursor(txn)) {
                boolean found = c.get(objectKey(after + 1), GetOp.MDB_SET_RANGE);
                while (found) {
                    long id = c.key().getLong(c.key().position());
                    Overlay.PendingStat p = overlay.object(id);
                    if (p == null) {
                        ByteBuffer v = c.val();
                        checkObjectRecord(id, v);
                        page.put(id, new ListedObject(id, v.getLong(v.position()), v.getLong(v.position() + 8), written(v)));
                    } else if (!p.destroyed) {
                        page.put(id, new ListedObject(id, p.size, p.used, p.written));
                    }
                    if (page.size() == max) {
                        readUpTo = id;
                        break;
                    }
                    found = c.next();
                }
            }
        }
        long upTo = readUpTo;
        overlay.forEachObject((id, p) -> {
            if (id > after && id <= upTo && !p.destroyed) {
                page.put(id, new ListedObject(id, p.size, p.used, p.written));
            }
        });
        while (page.size() > max) {
            page.pollLastEntry();
        }
        return new ArrayList<>(page.values());
    }

    /**
     * Space in use (every LMDB page reachable from our databases) and free (pages free inside the file,
     * plus what the file may still grow by: the rest of the map, bounded by the file system's free space).
     */
    public OstUsage usage() {
        enter();
        try {
            long[] space = lmdbSpace();
            long used0 = space[0];
            long free = space[1];
            long objectCount = space[2];
            long growth = space[3];
            long deviceFree = space[4];
            // Objects with writes still in the WAL: count them, and what they will add to LMDB.
            long checkpointing = checkpointFreeing;
            Set<Long> inCheckpoint = checkpointing > 0 ? checkpointCuts : Set.of();
            long[] totals = {used0, free, objectCount, checkpointing + compactionFreeing};
            acquireReader();
            try (Txn<ByteBuffer> txn = env.txnRead()) {
                overlay.forEachObject((id, pending) -> {
                    ObjectStat inLmdb = stat(txn, id);
                    ObjectStat now = pending.asStat();
                    if (now == ObjectStat.ABSENT && inLmdb != ObjectStat.ABSENT) {
                        totals[2]--;
                    } else if (now != ObjectStat.ABSENT && inLmdb == ObjectStat.ABSENT) {
                        totals[2]++;
                    }
                    // What the checkpoint will add to (or, after a truncate or destroy, free in) LMDB. Free
                    // changes by what used does: a destroy of chunks held in data files frees little in LMDB,
                    // and free grown by the rest made the total grow past the OST's capacity (a 48 MiB OST read
                    // 66 MiB total after its files were released, and its pool less full than it was).
                    long more = now.bytesUsed() - inLmdb.bytesUsed();
                    long before = totals[0];
                    totals[0] = Math.max(0, before + more);
                    totals[1] = Math.max(0, totals[1] - (totals[0] - before));
                    if (more < 0 && !inCheckpoint.contains(id)) {
                        totals[3] -= more;
                    }
                });
            } finally {
                readers.release();
            }
            // Data files (adopted WAL segments) count whole, as they take the disk.
            long used = totals[0] + dataFiles.bytes();
            return new OstUsage(index, used + totals[1], used, totals[1], totals[2], device(), growth,
                    deviceFree, totals[3]);
        } catch (LmdbException e) {
            throw storageError("usage", e);
        } finally {
            guard.readLock().unlock();
        }
    }

    /**
     * The file system this OST lives on, as "machine:device" (the machine's id and the device number), so
     * that totals over OSTs sharing a disk count its free space once; empty when it cannot be told.
     */
    private String device() {
        String d = device;
        if (d == null) {
            d = deviceOf(dir);
            device = d;
        }
        return d;
    }

    static String deviceOf(Path dir) {
        try {
            Object dev = Files.getAttribute(dir, "unix:dev");
            String machine = "";
            for (String f : List.of("/etc/machine-id", "/proc/sys/kernel/random/boot_id")) {
                Path p = Path.of(f);
                if (Files.isReadable(p)) {
                    machine = Files.readString(p, java.nio.charset.StandardCharsets.US_ASCII).strip();
                    if (!machine.isEmpty()) {
                        break;
                    }
                }
            }
            return machine.isEmpty() ? "" : machine + ":" + dev;
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return "";
        }
    }

    /**
     * LMDB's space: used (every page reachable from our databases), free (pages free inside the file, plus
     * what the file may still grow by: the rest of the map, bounded by the file system's free space), and
     * the number of objects, the part of free the file may still grow by, and the file system's free space
     * (shared with whatever else lives on it).
     */
    private long[] lmdbSpace() {
        acquireReader();
        long pages;
        long objectCount;
        int pageSize;
        try (Txn<ByteBuffer> txn = env.txnRead()) {
            Stat main = env.stat();
            pageSize = main.pageSize;
            pages = 2 + pagesOf(main);
            for (Dbi<ByteBuffer> d : List.of(chunks, objects, meta, dataFiles.db())) {
                pages += pagesOf(d.stat(txn));
            }
            objectCount = objects.stat(txn).entries;
        } finally {
            readers.release();
        }
        try {
            EnvInfo info = env.info();
            long fileBytes = (info.lastPageNumber + 1) * pageSize;
            long used = pages * pageSize;
            FileStore fs = fileStore;
            if (fs == null) {
                fs = Files.getFileStore(dir);
                fileStore = fs;
            }
            long fsFree = fs.getUsableSpace();
            if (wal != null) {
                // The WAL's files will take their full size on the same file system: not free for LMDB.
                fsFree = Math.max(0, fsFree - ((long) wal.segments() * wal.segmentSize() - wal.fileBytes()));
            }
            // The map's size is the OST's capacity, and data files (adopted WAL segments) take their part of it as
            // LMDB's pages do: otherwise the total would grow by what moves out of LMDB into data files, and a pool
            // that is full would read as less full once its checkpoint ran.
            long growth = Math.max(0, Math.min(info.mapSize - fileBytes - dataFiles.bytes(), fsFree));
            long free = Math.max(0, fileBytes - used) + growth;
            return new long[] {used, free, objectCount, growth, fsFree};
        } catch (IOException e) {
            throw new NacreException(Status.IO, name + ": cannot stat file system: " + e.getMessage(), e);
        }
    }

    private static long pagesOf(Stat s) {
        return s.branchPages + s.leafPages + s.overflowPages;
    }

    // ---- changes ----------------------------------------------------------------------------------------

    /** Writes {@code src}'s remaining bytes at {@code offset} and advances it; returns the instance number. */
    public long write(long id, long offset, ByteBuffer src, Durability durability) {
        requireNonNull(src, "src");
        requireNonNull(durability, "durability");
        checkId(id);
        if (offset < 0) {
            throw new NacreException(Status.INVALID, name + ": negative write offset " + offset);
        }
        int length = src.remaining();
        if (offset > MAX_OBJECT_SIZE - length) {
            throw new NacreException(Status.TOO_BIG, "%s: write past the largest object size (%d + %d)"
                    .formatted(name, offset, length));
        }
        if (length == 0) {
            return instance;
        }
        throttle.acquire(length);
        // Large writes go in several transactions (LMDB holds a transaction's dirty pages in memory);
        // the last one carries the durability, and a sync flushes the whole environment.
        for (int done = 0; done < length; ) {
            int n = Math.min(maxWritePiece, length - done);
            boolean last = done + n == length;
            ByteBuffer piece = src.duplicate().position(src.position() + done).limit(src.position() + done + n);
            submit(new Update(Kind.WRITE, id, offset + done, piece, last && durability == Durability.STABLE,
                    new CompletableFuture<>()));
            done += n;
        }
        src.position(src.position() + length);
        return instance;
    }

    /**
     * Bytes a sync or a write may have to flush, or wait for the checkpoint of, before it returns: the WAL
     * segments in use (0 without the WAL). Bounds how long a remote caller waits for a working OSS.
     */
    public long backlog() {
        Wal w = wal;
        return w == null ? 0 : w.busyBytes();
    }

    /** Makes every unstable write durable; returns the instance number. */
    public long sync() {
        submit(new Update(Kind.SYNC, 0, 0, null, true, new CompletableFuture<>()));
        return instance;
    }

    /** Sets the object's size, dropping data beyond it or extending it with a hole. Durable on return. */
    public void truncate(long id, long size) {
        checkId(id);
        if (size < 0) {
            throw new NacreException(Status.INVALID, name + ": negative size " + size);
        }
        if (size > MAX_OBJECT_SIZE) {
            throw new NacreException(Status.TOO_BIG, name + ": size past the largest object size: " + size);
        }
        submit(new Update(Kind.TRUNCATE, id, size, null, true, new CompletableFuture<>()));
    }

    /** Removes the object and frees its space. Durable on return; an absent object is a no-op. */
    public void destroy(long id) {
        checkId(id);
        submit(new Update(Kind.DESTROY, id, 0, null, true, new CompletableFuture<>()));
    }

    private void submit(Update u) {
        enter();
        try {
            if (wal != null) {
                submitWal(u);
            } else {
                queue.add(u);
            }
            try {
                u.done().get();
            } catch (ExecutionException e) {
                throw NacreException.from(e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new NacreException(Status.IO, name + ": interrupted while waiting for a commit");
            }
        } finally {
            guard.readLock().unlock();
        }
    }

    /**
     * The writer thread: takes every queued change and commits them in groups. With the WAL it holds the
     * commit lock while it does (a lone writer may commit without it, see {@link #submit}).
     */
    private void writerLoop() {
        List<Update> batch = new ArrayList<>();
        while (true) {
            try {
                batch.add(queue.take());
            } catch (InterruptedException e) {
                LOG.warn("{}: writer interrupted, stopping", name);
                return;
            }
            commitLock.lock();
            try {
                queue.drainTo(batch, MAX_BATCH - 1);
                try {
                    gather(batch, expectedGroup);
                } catch (InterruptedException e) {
                    LOG.warn("{}: writer interrupted, stopping", name);
                    return;
                }
                expectedGroup = batch.size();
                if (batch.removeIf(u -> u.kind() == Kind.ABANDON)) {
                    // Tests only: stop as kill -9 would, leaving the WAL to the next open's recovery.
                    return;
                }
                boolean stop = batch.removeIf(u -> u.kind() == Kind.STOP);
                commitBatch(batch, null);
                batch.clear();
                lastCommitNanos = System.nanoTime();
                if (stop) {
                    if (wal != null) {
                        finalCheckpoint();
                    }
                    return;
                }
            } finally {
                commitLock.unlock();
            }
        }
    }

    /**
     * With the WAL every caller commits: it queues its change, takes the commit lock, and if its change is
     * still queued forms one group of everything queued (records written, sequence numbers taken), then
     * flushes that group outside the lock. Meanwhile the next caller forms the next group on another
     * stream, so the fdatasyncs of several groups run at once. Groups are published and acknowledged in
     * the order they were formed.
     */
    private void submitWal(Update u) {
        queue.add(u);
        List<WalPipeline.Pending> mine = new ArrayList<>();
        int mapsInUse = unmapper.enter(); // forming reads images from WAL segment and data file maps
        commitLock.lock();
        try {
            // While every stream is busy, changes keep queueing: the group formed next takes them all.
            while (!queue.isEmpty() && !wal.awaitAnyIdle(0)) {
                pipeline.flushFormed();
                wal.awaitAnyIdle(5);
            }
            List<Update> batch = new ArrayList<>();
            queue.drainTo(batch);
            commitBatch(batch, mine);
        } finally {
            commitLock.unlock();
            unmapper.exit(mapsInUse);
        }
        for (WalPipeline.Pending p : mine) {
            pipeline.flush(p);
        }
    }

    /** Commits a batch in groups of at most {@link #maxGroupBytes}; WAL groups formed are added to {@code out}. */
    private void commitBatch(List<Update> batch, List<WalPipeline.Pending> out) {
        int from = 0;
        long bytes = 0;
        for (int i = 0; i < batch.size(); i++) {
            bytes += groupBytes(batch.get(i));
            if (bytes > maxGroupBytes && i > from) {
                commitGroup(batch.subList(from, i), out);
                from = i;
                bytes = groupBytes(batch.get(i));
            }
        }
        if (from < batch.size()) {
            commitGroup(batch.subList(from, batch.size()), out);
        }
    }

    /** What a change may add to a group: its data, and in the WAL up to two partial chunks rewritten whole. */
    private long groupBytes(Update u) {
        long data = u.data() == null ? 0 : u.data().remaining();
        return wal == null || data == 0 ? data : data + 2L * chunkSize;
    }

    /**
     * When the last group had n writers, the ones just acknowledged come back within microseconds: wait a
     * little (far less than a flush) for them so that groups stay full instead of alternating 1 and n-1.
     */
    private void gather(List<Update> batch, int expected) throws InterruptedException {
        long deadline = System.nanoTime() + GATHER_NANOS;
        long left;
        while (batch.size() < Math.min(expected, MAX_BATCH) && (left = deadline - System.nanoTime()) > 0) {
            Update u = queue.poll(left, TimeUnit.NANOSECONDS);
            if (u == null) {
                return;
            }
            batch.add(u);
            if (u.kind() == Kind.STOP) {
                return;
            }
            queue.drainTo(batch, MAX_BATCH - batch.size());
        }
    }

    /**
     * Commits a group in one transaction (or, with the WAL, forms it: its callers are told once it is
     * flushed and published); if it fails, retries each change alone so only the culprit fails.
     */
    private void commitGroup(List<Update> group, List<WalPipeline.Pending> out) {
        try {
            commit(group, out);
        } catch (Throwable t) {
            if (group.size() == 1) {
                group.get(0).done().completeExceptionally(t);
                return;
            }
            LOG.debug("{}: group of {} failed ({}), retrying one by one", name, group.size(), t.toString());
            for (Update u : group) {
                try {
                    commit(List.of(u), out);
                } catch (Throwable t1) {
                    u.done().completeExceptionally(t1);
                }
            }
        }
    }

    private void commit(List<Update> group, List<WalPipeline.Pending> out) {
        if (wal != null) {
            int from = 0;
            for (int attempt = 1; ; attempt++) {
                try {
                    out.add(walForm(group, from));
                    return;
                } catch (WalFull e) {
                    // Undone from e.from on (what came before a truncate or destroy of the group is flushed and
                    // published already, and stays). A checkpoint cannot start in the middle of a group, whose
                    // records are not all written: it starts now, between two attempts, and frees every segment.
                    from = e.from;
                    if (attempt == WAL_FULL_ATTEMPTS) {
                        NacreException failed = new NacreException(Status.IO, name + ": the WAL is full and "
                                + WAL_FULL_ATTEMPTS + " checkpoints did not free enough of it for a group ("
                                + wal.describeSegments() + ")");
                        for (int i = 0; i < group.size(); i++) {
                            if (i < from) {
                                group.get(i).done().complete(null);
                            } else {
                                group.get(i).done().completeExceptionally(failed);
                            }
                        }
                        return; // not thrown: retrying one by one would log the published part a second time
                    }
                    LOG.debug("{}: a group found the WAL full ({}) with no checkpoint running; checkpointing, "
                            + "then forming it again from change {} of {}", name, wal.describeSegments(), from,
                            group.size());
                    walFullRetries.incrementAndGet();
                    startCheckpoint();
                    awaitCheckpoint();
                }
            }
        }
        lmdbCommit(group);
        group.forEach(u -> u.done().complete(null));
    }

    private void lmdbCommit(List<Update> group) {
        boolean durable = false;
        List<Long> emptied;
        try (Txn<ByteBuffer> txn = env.txnWrite()) {
            ByteBuffer key = Chunks.newKey();
            // Chunks written with the WAL may point into data files: replacing or deleting them frees their records.
            DataFiles.Changes changes = dataFiles.new Changes();
            for (Update u : group) {
                durable |= u.durable();
                switch (u.kind()) {
                    case WRITE -> applyWrite(txn, key, u.id(), u.offset(), u.data(), changes);
                    case TRUNCATE -> applyTruncate(txn, key, u.id(), u.offset(), changes);
                    case DESTROY -> applyDestroy(txn, key, u.id(), changes);
                    case SYNC, STOP -> { }
                }
            }
            emptied = changes.apply(txn);
            Faults.hit(FAULT_BEFORE_COMMIT);
            txn.commit();
            commits.incrementAndGet();
            committedChanges.addAndGet(group.size());
        } catch (LmdbException e) {
            throw storageError("commit", e);
        }
        if (durable && explicitSync) {
            try {
                env.sync(true);
            } catch (LmdbException e) {
                throw storageError("sync", e);
            }
        }
        if (!explicitSync || durable) {
            dataFiles.retire(emptied);
            unmapper.reclaim();
        }
        Faults.hit(FAULT_AFTER_COMMIT);
    }

    // ---- the WAL path ---------------------------------------------------------------------------------

    /**
     * Forms a group (commit lock held): turns its writes into chunk images appended to a WAL stream and
     * written to its segment file, not yet flushed. Truncate and destroy of an object with writes still in
     * the WAL first checkpoint them, then change LMDB in their own synchronous commit.
     */
    private WalPipeline.Pending walForm(List<Update> group, int from) {
        if (pipeline.broken() != null) {
            throw new NacreException(Status.IO, name + ": the WAL could not undo a failed write or a flush failed; "
                    + "reopen the OST", pipeline.broken());
        }
        boolean durable = false;
        Overlay.Group g = new Overlay.Group();
        Wal.Stream st = null;
        Wal.Flush f;
        int published = from; // the changes before it are flushed and published
        try (LmdbView view = new LmdbView()) {
            for (int i = from; i < group.size(); i++) {
                Update u = group.get(i);
                durable |= u.durable();
                switch (u.kind()) {
                    case WRITE -> {
                        if (st == null) {
                            st = pipeline.takeStream();
                        }
                        walWrite(view, st, g, u.id(), u.offset(), u.data());
                    }
                    case TRUNCATE, DESTROY -> {
                        // What the group wrote so far, and every group before it, is published first;
                        // then the cut is one record, flushed and published before the next group forms.
                        pipeline.register(wal.end(st, true), g, List.of());
                        st = null;
                        g = new Overlay.Group();
                        pipeline.drain();
                        published = i;
                        if (u.kind() == Kind.TRUNCATE) {
                            walTruncate(view, u);
                        } else {
                            // Destroys that follow one another (a destroyer's pass) share a record group
                            // and its one flush; a repeated object ends the run (it is destroyed already).
                            Set<Long> ids = new LinkedHashSet<>();
                            ids.add(u.id());
                            while (i + 1 < group.size() && group.get(i + 1).kind() == Kind.DESTROY
                                    && ids.add(group.get(i + 1).id())) {
                                i++;
                            }
                            walDestroy(view, ids);
                        }
                        published = i + 1;
                    }
                    case SYNC, STOP, ABANDON -> { }
                }
            }
            if (g.appended) {
                Faults.hit(FAULT_BEFORE_COMMIT);
            }
            f = wal.end(st, durable);
        } catch (LmdbException e) {
            throw pipeline.rollBack(st, storageError("commit", e));
        } catch (WalFull e) {
            throw pipeline.rollBack(st, new WalFull(published));
        } catch (RuntimeException e) {
            throw pipeline.rollBack(st, e);
        }
        List<CompletableFuture<Void>> done = new ArrayList<>(group.size());
        for (Update u : group) {
            done.add(u.done());
        }
        WalPipeline.Pending p = pipeline.register(f, g, done);
        lastCommitNanos = System.nanoTime();
        maybeCheckpoint();
        return p;
    }

    /**
     * Logs a truncate as one WAL record (the new size, and the kept part of the chunk it cuts; destroys go
     * through {@link #walDestroy}) and publishes it: the overlay drops the object's images past the cut, and
     * LMDB's chunks past it read as holes until the checkpoint deletes them. Commit lock held, nothing in flight.
     */
    private void walTruncate(LmdbView view, Update u) {
        long id = u.id();
        if (!checkpoint.isDone() && checkpointCuts.contains(id)) {
            // The running checkpoint applies an earlier cut of this object and then forgets it.
            checkpoint.handle((v, t) -> null).join();
        }
        ObjectStat os = stat(view, id);
        long size = u.offset();
        if (os == ObjectStat.ABSENT && size == 0) {
            return; // nothing to drop, nothing to create
        }
        long chunk = size / chunkSize;
        int keep = (int) (size % chunkSize);
        long cut = firstDropped(size);
        long used = os.bytesUsed();
        ByteBuffer kept = ByteBuffer.allocate(0);
        if (size < os.size()) {
            used -= bytesFrom(view, id, cut);
            ByteBuffer old = keep == 0 ? null : currentImage(view, id, chunk);
            if (old != null && old.remaining() > keep) {
                kept = ByteBuffer.allocate(keep).put(old.limit(old.position() + keep)).flip();
                used -= old.capacity() - keep;
            }
        }
        long usedAfter = used;
        ByteBuffer keptPart = kept;
        flushCuts("a truncate", (st, g) -> {
            Wal.Loc loc = wal.add(st, Wal.TRUNCATE, id, chunk, size, usedAfter, keptPart, this::waitForWalSpace);
            g.cuts.put(id, cut);
            if (keptPart.hasRemaining()) {
                g.chunks.put(new Overlay.ChunkKey(id, chunk), new Overlay.Staged(loc, keptPart));
            }
            g.objects.put(id, new Overlay.PendingStat(size, usedAfter, System.currentTimeMillis()));
        });
    }

    /**
     * Forms a group of cut records on a stream of its own ({@code records} appends them and notes them in the
     * group), flushes and publishes it. Commit lock held, nothing in flight.
     */
    private void flushCuts(String what, java.util.function.BiConsumer<Wal.Stream, Overlay.Group> records) {
        Overlay.Group g = new Overlay.Group();
        Wal.Stream st = pipeline.takeStream();
        Wal.Flush f;
        try {
            records.accept(st, g);
            g.appended = true;
            Faults.hit(FAULT_BEFORE_COMMIT);
            f = wal.end(st, true);
        } catch (RuntimeException e) {
            throw pipeline.rollBack(st, e);
        }
        pipeline.register(f, g, List.of());
        pipeline.drain();
        if (pipeline.broken() != null) {
            throw new NacreException(Status.IO, name + ": the WAL flush of " + what + " failed", pipeline.broken());
        }
    }

    /**
     * Logs the destroys of several objects as one group of records, one flush, and publishes it (a destroy is a
     * cut at 0 that keeps nothing: see {@link #walTruncate}); objects that hold nothing cost nothing. Commit lock
     * held, nothing in flight.
     */
    private void walDestroy(LmdbView view, Set<Long> ids) {
        if (!checkpoint.isDone()) {
            for (long id : ids) {
                if (checkpointCuts.contains(id)) {
                    // The running checkpoint applies an earlier cut of this object and then forgets it.
                    checkpoint.handle((v, t) -> null).join();
                    break;
                }
            }
        }
        List<Long> present = new ArrayList<>(ids.size());
        for (long id : ids) {
            if (stat(view, id) != ObjectStat.ABSENT) {
                present.add(id);
            }
        }
        if (present.isEmpty()) {
            return; // nothing to drop
        }
        long cut = firstDropped(0);
        flushCuts("destroys", (st, g) -> {
            for (long id : present) {
                wal.add(st, Wal.DESTROY, id, 0, 0, 0, ByteBuffer.allocate(0), this::waitForWalSpace);
                g.cuts.put(id, cut);
                g.objects.put(id, Overlay.PendingStat.destroyedObject());
            }
        });
    }

    /**
     * The payload bytes the object holds in chunks from {@code from} on (overlay over LMDB), nothing in flight.
     * In the order reads look: the overlay's images, then its cut, then LMDB. A checkpoint commits LMDB, bumps
     * the overlay's generation (the view renews), then drops the cuts and then the images it applied
     * ({@link Overlay#applied}): so an image gone from the overlay when we looked is in the view, and its cut gone
     * too. Before, LMDB was read first: an image the checkpoint committed after that read and dropped before the
     * overlay's was counted in neither, and the truncate left its bytes as used for good.
     */
    private long bytesFrom(LmdbView view, long id, long from) {
        Map<Long, Integer> lengths = new HashMap<>();
        overlay.forEachChunkFrom(id, from, lengths::put);
        Faults.hit(FAULT_TRUNCATE_LOOKUPS);
        Long cut = overlay.cut(id);
        long lmdbEnd = cut == null ? Long.MAX_VALUE : cut;
        ByteBuffer key = Chunks.newKey();
        try (Cursor<ByteBuffer> c = chunks.openCursor(view.txn())) {
            boolean found = from < lmdbEnd && c.get(Chunks.key(key, id, from), GetOp.MDB_SET_RANGE);
            while (found && Chunks.idOf(c.key()) == id && Chunks.chunkOf(c.key()) < lmdbEnd) {
                long chunk = Chunks.chunkOf(c.key());
                lengths.putIfAbsent(chunk, Chunks.payloadLength(Chunks.key(key, id, chunk), c.val()));
                found = c.next();
            }
        }
        return lengths.values().stream().mapToLong(Integer::longValue).sum();
    }

    /** The chunk's current image (overlay, else LMDB), checked; null if it has none. Nothing in flight. */
    private ByteBuffer currentImage(LmdbView view, long id, long chunk) {
        Wal.Loc loc = overlay.chunk(id, chunk);
        if (loc != null) {
            return walImage(loc, id, chunk).slice();
        }
        ByteBuffer key = Chunks.newKey();
        Stored s = stored(view, key, id, chunk);
        return s == null ? null : storedPayload(key, s, id, chunk).slice();
    }

    /** A chunk image the overlay points to, for a read-modify-write (nothing can move it: commit lock held). */
    private ByteBuffer walImage(Wal.Loc loc, long id, long chunk) {
        ByteBuffer p = wal.read(loc, id, chunk);
        if (p == null) {
            throw new NacreException(Status.IO, "%s: object 0x%x chunk %d: WAL record %d moved"
                    .formatted(name, id, chunk, loc.seq()));
        }
        return p;
    }

    /** Turns a write into chunk images (read-modify-write of partial chunks against group, overlay, LMDB). */
    private void walWrite(LmdbView view, Wal.Stream st, Overlay.Group g, long id, long offset, ByteBuffer src) {
        long growth = src.remaining() + 2L * chunkSize;
        long need = (overlay.pendingBytes() + g.bytes + growth) / 16 * 17 + ROOM_MARGIN;
        if (need > lmdbRoom) {
            lmdbRoom = lmdbSpace()[1];
            if (need > lmdbRoom) {
                throw new NacreException(Status.NO_SPACE, name + " is full (the WAL holds what LMDB has room for)");
            }
        }
        Overlay.PendingStat ps = g.objects.get(id);
        if (ps == null) {
            ps = overlay.formedObject(id);
        }
        ObjectStat os = ps != null ? ps.asStat() : stat(view, id);
        long size = os.size();
        long used = os.bytesUsed();
        ByteBuffer key = formKey;
        List<Chunks.Span> spans = Chunks.spans(chunkSize, offset, src.remaining());
        // Each image is at most a chunk: the write's records, headers included, take at most this much WAL.
        wal.keepTogether(st, (long) spans.size() * (Wal.HEADER + chunkSize), this::waitForWalSpace);
        for (Chunks.Span sp : spans) {
            long chunk = sp.chunk();
            Overlay.ChunkKey ck = new Overlay.ChunkKey(id, chunk);
            ByteBuffer piece = sp.of(src);
            // A chunk that starts at or past the object's size holds nothing anywhere: writes end inside the
            // size, and a truncate or destroy drops (or cuts off) every chunk from its size on. So an
            // appending write looks nothing up (before: the group's, the formed groups', the overlay's maps
            // and an LMDB get per chunk, and an LMDB read transaction renewed per group).
            boolean fresh = chunk * chunkSize >= size;
            Overlay.Staged staged = fresh ? null : g.chunks.get(ck);
            if (staged == null && !fresh) {
                staged = overlay.formedChunk(ck);
            }
            Wal.Loc loc = staged != null || fresh ? null : overlay.chunk(id, chunk);
            Stored stored = staged != null || loc != null || fresh ? null : stored(view, key, id, chunk);
            int oldLength = staged != null ? staged.image().remaining()
                    : loc != null ? loc.length()
                    : stored == null ? 0 : stored.length();
            int newLength = Math.max(oldLength, sp.endInChunk());
            ByteBuffer image;
            if (sp.replaces(oldLength)) {
                image = piece;
            } else {
                // Read-modify-write: the old bytes we keep must be good, so they are checked first.
                ByteBuffer old = null;
                if (oldLength > 0) {
                    if (staged != null) {
                        old = staged.image().duplicate();
                    } else if (loc != null) {
                        old = walImage(loc, id, chunk);
                    } else {
                        old = storedPayload(key, stored, id, chunk);
                    }
                }
                image = Chunks.merge(old, sp.inChunk(), piece, newLength);
            }
            used += newLength - oldLength;
            size = Math.max(size, offset + sp.inRange() + sp.length());
            Wal.Loc at = wal.add(st, Wal.IMAGE, id, chunk, size, used, image, this::waitForWalSpace);
            g.chunks.put(ck, new Overlay.Staged(at, image));
            g.bytes += newLength;
            g.appended = true;
        }
        g.objects.put(id, new Overlay.PendingStat(size, used, System.currentTimeMillis()));
    }

    /** Called while the writer waits for a free WAL segment: only a running checkpoint can free one. */
    private void waitForWalSpace() {
        if (checkpoint.isDone()) {
            awaitCheckpoint();
            if (wal.freeCount() > 0) {
                return; // it freed segments just now
            }
            throw new WalFull(-1);
        }
    }

    /**
     * No WAL segment free and no checkpoint running while a group forms. A checkpoint frees its segments before
     * it is done (it still unmaps what it dropped); groups that end meanwhile see it running and start none, and
     * can take every segment it freed. Thrown by {@link #waitForWalSpace}; {@link #walForm} undoes the group and says
     * from which change ({@code from}: what came before was published), {@link #commit} checkpoints and forms it
     * again. Before, the writers got IO ("the WAL is full and no checkpoint is running"): found by the OST soak.
     */
    private static final class WalFull extends RuntimeException {
        final int from;

        WalFull(int from) {
            super("no WAL segment free and no checkpoint running", null, false, false);
            this.from = from;
        }
    }

    /**
     * At a group boundary: checkpoint under pressure only, when no more segments are free than streams (each
     * may need one next). While writers are busy and the WAL has room, a checkpoint would write into LMDB
     * beside them and take the disk from their flushes (before, one started at 4 full segments: 128 MiB
     * went into LMDB in the middle of a 256 MiB burst; ost-store/README.md has the runs); the idle check
     * and close checkpoint the rest.
     */
    private void maybeCheckpoint() {
        if (checkpoint.isDone() && wal.freeCount() <= wal.streams()) {
            pipeline.drain();
            if (wal.hasRecordsSinceRotate()) {
                startCheckpoint();
            }
        }
    }

    /** The checkpoint thread's idle check, again after {@link #IDLE_CHECK_MILLIS} or {@link #QUIET_CHECK_MILLIS}. */
    private void idleChecks() {
        boolean quiet = false;
        try {
            quiet = idleCheck();
        } finally {
            if (!closed) {
                try {
                    checkpointer.schedule(this::idleChecks, quiet ? QUIET_CHECK_MILLIS : IDLE_CHECK_MILLIS,
                            TimeUnit.MILLISECONDS);
                } catch (RejectedExecutionException e) {
                    // closing
                }
            }
        }
    }

    /**
     * After a while without writes, checkpoints what the WAL holds, or, when it holds nothing, compacts one data file
     * under half live (ost-store/README.md, "Compaction when idle"). Returns whether there was nothing to do: nothing
     * in the WAL, no checkpoint running or failed, no data file to compact, nothing left to unmap.
     */
    private boolean idleCheck() {
        unmapper.reclaim();
        dataFiles.recycleUnused();
        if (System.nanoTime() - lastCommitNanos < IDLE_CHECKPOINT_NANOS || !commitLock.tryLock()) {
            return false;
        }
        long idleSince; // the last group formed before the OST was found idle
        try {
            if (closed || !checkpoint.isDone()) {
                return false;
            }
            pipeline.drain();
            if (wal.hasRecordsSinceRotate() || checkpoint.isCompletedExceptionally()) {
                startCheckpoint();
                return false;
            }
            if (compactionFreeing == 0) {
                return unmapper.pending() == 0;
            }
            idleSince = lastCommitNanos;
        } catch (RuntimeException e) {
            LOG.warn("{}: idle checkpoint could not start: {}", name, e.toString());
            return false;
        } finally {
            commitLock.unlock();
        }
        // Without the commit lock: writers that arrive form and flush their groups beside the compaction, and a
        // checkpoint one of them starts runs after it on this thread (one data file's copy at most).
        return !compactWhileIdle(idleSince);
    }

    /**
     * Compacts the least live data file under half live (the checkpoint thread, the OST idle since the group formed
     * at {@code idleSince}, its WAL empty), and stops between two of its transactions once a group formed after that
     * one; returns whether the idle check should look again soon (a file compacted or paused, maybe more to come).
     */
    private boolean compactWhileIdle(long idleSince) {
        try {
            Faults.hit(FAULT_COMPACT_IDLE);
            List<Map.Entry<Long, DataFiles.Info>> due = dueForCompaction(Set.of());
            if (due.isEmpty()) {
                compactionFreeing = 0;
                return false;
            }
            long file = due.get(0).getKey();
            LOG.debug("{}: idle, WAL empty: compacting data file {} (of {} under half live)", name, file, due.size());
            // A group formed since the OST was found idle: the writers are back, the rest of the file waits.
            if (compactFile(file, idleCompactTxnBytes, () -> lastCommitNanos != idleSince) == Compaction.KEPT) {
                uncompactable.add(file);
            }
            compactionFreeing = dead(dueForCompaction(Set.of()));
            return true;
        } catch (RuntimeException e) {
            // Such as no room left in LMDB for the live bytes: tried again at the next quiet check, 2 s later.
            LOG.warn("{}: idle compaction failed: {}", name, e.toString());
            return false;
        }
    }

    /** At close: everything in the WAL goes to LMDB, so the next open has nothing to replay. */
    private void finalCheckpoint() {
        try {
            awaitCheckpoint();
        } catch (NacreException e) {
            LOG.warn("{}: a checkpoint failed ({}); retrying at close", name, e.getMessage());
        }
        if (wal.hasRecordsSinceRotate() || checkpoint.isCompletedExceptionally()) {
            startCheckpoint();
            try {
                awaitCheckpoint();
            } catch (NacreException e) {
                LOG.error("{}: the checkpoint at close failed; the WAL keeps the writes for the next open: {}",
                        name, e.getMessage());
            }
        }
    }

    /**
     * Starts a checkpoint of the overlay as it is now (commit lock held, none running, every group formed
     * already published: the overlay then holds every record up to the last sequence number).
     */
    private void startCheckpoint() {
        pipeline.drain();
        List<Integer> segments = new ArrayList<>(wal.rotate());
        if (checkpoint.isCompletedExceptionally()) {
            segments.addAll(checkpointSegmentsHeld); // the failed one's segments are still to be applied
        }
        checkpointSegmentsHeld = segments;
        Overlay.Snapshot snap = overlay.snapshot(wal.lastSeq(), segments);
        checkpointCuts = Set.copyOf(snap.cuts().keySet());
        checkpointFreeing = freedBy(snap);
        checkpoint = CompletableFuture.runAsync(() -> applyCheckpoint(snap, wal, true), checkpointer);
    }

    /** Bytes the snapshot's truncates and destroys free: what their objects use in LMDB beyond what they will use. */
    private long freedBy(Overlay.Snapshot snap) {
        if (snap.cuts().isEmpty()) {
            return 0;
        }
        long freed = 0;
        acquireReader();
        try (Txn<ByteBuffer> txn = env.txnRead()) {
            for (long id : snap.cuts().keySet()) {
                Overlay.PendingStat p = snap.objects().get(id);
                long after = p == null ? 0 : p.asStat().bytesUsed();
                freed += Math.max(0, stat(txn, id).bytesUsed() - after);
            }
        } finally {
            readers.release();
        }
        return freed;
    }

    private void awaitCheckpoint() {
        await(checkpoint);
    }

    private void await(CompletableFuture<Void> f) {
        try {
            f.get();
        } catch (ExecutionException e) {
            throw NacreException.from(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new NacreException(Status.IO, name + ": interrupted while waiting for the checkpoint thread");
        }
    }

    /**
     * Writes a snapshot of the overlay into LMDB with LMDB's synchronous commit, records the last WAL
     * sequence number applied in the same (last) transaction, then drops the applied overlay entries and
     * frees the WAL segments. Chunk images and sizes are absolute, so applying one twice (after a crash
     * between two of its transactions) is harmless.
     *
     * <p>With {@code adopt}, a segment whose records still live fill most of it is not copied: it becomes a
     * data file and its chunks' LMDB values point into it (ost-store/README.md, "Data files"). The order
     * makes every crash safe: (1) the segment is flushed and hard-linked to {@code data-<id>}, the directory
     * flushed; (2) LMDB commits the pointers, the file's record and {@code wal-applied} in the last
     * transaction, so a data file is referenced only once the WAL need not replay its records; (3) a fresh
     * file is renamed over the segment's name and the directory flushed, before the segment is freed. An
     * open deletes data files no record names (crash before 2: the WAL replays their records) and gives a
     * segment with two names a fresh file (crash between 2 and 3).
     */
    private void applyCheckpoint(Overlay.Snapshot snap, Wal w, boolean adopt) {
        Map<Integer, Long> adopted = adopt ? adoptable(snap, w) : Map.of(); // segment -> live record bytes
        List<Overlay.ChunkKey> copied = new ArrayList<>();
        List<Overlay.ChunkKey> pointed = new ArrayList<>();
        for (Map.Entry<Overlay.ChunkKey, Wal.Loc> e : snap.chunks().entrySet()) {
            (adopted.containsKey(e.getValue().segment()) ? pointed : copied).add(e.getKey());
        }
        Comparator<Overlay.ChunkKey> order = Comparator.comparingLong(Overlay.ChunkKey::id)
                .thenComparingLong(Overlay.ChunkKey::chunk);
        copied.sort(order);
        pointed.sort(order);
        ByteBuffer key = Chunks.newKey();
        DataFiles.Changes changes = dataFiles.new Changes();
        Map<Integer, Long> fileIds = new HashMap<>(); // adopted segment -> data file id
        boolean committed = false;
        int i = 0;
        try {
            long nextFile = linkAdopted(adopted, w, fileIds, changes);
            boolean last = false;
            boolean first = true;
            while (!last) {
                List<Long> emptied;
                try (Txn<ByteBuffer> txn = env.txnWrite()) {
                    if (first) {
                        // Truncates and destroys first: the overlay's images of those objects are newer.
                        snap.cuts().forEach((id, cut) -> deleteChunks(txn, key, id, cut, changes));
                        first = false;
                    }
                    long bytes = 0;
                    while (i < copied.size() && bytes < maxCheckpointTxnBytes) {
                        Overlay.ChunkKey k = copied.get(i++);
                        Wal.Loc loc = snap.chunks().get(k);
                        ByteBuffer payload = checkpointPayload(w, loc, k);
                        Chunks.key(key, k.id(), k.chunk());
                        changes.drop(key, chunks.get(txn, key));
                        ByteBuffer value = chunks.reserve(txn, key, Chunks.CRC_BYTES + loc.length());
                        value.position(value.position() + Chunks.CRC_BYTES);
                        if (payload != null) {
                            value.put(payload);
                        }
                        value.flip();
                        Chunks.seal(key, value);
                        if (payload == null) {
                            // Damaged in the WAL: stored so that it reads as CORRUPT, never as wrong bytes.
                            value.putInt(value.position(), ~value.getInt(value.position()));
                        }
                        bytes += loc.length();
                    }
                    last = i >= copied.size();
                    if (last) {
                        // Pointers only here, with wal-applied: see above.
                        for (Overlay.ChunkKey k : pointed) {
                            Wal.Loc loc = snap.chunks().get(k);
                            long file = fileIds.get(loc.segment());
                            Chunks.key(key, k.id(), k.chunk());
                            changes.drop(key, chunks.get(txn, key));
                            ByteBuffer value = chunks.reserve(txn, key, Chunks.CRC_BYTES + Chunks.POINTER_BYTES);
                            Chunks.Pointer ptr = new Chunks.Pointer(file, loc.offset(), loc.seq(), loc.length());
                            Chunks.putPointer(key, value, ptr);
                            changes.add(file, DataFiles.recordBytes(ptr));
                        }
                        if (!fileIds.isEmpty()) {
                            meta.put(txn, text(DATA_NEXT), longValue(nextFile));
                        }
                        for (Map.Entry<Long, Overlay.PendingStat> e : snap.objects().entrySet()) {
                            if (e.getValue().destroyed) {
                                objects.delete(txn, objectKey(e.getKey()));
                            } else {
                                putStat(txn, e.getKey(), e.getValue().size, e.getValue().used, e.getValue().written);
                            }
                        }
                        meta.put(txn, text(WAL_APPLIED), longValue(snap.seq()));
                    }
                    // The new data files' records go with their pointers, in the last transaction.
                    emptied = changes.apply(txn, last);
                    if (last) {
                        Faults.hit(FAULT_CHECKPOINT_BEFORE_COMMIT);
                    }
                    txn.commit();
                }
                if (explicitSync) {
                    env.sync(true);
                }
                if (last) {
                    committed = true;
                }
                dataFiles.retire(emptied);
            }
        } catch (LmdbException e) {
            throw storageError("checkpoint", e);
        } finally {
            if (!committed) {
                // Not referenced: the WAL still holds these records; the segments stay WAL segments.
                fileIds.forEach((segment, file) -> {
                    dataFiles.unlink(file);
                    w.unadopt(segment);
                });
            }
        }
        Faults.hit(FAULT_CHECKPOINT_AFTER_COMMIT);
        overlay.applied(snap);
        checkpoints.incrementAndGet();
        lmdbRoom = lmdbSpace()[1];
        Faults.hit(FAULT_CHECKPOINT_BEFORE_REPLACE);
        // Also retries the segments of an earlier checkpoint that committed but could not replace them.
        w.replaceAdopted();
        if (adopt) {
            compact(fileIds.values()); // the rest of the files under half live waits for idle checks
        }
        Faults.hit(FAULT_CHECKPOINT_BEFORE_FREE);
        w.release(snap.segments());
        Faults.hit(FAULT_CHECKPOINT_AFTER_FREE);
        unmapper.reclaim();
        dataFiles.recycleUnused(); // into the fresh files this checkpoint and earlier ones left waiting
        checkpointFreeing = 0; // its cuts applied, the data files they emptied deleted, those mostly dead compacted
        LOG.debug("{}: checkpoint of {} chunks ({} adopted in {} data files) up to WAL record {}", name,
                copied.size() + pointed.size(), pointed.size(), fileIds.size(), snap.seq());
    }

    /** The snapshot's segments whose records it applies take {@link #ADOPT_LIVE_SHARE} of them or more, with those bytes. */
    private static Map<Integer, Long> adoptable(Overlay.Snapshot snap, Wal w) {
        Map<Integer, Long> live = new HashMap<>();
        for (Wal.Loc loc : snap.chunks().values()) {
            live.merge(loc.segment(), (long) Wal.HEADER + loc.length(), Long::sum);
        }
        Map<Integer, Long> out = new HashMap<>();
        for (int s : snap.segments()) {
            long bytes = live.getOrDefault(s, 0L);
            if (bytes >= ADOPT_LIVE_SHARE * w.segmentSize() && w.adoptable(s)) {
                out.put(s, bytes);
            }
        }
        return out;
    }

    /**
     * Step (1) of an adoption: each segment flushed and linked to a new data file, the directory flushed,
     * the files registered for reads (nothing points into them before the commit); returns the next data
     * file id, for LMDB.
     */
    private long linkAdopted(Map<Integer, Long> adopted, Wal w, Map<Integer, Long> fileIds,
                             DataFiles.Changes changes) {
        if (adopted.isEmpty()) {
            return 0;
        }
        long next;
        try (Txn<ByteBuffer> txn = env.txnRead()) {
            ByteBuffer v = meta.get(txn, text(DATA_NEXT));
            next = v == null ? 1 : v.getLong(v.position());
        }
        Map<Long, Long> sizes = new HashMap<>();
        try {
            for (int s : adopted.keySet()) {
                long id = next++;
                fileIds.put(s, id);
                sizes.put(id, w.adopt(s));
                dataFiles.link(w.file(s), id);
            }
            dataFiles.flushDirectory();
        } catch (IOException e) {
            throw new NacreException(Status.IO, name + ": cannot link an adopted WAL segment: " + e.getMessage(), e);
        }
        sizes.forEach((id, size) -> {
            dataFiles.register(id, size);
            changes.create(id, size);
        });
        Faults.hit(FAULT_CHECKPOINT_AFTER_LINK);
        return next;
    }

    /**
     * Data files whose live bytes fell under {@link #COMPACT_LIVE_SHARE} of their size (their chunks
     * overwritten, truncated or destroyed since) have their live chunks copied into LMDB as plain values,
     * then are deleted: the dead bytes they keep on disk stay under about their own size. A few per
     * checkpoint, the least live first, so that a checkpoint stays short; idle checks compact the rest.
     */
    private void compact(Collection<Long> justAdopted) {
        List<Map.Entry<Long, DataFiles.Info>> due = dueForCompaction(justAdopted);
        for (int i = 0; i < Math.min(COMPACT_PER_CHECKPOINT, due.size()); i++) {
            if (compactFile(due.get(i).getKey()) == Compaction.KEPT) {
                uncompactable.add(due.get(i).getKey());
            }
        }
        compactionFreeing = dead(dueForCompaction(Set.of()));
    }

    /** The data files under {@link #COMPACT_LIVE_SHARE} live, but those left out and those found uncompactable, least live first. */
    private List<Map.Entry<Long, DataFiles.Info>> dueForCompaction(Collection<Long> leftOut) {
        Map<Long, DataFiles.Info> infos;
        try (Txn<ByteBuffer> txn = env.txnRead()) {
            infos = dataFiles.all(txn);
        }
        List<Map.Entry<Long, DataFiles.Info>> due = new ArrayList<>();
        for (Map.Entry<Long, DataFiles.Info> e : infos.entrySet()) {
            DataFiles.Info info = e.getValue();
            if (!leftOut.contains(e.getKey()) && !uncompactable.contains(e.getKey())
                    && info.live() < COMPACT_LIVE_SHARE * info.size()) {
                due.add(e);
            }
        }
        due.sort(Comparator.comparingDouble(e -> (double) e.getValue().live() / Math.max(1, e.getValue().size())));
        return due;
    }

    /** The dead bytes of these data files: what compacting them gives back. */
    private static long dead(List<Map.Entry<Long, DataFiles.Info>> files) {
        long dead = 0;
        for (Map.Entry<Long, DataFiles.Info> e : files) {
            dead += Math.max(0, e.getValue().size() - e.getValue().live());
        }
        return dead;
    }

    /**
     * Copies the chunks that still point into data file {@code file} into LMDB, then lets the file go; returns
     * whether it is gone (false: records the walk did not find still live in it, kept).
     */
    private Compaction compactFile(long file) {
        return compactFile(file, Long.MAX_VALUE, () -> false);
    }

    /** How a compaction of a data file ended. */
    private enum Compaction {
        /** Every live chunk copied, the file let go. */
        GONE,
        /** Walked to its end with live records left (records the walk did not find): kept. */
        KEPT,
        /** Stopped between two transactions to make way for writers: the rest is still in the file. */
        PAUSED
    }

    /**
     * Copies the chunks that still point into data file {@code file} into LMDB, then lets the file go; in
     * transactions of about {@code txnBytes} of chunks, after each of which it stops if {@code yield} says so. Each
     * transaction leaves a consistent state (pointers replaced by the same bytes, the file's live count lowered with
     * them), so a compaction stopped or cut by a crash between two is taken up again later, by a walk that moves
     * only what still points into the file.
     */
    private Compaction compactFile(long file, long txnBytes, BooleanSupplier yield) {
        MappedByteBuffer map = dataFiles.map(file);
        if (map == null) {
            return Compaction.GONE;
        }
        ByteBuffer key = Chunks.newKey();
        DataFiles.Changes changes = dataFiles.new Changes();
        // Every record whose CRC holds; those a pointer names exactly (file, offset, sequence number) move.
        List<Wal.Header> records = Wal.records(map);
        int moved = 0;
        int i = 0;
        while (true) {
            List<Long> emptied;
            try (Txn<ByteBuffer> txn = env.txnWrite()) {
                long bytes = 0;
                while (i < records.size() && bytes < txnBytes) {
                    Wal.Header h = records.get(i++);
                    Chunks.key(key, h.id(), h.chunk());
                    ByteBuffer old = chunks.get(txn, key);
                    Chunks.Pointer p = old == null ? null : Chunks.pointer(key, old);
                    if (p == null || p.file() != file || p.offset() != h.offset() || p.seq() != h.seq()
                            || p.length() != h.length()) {
                        continue;
                    }
                    changes.drop(key, old);
                    putChunk(txn, key, 0, map.slice((int) h.offset() + Wal.HEADER, h.length()));
                    moved++;
                    bytes += h.length();
                }
                emptied = changes.apply(txn);
                Faults.hit(FAULT_COMPACT_BEFORE_COMMIT);
                txn.commit();
            } catch (LmdbException e) {
                throw storageError("compaction", e);
            }
            if (explicitSync) {
                env.sync(true);
            }
            Faults.hit(FAULT_COMPACT_AFTER_COMMIT);
            dataFiles.retire(emptied);
            if (emptied.contains(file)) {
                LOG.debug("{}: data file {} compacted: {} chunks copied into LMDB", name, file, moved);
                return Compaction.GONE;
            }
            if (i >= records.size()) {
                LOG.warn("{}: data file {} still has live records after compaction (records not found by the walk); kept",
                        name, file);
                return Compaction.KEPT;
            }
            if (yield.getAsBoolean()) {
                LOG.debug("{}: compaction of data file {} paused for writers: {} chunks copied so far", name, file, moved);
                return Compaction.PAUSED;
            }
        }
    }

    /** A chunk image for the checkpoint; null if it fails its CRC in the WAL (the chunk is then stored as CORRUPT). */
    private ByteBuffer checkpointPayload(Wal w, Wal.Loc loc, Overlay.ChunkKey k) {
        try {
            ByteBuffer p = w.read(loc, k.id(), k.chunk());
            if (p == null) {
                LOG.error("{}: object 0x{} chunk {}: WAL record {} is not where it was written", name,
                        Long.toHexString(k.id()), k.chunk(), loc.seq());
            }
            return p;
        } catch (NacreException e) {
            if (e.status() != Status.CORRUPT) {
                throw e;
            }
            LOG.error("{}", e.getMessage());
            return null;
        }
    }

    /** Bench and tests: checkpoints everything the WAL holds now, and waits for it. */
    void checkpointNow() {
        enter();
        commitLock.lock();
        try {
            if (wal != null) {
                pipeline.drain();
                checkpoint.handle((v, t) -> null).join();
                startCheckpoint();
                awaitCheckpoint();
            }
        } finally {
            commitLock.unlock();
            guard.readLock().unlock();
        }
    }

    /** Bench and tests: completes when the background preparation of the WAL segments is done. */
    CompletableFuture<Void> walPrepared() {
        return wal == null ? CompletableFuture.completedFuture(null) : wal.prepared();
    }

    /**
     * Bench and tests: whether the WAL's background preparation has nothing left to do until writers take segments
     * (the open's done, enough free segments prepared, its last step flushed; other fresh files wait for recycling).
     */
    boolean walPreparationSettled() {
        return wal == null || wal.preparationSettled();
    }

    /** Tests: fresh files of adopted WAL segments still waiting (not taken by a writer, not prepared). */
    int walWaitingFreshFiles() {
        return wal == null ? 0 : wal.waitingFreshFiles();
    }

    /** Bench and tests: bytes of records writers wrote into WAL segments not prepared yet (no zeros first). */
    long walWrittenUnprepared() {
        return wal == null ? 0 : wal.writtenByWriters();
    }

    /** Tests: bytes on disk of the files the WAL's writers will write into (what usage counts as the WAL's). */
    long walFileBytes() {
        return wal == null ? 0 : wal.fileBytes();
    }

    /** Tests: bytes of zeros the WAL's background preparation wrote so far. */
    long walPreparedZeros() {
        return wal == null ? 0 : wal.preparedZeros();
    }

    /** Tests: dead data files taken as WAL segment files instead of deleted. */
    long walRecycledFiles() {
        return wal == null ? 0 : wal.recycled();
    }

    /** Tests: the names of the data files LMDB references. */
    Set<String> dataFileNames() {
        return dataFiles.names();
    }

    /** Tests: data files LMDB references (and that exist). */
    int dataFileCount() {
        return dataFiles.count();
    }

    /** Groups formed again after a checkpoint because they found the WAL full (for tests). */
    long walFullRetries() {
        return walFullRetries.get();
    }

    /** Checkpoints completed so far. */
    long checkpoints() {
        return checkpoints.get();
    }

    /** The WAL's records appended and segment flushes of groups so far (0 and 0 without the WAL). */
    long[] walRecordsAndFlushes() {
        Wal w = wal;
        return w == null ? new long[2] : new long[] {w.lastSeq(), w.groupFlushes()};
    }

    private void applyWrite(Txn<ByteBuffer> txn, ByteBuffer key, long id, long offset, ByteBuffer src,
                            DataFiles.Changes changes) {
        ObjectStat st = stat(txn, id);
        long used = st.bytesUsed();
        for (Chunks.Span sp : Chunks.spans(chunkSize, offset, src.remaining())) {
            Chunks.key(key, id, sp.chunk());
            ByteBuffer oldValue = chunks.get(txn, key);
            Stored old = oldValue == null ? null : resolve(key, oldValue, id, sp.chunk(), null);
            int oldLength = old == null ? 0 : old.length();
            int newLength = Math.max(oldLength, sp.endInChunk());
            if (old == null || sp.replaces(oldLength)) {
                // Nothing of the old chunk survives: write the new bytes straight into LMDB's page.
                changes.drop(key, oldValue);
                putChunk(txn, key, sp.inChunk(), sp.of(src));
            } else {
                // Read-modify-write: the old bytes we keep must be good, so check them first.
                ByteBuffer merged = Chunks.merge(storedPayload(key, old, id, sp.chunk()), sp.inChunk(), sp.of(src),
                        newLength);
                changes.drop(key, oldValue);
                putChunk(txn, key, 0, merged);
            }
            used += newLength - oldLength;
        }
        putStat(txn, id, Math.max(st.size(), offset + src.remaining()), used, System.currentTimeMillis());
    }

    /** Stores a chunk: {@code zeros} zero bytes, then {@code payload}, sealed with its CRC (no copy but into LMDB's page). */
    private void putChunk(Txn<ByteBuffer> txn, ByteBuffer key, int zeros, ByteBuffer payload) {
        ByteBuffer value = chunks.reserve(txn, key, Chunks.CRC_BYTES + zeros + payload.remaining());
        value.position(value.position() + Chunks.CRC_BYTES);
        Chunks.putZeros(value, zeros);
        value.put(payload.duplicate()).flip();
        Chunks.seal(key, value);
    }

    private void applyTruncate(Txn<ByteBuffer> txn, ByteBuffer key, long id, long size, DataFiles.Changes changes) {
        ObjectStat st = stat(txn, id);
        if (st == ObjectStat.ABSENT && size == 0) {
            return;
        }
        long used = st.bytesUsed();
        if (size < st.size()) {
            long firstDropped = (size + chunkSize - 1) / chunkSize;
            used -= deleteChunks(txn, key, id, firstDropped, changes);
            int keep = (int) (size % chunkSize);
            if (keep != 0) {
                Chunks.key(key, id, size / chunkSize);
                ByteBuffer oldValue = chunks.get(txn, key);
                if (oldValue != null) {
                    Stored old = resolve(key, oldValue, id, size / chunkSize, null);
                    ByteBuffer payload = storedPayload(key, old, id, size / chunkSize);
                    int oldLength = old.length();
                    if (oldLength > keep) {
                        ByteBuffer kept = ByteBuffer.allocate(keep);
                        kept.put(payload.limit(payload.position() + keep)).flip();
                        changes.drop(key, oldValue);
                        putChunk(txn, key, 0, kept);
                        used -= oldLength - keep;
                    }
                }
            }
        }
        putStat(txn, id, size, used, System.currentTimeMillis());
    }

    private void applyDestroy(Txn<ByteBuffer> txn, ByteBuffer key, long id, DataFiles.Changes changes) {
        deleteChunks(txn, key, id, 0, changes);
        objects.delete(txn, objectKey(id));
    }

    /**
     * Deletes the object's chunks from index {@code from} on; returns the payload bytes they held. The
     * records of those that pointed into data files no longer count as live there.
     */
    private long deleteChunks(Txn<ByteBuffer> txn, ByteBuffer key, long id, long from, DataFiles.Changes changes) {
        long freed = 0;
        ByteBuffer at = Chunks.newKey();
        try (Cursor<ByteBuffer> c = chunks.openCursor(txn)) {
            while (c.get(Chunks.key(key, id, from), GetOp.MDB_SET_RANGE) && Chunks.idOf(c.key()) == id) {
                Chunks.key(at, id, Chunks.chunkOf(c.key()));
                freed += Chunks.payloadLength(at, c.val());
                changes.drop(at, c.val());
                c.delete();
            }
        }
        return freed;
    }

    private void putStat(Txn<ByteBuffer> txn, long id, long size, long used, long written) {
        ByteBuffer v = ByteBuffer.allocateDirect(OBJECT_BYTES).putLong(size).putLong(used).putLong(written).flip();
        objects.put(txn, objectKey(id), v);
    }

    /** Starts counting {@link #changesPerCommit} afresh (the bench, after filling an OST). */
    void resetCommitCounters() {
        commits.set(0);
        committedChanges.set(0);
    }

    /** Changes committed per commit (LMDB commit, or WAL group) so far: how much group commit shares each flush. */
    double changesPerCommit() {
        long c = commits.get();
        return c == 0 ? 0 : (double) committedChanges.get() / c;
    }

    // ---- helpers ----------------------------------------------------------------------------------------

    private void enter() {
        guard.readLock().lock();
        if (closed) {
            guard.readLock().unlock();
            throw new NacreException(Status.UNAVAILABLE, name + " is closed");
        }
    }

    private void acquireReader() {
        try {
            readers.acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new NacreException(Status.IO, name + ": interrupted while waiting for a reader slot");
        }
    }

    private void checkId(long id) {
        if (id <= 0) {
            throw new NacreException(Status.INVALID, name + ": object id must be > 0: " + id);
        }
    }

    private NacreException storageError(String what, LmdbException e) {
        if (e instanceof Env.MapFullException
                || (e instanceof LmdbNativeException ne && ne.getResultCode() == 28 /* ENOSPC */)) {
            return new NacreException(Status.NO_SPACE, name + " is full (" + what + ")", e);
        }
        return new NacreException(Status.IO, name + ": LMDB " + what + " failed: " + e.getMessage(), e);
    }

    private static ByteBuffer objectKey(long id) {
        return ByteBuffer.allocateDirect(8).putLong(0, id);
    }

    private static ByteBuffer text(String s) {
        byte[] b = s.getBytes(StandardCharsets.US_ASCII);
        return ByteBuffer.allocateDirect(b.length).put(b).flip();
    }

    private static ByteBuffer longValue(long v) {
        return ByteBuffer.allocateDirect(8).putLong(0, v);
    }

    /**
     * Waits for running calls and queued changes, checkpoints the WAL into LMDB, then closes. Later calls
     * fail with UNAVAILABLE.
     */
    @Override
    public void close() {
        close(Kind.STOP);
    }

    /** Tests only: stops as kill -9 would (no checkpoint), so that the next open must recover the WAL. */
    void closeAsIfKilled() {
        close(Kind.ABANDON);
    }

    private void close(Kind how) {
        guard.writeLock().lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            if (wal != null) {
                wal.stopPreparing();
            }
            if (writer != null) {
                queue.add(new Update(how, 0, 0, null, false, new CompletableFuture<>()));
                try {
                    writer.join();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    LOG.warn("{}: interrupted while closing; the writer may still run", name);
                    return;
                }
            } else {
                commitLock.lock();
                try {
                    pipeline.drain();
                    if (how == Kind.STOP) {
                        finalCheckpoint();
                    }
                    // ABANDON (tests only): stop as kill -9 would, leaving the WAL to the next open's recovery.
                } finally {
                    commitLock.unlock();
                }
            }
            checkpointer.shutdown();
            try {
                if (!checkpointer.awaitTermination(10, TimeUnit.MINUTES)) {
                    LOG.warn("{}: a checkpoint is still running at close", name);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            for (Txn<ByteBuffer> t; (t = idleReadTxns.poll()) != null; ) {
                closeIdle(t);
            }
            env.close();
            if (wal != null) {
                wal.close();
            }
            dataFiles.close();
            unmapper.reclaimAll(); // nothing runs any more
            OPEN.remove(dir);
            LOG.info("{} closed", name);
        } finally {
            guard.writeLock().unlock();
        }
    }

    @Override
    public String toString() {
        return name + "[" + dir + "]";
    }
}
