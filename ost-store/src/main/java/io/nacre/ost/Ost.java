package io.nacre.ost;

import static java.util.Objects.requireNonNull;

import io.nacre.engine.NacreException;
import io.nacre.engine.Status;
import io.nacre.engine.fault.Faults;
import io.nacre.engine.store.Durability;
import io.nacre.engine.store.ObjectStat;
import io.nacre.engine.store.OstInfo;
import io.nacre.engine.store.OstUsage;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantReadWriteLock;
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
 * One object storage target: one LMDB environment in one directory. Object data lives in chunks keyed
 * (object id, chunk index), each with a CRC32C checked on every read; per-object records keep size and
 * bytes used. All changes go through one writer thread that puts every queued request into one LMDB
 * transaction, so concurrent stable writers share one flush (group commit), and LMDB's write lock is
 * always taken and released by the same OS thread.
 *
 * <p>Durability, chosen by measurement (OstBench; tables in ost-store/README.md): LMDB's own synchronous
 * commit, no WRITEMAP, no NOSYNC/MAPASYNC. It writes and flushes the data pages before it writes the meta
 * page (O_DSYNC), so kill -9, an OS crash or power loss at any point leaves the last committed state.
 * NOSYNC or WRITEMAP|MAPASYNC with one env sync per group save that second flush, but the new meta page
 * can then reach the disk before the pages it points to: a power loss during the flush can corrupt the
 * B-tree and lose the whole OST, not just the last transaction; WRITEMAP also turns a full file system
 * into SIGBUS inside LMDB (the JVM dies) and measured slowest here (page faults on the sparse map). On
 * this shared disk NOSYNC gained about 0.1-0.2x of FileChannel bandwidth for 64 KiB writes and nothing
 * clear for 1 MiB ones, which does not pay for that risk. Chunks are 64 KiB (written with MDB_RESERVE,
 * one copy): 1 MiB chunks matched FileChannel for 1 MiB writes (0.98x) but fell to 0.1-0.3x for 64 KiB
 * writes, which must rewrite and flush a whole chunk each time; 64 KiB chunks hold up for both.
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

    private static final int MAX_READERS = 256;
    private static final int MAX_BATCH = 256;
    /** Bytes of data per write transaction at most (a single write may be up to {@link #MAX_WRITE_PIECE}). */
    private static final long MAX_GROUP_BYTES = 64L << 20;
    private static final int MAX_WRITE_PIECE = 16 << 20;
    /** How long the writer waits for a group to fill up again when the previous one had several writers. */
    private static final long GATHER_NANOS = 200_000;
    private static final int META_BYTES = 16;

    /** LMDB must not be opened twice in one process: the directories of the OSTs open here. */
    private static final Set<Path> OPEN = ConcurrentHashMap.newKeySet();

    private final Path dir;
    private final int index;
    private final String name;
    private final OstOptions options;
    private final Env<ByteBuffer> env;
    private final Dbi<ByteBuffer> chunks;
    private final Dbi<ByteBuffer> objects;
    private final Dbi<ByteBuffer> meta;
    private final int chunkSize;
    private final long instance;
    private final boolean explicitSync;
    private final Throttle throttle;
    private final Semaphore readers = new Semaphore(MAX_READERS - 16);
    private final LinkedBlockingQueue<Update> queue = new LinkedBlockingQueue<>();
    private final ReentrantReadWriteLock guard = new ReentrantReadWriteLock();
    private final Thread writer;
    private final AtomicLong commits = new AtomicLong();
    private final AtomicLong committedChanges = new AtomicLong();
    private boolean closed;

    /** One queued change, applied by the writer thread inside a group's transaction. */
    private record Update(Kind kind, long id, long offset, ByteBuffer data, boolean durable,
                          CompletableFuture<Void> done) {
    }

    private enum Kind { WRITE, TRUNCATE, DESTROY, SYNC, STOP }

    private Ost(Path dir, int index, OstOptions options) {
        this.dir = dir;
        this.index = index;
        this.name = "OST%04x".formatted(index);
        this.options = options;
        this.explicitSync = switch (options.mode()) {
            case SYNC_COMMIT, WRITEMAP_SYNC_COMMIT -> false;
            case WRITEMAP_ASYNC_GROUP_SYNC, NOSYNC_GROUP_SYNC -> true;
        };
        this.throttle = new Throttle(options.bandwidthLimit());
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
        } catch (RuntimeException e) {
            env.close();
            throw e;
        }
        this.writer = Thread.ofPlatform().name(name + "-writer").daemon().start(this::writerLoop);
        LOG.info("{} opened in {}: chunk {} B, mode {}, instance {}", name, dir, chunkSize, options.mode(), instance);
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

    /** Reads or records the chunk size, and issues this open's instance number; returns both. */
    private long[] openMeta(int wantedChunkSize) {
        ByteBuffer chunkKey = text("chunk-size");
        ByteBuffer instanceKey = text("instance");
        long chunk;
        long inst;
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
            txn.commit();
        }
        if (explicitSync) {
            env.sync(true);
        }
        return new long[] {chunk, inst};
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
            int n = readLocked(id, offset, dst);
            throttle.acquire(n);
            return n;
        } finally {
            guard.readLock().unlock();
        }
    }

    private int readLocked(long id, long offset, ByteBuffer dst) {
        acquireReader();
        try (Txn<ByteBuffer> txn = env.txnRead()) {
            ByteBuffer key = Chunks.newKey();
            ObjectStat st = stat(txn, id);
            if (offset >= st.size() || !dst.hasRemaining()) {
                return 0;
            }
            int want = (int) Math.min(dst.remaining(), st.size() - offset);
            long pos = offset;
            long end = offset + want;
            while (pos < end) {
                long chunk = pos / chunkSize;
                int inChunk = (int) (pos % chunkSize);
                int n = (int) Math.min(chunkSize - inChunk, end - pos);
                ByteBuffer value = chunks.get(txn, Chunks.key(key, id, chunk));
                int stored = value == null ? 0 : Chunks.verify(key, value, name);
                int fromStore = Math.max(0, Math.min(n, stored - inChunk));
                if (fromStore > 0) {
                    ByteBuffer p = Chunks.payload(value);
                    p.position(p.position() + inChunk).limit(p.position() + fromStore);
                    dst.put(p);
                }
                Chunks.putZeros(dst, n - fromStore);
                pos += n;
            }
            return want;
        } catch (LmdbException e) {
            throw storageError("read", e);
        } finally {
            readers.release();
        }
    }

    public ObjectStat stat(long id) {
        checkId(id);
        enter();
        try {
            acquireReader();
            try (Txn<ByteBuffer> txn = env.txnRead()) {
                return stat(txn, id);
            } catch (LmdbException e) {
                throw storageError("stat", e);
            } finally {
                readers.release();
            }
        } finally {
            guard.readLock().unlock();
        }
    }

    private ObjectStat stat(Txn<ByteBuffer> txn, long id) {
        ByteBuffer v = objects.get(txn, objectKey(id));
        if (v == null) {
            return ObjectStat.ABSENT;
        }
        if (v.remaining() != META_BYTES) {
            throw new NacreException(Status.CORRUPT, "%s: object 0x%x has a bad record".formatted(name, id));
        }
        return new ObjectStat(v.getLong(v.position()), v.getLong(v.position() + 8));
    }

    /**
     * Space in use (every LMDB page reachable from our databases) and free (pages free inside the file,
     * plus what the file may still grow by: the rest of the map, bounded by the file system's free space).
     */
    public OstUsage usage() {
        enter();
        try {
            acquireReader();
            long pages;
            long objectCount;
            int pageSize;
            try (Txn<ByteBuffer> txn = env.txnRead()) {
                Stat main = env.stat();
                pageSize = main.pageSize;
                pages = 2 + pagesOf(main);
                for (Dbi<ByteBuffer> d : List.of(chunks, objects, meta)) {
                    pages += pagesOf(d.stat(txn));
                }
                objectCount = objects.stat(txn).entries;
            } finally {
                readers.release();
            }
            EnvInfo info = env.info();
            long fileBytes = (info.lastPageNumber + 1) * pageSize;
            long used = pages * pageSize;
            long fsFree = Files.getFileStore(dir).getUsableSpace();
            long free = Math.max(0, fileBytes - used) + Math.max(0, Math.min(info.mapSize - fileBytes, fsFree));
            return new OstUsage(index, used + free, used, free, objectCount);
        } catch (IOException e) {
            throw new NacreException(Status.IO, name + ": cannot stat file system: " + e.getMessage(), e);
        } catch (LmdbException e) {
            throw storageError("usage", e);
        } finally {
            guard.readLock().unlock();
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
            int n = Math.min(MAX_WRITE_PIECE, length - done);
            boolean last = done + n == length;
            ByteBuffer piece = src.duplicate().position(src.position() + done).limit(src.position() + done + n);
            submit(new Update(Kind.WRITE, id, offset + done, piece, last && durability == Durability.STABLE,
                    new CompletableFuture<>()));
            done += n;
        }
        src.position(src.position() + length);
        return instance;
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
            queue.add(u);
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

    private void writerLoop() {
        List<Update> batch = new ArrayList<>();
        int expected = 1;
        while (true) {
            try {
                batch.add(queue.take());
                queue.drainTo(batch, MAX_BATCH - 1);
                gather(batch, expected);
            } catch (InterruptedException e) {
                LOG.warn("{}: writer interrupted, stopping", name);
                return;
            }
            expected = batch.size();
            boolean stop = batch.removeIf(u -> u.kind() == Kind.STOP);
            int from = 0;
            long bytes = 0;
            for (int i = 0; i < batch.size(); i++) {
                bytes += batch.get(i).data() == null ? 0 : batch.get(i).data().remaining();
                if (bytes > MAX_GROUP_BYTES && i > from) {
                    commitGroup(batch.subList(from, i));
                    from = i;
                    bytes = batch.get(i).data() == null ? 0 : batch.get(i).data().remaining();
                }
            }
            if (from < batch.size()) {
                commitGroup(batch.subList(from, batch.size()));
            }
            batch.clear();
            if (stop) {
                return;
            }
        }
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

    /** Commits a group in one transaction; if it fails, retries each change alone so only the culprit fails. */
    private void commitGroup(List<Update> group) {
        try {
            commit(group);
            group.forEach(u -> u.done().complete(null));
        } catch (Throwable t) {
            if (group.size() == 1) {
                group.get(0).done().completeExceptionally(t);
                return;
            }
            LOG.debug("{}: group of {} failed ({}), retrying one by one", name, group.size(), t.toString());
            for (Update u : group) {
                try {
                    commit(List.of(u));
                    u.done().complete(null);
                } catch (Throwable t1) {
                    u.done().completeExceptionally(t1);
                }
            }
        }
    }

    private void commit(List<Update> group) {
        boolean durable = false;
        try (Txn<ByteBuffer> txn = env.txnWrite()) {
            ByteBuffer key = Chunks.newKey();
            for (Update u : group) {
                durable |= u.durable();
                switch (u.kind()) {
                    case WRITE -> applyWrite(txn, key, u.id(), u.offset(), u.data());
                    case TRUNCATE -> applyTruncate(txn, key, u.id(), u.offset());
                    case DESTROY -> applyDestroy(txn, key, u.id());
                    case SYNC, STOP -> { }
                }
            }
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
        Faults.hit(FAULT_AFTER_COMMIT);
    }

    private void applyWrite(Txn<ByteBuffer> txn, ByteBuffer key, long id, long offset, ByteBuffer src) {
        ObjectStat st = stat(txn, id);
        long used = st.bytesUsed();
        long pos = offset;
        ByteBuffer s = src.duplicate();
        while (s.hasRemaining()) {
            long chunk = pos / chunkSize;
            int inChunk = (int) (pos % chunkSize);
            int n = Math.min(chunkSize - inChunk, s.remaining());
            Chunks.key(key, id, chunk);
            ByteBuffer old = chunks.get(txn, key);
            int oldLength = old == null ? 0 : old.remaining() - Chunks.CRC_BYTES;
            int newLength = Math.max(oldLength, inChunk + n);
            ByteBuffer piece = s.duplicate().limit(s.position() + n);
            if (old == null || (inChunk == 0 && n >= oldLength)) {
                // Nothing of the old chunk survives: write the new bytes straight into LMDB's page.
                ByteBuffer value = chunks.reserve(txn, key, Chunks.CRC_BYTES + newLength);
                value.position(value.position() + Chunks.CRC_BYTES);
                Chunks.putZeros(value, inChunk);
                value.put(piece).flip();
                Chunks.seal(key, value);
            } else {
                // Read-modify-write: the old bytes we keep must be good, so check them first.
                Chunks.verify(key, old, name);
                ByteBuffer merged = ByteBuffer.allocate(newLength);
                merged.put(Chunks.payload(old));
                Chunks.putZeros(merged, Math.max(0, inChunk - oldLength));
                merged.position(inChunk);
                merged.put(piece).clear();
                ByteBuffer value = chunks.reserve(txn, key, Chunks.CRC_BYTES + newLength);
                value.position(value.position() + Chunks.CRC_BYTES);
                value.put(merged).flip();
                Chunks.seal(key, value);
            }
            used += newLength - oldLength;
            s.position(s.position() + n);
            pos += n;
        }
        putStat(txn, id, Math.max(st.size(), pos), used);
    }

    private void applyTruncate(Txn<ByteBuffer> txn, ByteBuffer key, long id, long size) {
        ObjectStat st = stat(txn, id);
        if (st == ObjectStat.ABSENT && size == 0) {
            return;
        }
        long used = st.bytesUsed();
        if (size < st.size()) {
            long firstDropped = (size + chunkSize - 1) / chunkSize;
            used -= deleteChunks(txn, key, id, firstDropped);
            int keep = (int) (size % chunkSize);
            if (keep != 0) {
                Chunks.key(key, id, size / chunkSize);
                ByteBuffer old = chunks.get(txn, key);
                if (old != null) {
                    int oldLength = Chunks.verify(key, old, name);
                    if (oldLength > keep) {
                        ByteBuffer kept = ByteBuffer.allocate(keep);
                        kept.put(Chunks.payload(old).limit(old.position() + Chunks.CRC_BYTES + keep)).flip();
                        ByteBuffer value = chunks.reserve(txn, key, Chunks.CRC_BYTES + keep);
                        value.position(value.position() + Chunks.CRC_BYTES);
                        value.put(kept).flip();
                        Chunks.seal(key, value);
                        used -= oldLength - keep;
                    }
                }
            }
        }
        putStat(txn, id, size, used);
    }

    private void applyDestroy(Txn<ByteBuffer> txn, ByteBuffer key, long id) {
        deleteChunks(txn, key, id, 0);
        objects.delete(txn, objectKey(id));
    }

    /** Deletes the object's chunks from index {@code from} on; returns the payload bytes they held. */
    private long deleteChunks(Txn<ByteBuffer> txn, ByteBuffer key, long id, long from) {
        long freed = 0;
        try (Cursor<ByteBuffer> c = chunks.openCursor(txn)) {
            while (c.get(Chunks.key(key, id, from), GetOp.MDB_SET_RANGE) && Chunks.idOf(c.key()) == id) {
                freed += c.val().remaining() - Chunks.CRC_BYTES;
                c.delete();
            }
        }
        return freed;
    }

    private void putStat(Txn<ByteBuffer> txn, long id, long size, long used) {
        ByteBuffer v = ByteBuffer.allocateDirect(META_BYTES).putLong(size).putLong(used).flip();
        objects.put(txn, objectKey(id), v);
    }

    /** Changes committed per LMDB commit so far: how much group commit shares each flush. */
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

    /** Waits for running calls and queued changes, then closes LMDB. Later calls fail with UNAVAILABLE. */
    @Override
    public void close() {
        guard.writeLock().lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            queue.add(new Update(Kind.STOP, 0, 0, null, false, new CompletableFuture<>()));
            try {
                writer.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                LOG.warn("{}: interrupted while closing; the writer may still run", name);
                return;
            }
            env.close();
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
