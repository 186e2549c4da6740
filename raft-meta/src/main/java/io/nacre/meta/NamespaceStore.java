package io.nacre.meta;

import io.nacre.engine.Fid;
import io.nacre.engine.store.OstInfo;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.stream.Stream;
import org.lmdbjava.CopyFlags;
import org.lmdbjava.Dbi;
import org.lmdbjava.DbiFlags;
import org.lmdbjava.Env;
import org.lmdbjava.EnvFlags;
import org.lmdbjava.LmdbException;
import org.lmdbjava.Txn;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The namespace's LMDB environment: one directory ({@code data.mdb}) with one database per record kind.
 *
 * <p>Durability comes from the Raft log, not from LMDB: the environment runs with MDB_NOSYNC, so a
 * commit is a few writes into the page cache and no fsync. A process crash (kill -9) loses nothing,
 * because the page cache survives it and LMDB's copy-on-write commit leaves either the old or the new
 * state. An operating-system crash or power loss can leave a NOSYNC environment torn, so the store
 * keeps a marker file that says "open since boot X" (fsynced before the first write): if the machine
 * has rebooted since (a different boot id) the environment is not trusted and is rebuilt from the
 * latest snapshot (an fsynced copy) plus the Raft log, which Ratis keeps from the snapshot on.
 * A clean close syncs LMDB and marks the store clean.
 */
final class NamespaceStore implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(NamespaceStore.class);

    /** Address space reserved for the map; LMDB grows the file only as pages are used. */
    static final long MAP_SIZE = 256L << 30;
    static final String DATA_FILE = "data.mdb";
    private static final String LOCK_FILE = "lock.mdb";
    private static final String MARKER = "namespace.state";

    final Path dir;
    final Env<ByteBuffer> env;
    final Dbi<ByteBuffer> inodes;
    final Dbi<ByteBuffer> dentries;
    final Dbi<ByteBuffer> cookies;
    final Dbi<ByteBuffer> xattrs;
    final Dbi<ByteBuffer> dom;
    final Dbi<ByteBuffer> destroys;
    final Dbi<ByteBuffer> changelog;
    final Dbi<ByteBuffer> consumers;
    final Dbi<ByteBuffer> osts;
    final Dbi<ByteBuffer> meta;
    final Dbi<ByteBuffer> replies;
    /** The HSM coordinator's requests, indexes, catalog and agents (see {@link HsmTable}). */
    final Dbi<ByteBuffer> hsm;
    /**
     * Open marks of gateways, by file and by gateway (see {@link OpenMarks}). A store made before there were
     * marks gets it empty at its first open here: no file of it is marked.
     */
    final Dbi<ByteBuffer> opens;
    /** Disk space held ahead of LMDB's last page when LMDB runs with WRITEMAP (see {@link NamespaceRoom}). */
    private final NamespaceRoom room;
    private final long pageSize;

    private NamespaceStore(Path dir, boolean durableCommits) throws IOException {
        this.dir = dir;
        Files.createDirectories(dir);
        room = NamespaceRoom.prepare(dir.resolve(DATA_FILE));
        // Direct buffers, not byte arrays: lmdbjava's byte-array proxy mallocs a finalizable native copy of
        // every key and value it passes to LMDB; a Tx copies them into staging buffers it reuses (see Staging).
        // NOTLS: read transactions are used from virtual threads, which move between carriers.
        List<EnvFlags> flags = new java.util.ArrayList<>(List.of(EnvFlags.MDB_NOTLS));
        if (!durableCommits) {
            flags.add(EnvFlags.MDB_NOSYNC);
        }
        if (room.writemap()) {
            flags.add(EnvFlags.MDB_WRITEMAP);
        }
        try {
            env = Env.create()
                    .setMapSize(MAP_SIZE)
                    .setMaxDbs(16)
                    .setMaxReaders(1024)
                    .open(dir.toFile(), flags.toArray(EnvFlags[]::new));
        } catch (RuntimeException e) {
            room.close();
            throw e;
        }
        pageSize = env.stat().pageSize;
        room.ensure(env.info(), pageSize); // an existing store opened in this mode for the first time
        LOG.info("namespace store {}: LMDB {}", dir, room.writemap()
                ? "with WRITEMAP, " + (room.allocated() >> 20) + " MiB of data.mdb allocated on disk"
                : "without WRITEMAP (write calls at commit)");
        inodes = env.openDbi("inode", DbiFlags.MDB_CREATE);
        dentries = env.openDbi("dentry", DbiFlags.MDB_CREATE);
        cookies = env.openDbi("cookie", DbiFlags.MDB_CREATE);
        xattrs = env.openDbi("xattr", DbiFlags.MDB_CREATE);
        dom = env.openDbi("dom", DbiFlags.MDB_CREATE);
        destroys = env.openDbi("destroy", DbiFlags.MDB_CREATE);
        changelog = env.openDbi("changelog", DbiFlags.MDB_CREATE);
        consumers = env.openDbi("consumer", DbiFlags.MDB_CREATE);
        osts = env.openDbi("ost", DbiFlags.MDB_CREATE);
        meta = env.openDbi("meta", DbiFlags.MDB_CREATE);
        replies = env.openDbi("reply", DbiFlags.MDB_CREATE);
        hsm = env.openDbi("hsm", DbiFlags.MDB_CREATE);
        opens = env.openDbi("open", DbiFlags.MDB_CREATE);
        // Reader slots of a process that was killed would hold old pages from reuse.
        env.readerCheck();
    }

    /**
     * Opens the store in {@code dir}. When {@code restoreFrom} is given, the environment is first replaced by
     * that snapshot file (a copy made by {@link #copyInto}); when {@code wipe}, it starts empty.
     */
    static NamespaceStore open(Path dir, Path restoreFrom, boolean wipe) throws IOException {
        return open(dir, restoreFrom, wipe, false);
    }

    /**
     * {@link #open(Path, Path, boolean)}; with {@code durableCommits} LMDB runs without MDB_NOSYNC, so a commit
     * returns only once it is on disk (LMDB's own ordered sync: the data pages, then the meta page). Only the
     * one-peer fast path's prototype opens it so, for the candidate "LMDB's commit is the log" (test scope:
     * {@code OnePeerCommit}; raft-meta/README.md).
     */
    static NamespaceStore open(Path dir, Path restoreFrom, boolean wipe, boolean durableCommits) throws IOException {
        Files.createDirectories(dir);
        if (wipe || restoreFrom != null) {
            // Never trusted while half made: a crash during the copy must lead to another rebuild.
            writeMarker(dir, "rebuilding");
            Files.deleteIfExists(dir.resolve(LOCK_FILE));
            Files.deleteIfExists(dir.resolve(DATA_FILE));
        }
        if (restoreFrom != null) {
            LOG.info("restoring the namespace in {} from snapshot {}", dir, restoreFrom);
            Files.copy(restoreFrom, dir.resolve(DATA_FILE), StandardCopyOption.REPLACE_EXISTING);
        }
        markOpen(dir);
        return new NamespaceStore(dir, durableCommits);
    }

    /**
     * A key and a value buffer a transaction copies what it passes to LMDB into: a read transaction's goes with
     * its {@link Reader}, a write transaction's is taken from a pool and given back when it ends.
     */
    static final class Staging {
        /** LMDB's largest key is 511 bytes (a longer one gets LMDB's own error). */
        private final ByteBuffer key = ByteBuffer.allocateDirect(512);
        private ByteBuffer value = ByteBuffer.allocateDirect(4096);

        /** An inode's (or data-on-MDT) key, {@link Keys#fid(Fid)}, written straight into the key buffer. */
        ByteBuffer key(Fid f) {
            return key.clear().putLong(f.seq()).putInt(f.oid()).putInt(f.ver()).flip();
        }

        ByteBuffer key(byte[] k) {
            return k.length > key.capacity() ? ByteBuffer.allocateDirect(k.length).put(k).flip() : key.clear().put(k).flip();
        }

        ByteBuffer value(byte[] v) {
            if (v.length > MAX_KEPT_VALUE) {
                return ByteBuffer.allocateDirect(v.length).put(v).flip(); // used once: a large value is not kept
            }
            if (v.length > value.capacity()) {
                value = ByteBuffer.allocateDirect(Math.max(v.length, Math.min(MAX_KEPT_VALUE, 2 * value.capacity())));
            }
            return value.clear().put(v).flip();
        }
    }

    /**
     * A few hot records as the last committed write transaction left them (counters, OST records, whether a
     * changelog consumer exists, the oldest changelog record), so that the next write transaction need not
     * read and decode them again. Only write transactions use it: there is one at a time (the apply), it
     * sees the latest commit, and it publishes here only after its commit succeeded. It goes with the store
     * (a snapshot install opens a new one).
     */
    static final class Committed {
        final Map<String, Long> counters = new HashMap<>();
        final Map<Integer, Tx.OstRecord> osts = new HashMap<>();
        /** Null while unknown. */
        Boolean hasConsumers;
        /** The index of the oldest changelog record (or of the next one, when there is none); -1 while unknown. */
        long changelogFirst = -1;
    }

    final Committed committed = new Committed();

    /** The registered OSTs as read from the state after write transaction {@code asOf}. */
    private record OstList(long asOf, List<OstInfo> osts) {
    }

    private volatile OstList ostList;
    /** The id of the last write transaction that changed the OSTs' registrations, set before it commits. */
    private volatile long registrationsChangedAt;

    /**
     * The registered OSTs as a transaction based on state {@code base} sees them, if known: the list kept is
     * good for it when no registration changed between the state it was read from and {@code base}
     * (transactions see different states; the one changing registrations says so before it commits, so a
     * transaction that sees its change also sees the mark).
     */
    List<OstInfo> registeredOsts(long base) {
        OstList l = ostList;
        return l != null && registrationsChangedAt <= Math.min(l.asOf(), base) ? l.osts() : null;
    }

    void keepRegisteredOsts(long asOf, List<OstInfo> osts) {
        ostList = new OstList(asOf, osts);
    }

    void registrationsChanging(long txnId) {
        registrationsChangedAt = txnId;
    }

    private static final int MAX_KEPT_VALUE = 1 << 20;
    private final ConcurrentLinkedQueue<Staging> staging = new ConcurrentLinkedQueue<>();

    Staging takeStaging() {
        Staging st = staging.poll();
        return st != null ? st : new Staging();
    }

    void giveBack(Staging st) {
        staging.offer(st);
    }

    /** Reset read transactions kept for reuse at most (see {@link #idleReaders}). */
    static final int IDLE_READERS = 8;

    /** A read transaction with its staging buffers, kept together between reads. */
    static final class Reader {
        final Txn<ByteBuffer> txn;
        final Staging staging = new Staging();
        /**
         * The file system's id once this reader's transaction saw it, else 0: every read asks (is the file system
         * formatted?), and a renewed transaction sees a later state, never an unformatted one again.
         */
        long fsid;

        Reader(Txn<ByteBuffer> txn) {
            this.txn = txn;
        }
    }

    /**
     * Readers of finished read transactions, their transactions reset (no snapshot held, the reader slot kept),
     * renewed by the next read so that it sees the latest commit (MDB_NOTLS: any thread may renew one). A new
     * lmdbjava {@code Txn} takes its pointer and key/value structs from jnr-ffi's per-thread "magazine" (an 8 KiB
     * mmap, unmapped by jnr-ffi's finalizer after a GC) and LMDB mallocs its transaction and takes the reader
     * table's mutex for a slot: every stat's read and every proposal check did that. There are never more
     * readers than reads at once, so no more reader slots are held than before.
     */
    private final ArrayBlockingQueue<Reader> idleReaders = new ArrayBlockingQueue<>(IDLE_READERS);
    private volatile boolean closed;

    Tx read() {
        Reader r = idleReaders.poll();
        if (r == null) {
            r = new Reader(env.txnRead());
        } else {
            try {
                r.txn.renew(); // the latest commit, not the one it was last used on
            } catch (LmdbException e) {
                r.txn.close();
                r = new Reader(env.txnRead());
            }
        }
        return new Tx(this, r);
    }

    Tx write() {
        room.ensure(env.info(), pageSize);
        return new Tx(this, env.txnWrite());
    }

    /** Whether LMDB runs with WRITEMAP here (see {@link NamespaceRoom}). */
    boolean writemap() {
        return room.writemap();
    }

    /** Whether the disk gives the namespace no more room: the leader refuses changes that take space. */
    boolean shortOfRoom() {
        return room.isShort();
    }

    /** Bytes of {@code data.mdb} allocated from its start (tests); 0 without WRITEMAP. */
    long allocated() {
        return room.allocated();
    }

    /** Keeps a finished read transaction's reader for the next read, its transaction reset, or closes it. */
    void finished(Reader r) {
        if (closed || idleReaders.remainingCapacity() == 0) {
            r.txn.close();
            return;
        }
        r.txn.reset();
        if (!idleReaders.offer(r)) {
            closeReset(r);
        }
    }

    /** Closes a reset transaction: lmdbjava 0.9 aborts only a live one at close, so it is renewed first. */
    private static void closeReset(Reader r) {
        r.txn.renew();
        r.txn.close();
    }

    /** How many reset read transactions wait for reuse (tests). */
    int idleReaders() {
        return idleReaders.size();
    }

    /**
     * Writes a compacted, consistent copy of the environment into {@code workDir} (emptied first) and fsyncs
     * it; returns the copied file. LMDB copies under its own read transaction, so the copy is one committed
     * state while writers go on; which state, the copy itself says (see {@link #metaOf}).
     */
    Path copyInto(Path workDir) throws IOException {
        deleteTree(workDir);
        Files.createDirectories(workDir);
        env.copy(workDir.toFile(), CopyFlags.MDB_CP_COMPACT);
        Path copied = workDir.resolve(DATA_FILE);
        try (FileChannel ch = FileChannel.open(copied, StandardOpenOption.WRITE)) {
            ch.force(true);
        }
        return copied;
    }

    /** A value of the meta database of a copied environment in {@code envDir}, read without writing to it. */
    static byte[] metaOf(Path envDir, String key) {
        try (Env<ByteBuffer> copy = Env.create().setMapSize(MAP_SIZE).setMaxDbs(16)
                .open(envDir.toFile(), EnvFlags.MDB_RDONLY_ENV, EnvFlags.MDB_NOLOCK, EnvFlags.MDB_NOTLS)) {
            Dbi<ByteBuffer> meta = copy.openDbi("meta");
            try (Txn<ByteBuffer> t = copy.txnRead()) {
                return Tx.bytes(meta.get(t, new Staging().key(Keys.text(key))));
            }
        }
    }

    /** Moves a finished copy to {@code file} atomically and makes the rename durable. */
    static void install(Path copied, Path file) throws IOException {
        Files.move(copied, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        fsyncDir(file.getParent());
    }

    /** Flushes LMDB to disk (used before a clean close). */
    void sync() {
        env.sync(true);
    }

    @Override
    public void close() {
        if (env.isClosed()) {
            return;
        }
        closed = true;
        try {
            // No read transaction may be left when LMDB closes: the idle ones are closed first (a Tx still
            // open now would be used after the close, with or without them: callers close theirs before).
            for (Reader r; (r = idleReaders.poll()) != null; ) {
                closeReset(r);
            }
            env.sync(true);
            env.close();
            room.close();
            writeMarker(dir, "clean");
        } catch (IOException e) {
            throw new UncheckedIOException("closing the namespace store in " + dir, e);
        }
    }

    // ---- the crash marker -----------------------------------------------------------------------

    /**
     * Whether the environment in {@code dir} can be used as it is: closed cleanly, or opened since this
     * machine's last boot (so the page cache held every write). False when it does not exist.
     */
    static boolean exists(Path dir) {
        return Files.exists(dir.resolve(DATA_FILE));
    }

    static boolean trusted(Path dir) throws IOException {
        if (!exists(dir)) {
            return false;
        }
        Path marker = dir.resolve(MARKER);
        if (!Files.exists(marker)) {
            return false;
        }
        String state = Files.readString(marker, StandardCharsets.UTF_8).strip();
        if (state.equals("clean")) {
            return true;
        }
        String boot = bootId();
        return boot != null && state.equals("open " + boot);
    }

    private static void markOpen(Path dir) throws IOException {
        String boot = bootId();
        writeMarker(dir, boot == null ? "open" : "open " + boot);
    }

    private static void writeMarker(Path dir, String state) throws IOException {
        Path tmp = dir.resolve(MARKER + ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ch.write(java.nio.ByteBuffer.wrap((state + "\n").getBytes(StandardCharsets.UTF_8)));
            ch.force(true);
        }
        Files.move(tmp, dir.resolve(MARKER), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        fsyncDir(dir);
    }

    /** Linux's id of the current boot; null where there is none (then any unclean store is rebuilt). */
    static String bootId() {
        try {
            return Files.readString(Path.of("/proc/sys/kernel/random/boot_id"), StandardCharsets.US_ASCII).strip();
        } catch (IOException e) {
            return null;
        }
    }

    static void fsyncDir(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }

    static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(p)) {
            for (Path q : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(q);
            }
        }
    }
}
