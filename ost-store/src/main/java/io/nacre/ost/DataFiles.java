package io.nacre.ost;

import io.nacre.engine.NacreException;
import io.nacre.engine.Status;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntFunction;
import org.lmdbjava.Cursor;
import org.lmdbjava.Dbi;
import org.lmdbjava.Txn;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An OST's data files: WAL segments whose records a checkpoint adopted instead of copying them into LMDB
 * (a hard link {@code data-<id>} to the segment's inode; the segment's name then gets a fresh file). A
 * chunk value in LMDB may be a {@link Chunks.Pointer} to a record here; every read checks the record's
 * header (object, chunk, sequence number, length) and CRC32C. LMDB's {@code datafiles} database holds, per
 * file, its size and its live bytes (headers and payloads of the records pointers still name), changed in
 * the same transaction as the pointers; a file with none left is deleted after that commit, or, if it is a whole
 * segment's size, given to the WAL as a segment's file once no read can hold it ({@link #recycleUnused}).
 */
final class DataFiles {

    private static final Logger LOG = LoggerFactory.getLogger(DataFiles.class);

    static final String PREFIX = "data-";
    private static final int RECORD_BYTES = 16;

    /** A data file's size and live bytes, as LMDB records them. */
    record Info(long size, long live) {
    }

    private static final class DataFile {
        final long size;
        volatile MappedByteBuffer map;

        DataFile(long size) {
            this.size = size;
        }
    }

    private final Path dir;
    private final String name;
    private final Dbi<ByteBuffer> db;
    private final AtomicLong runReads = new AtomicLong();
    private final Unmapper unmapper;
    /** The files LMDB's latest state may point into, mapped on first read. */
    private final ConcurrentHashMap<Long, DataFile> files = new ConcurrentHashMap<>();
    private final AtomicLong bytes = new AtomicLong();
    /** Bumped before files are forgotten: a reader's LMDB view older than that may point into one of them. */
    private final AtomicLong retirements = new AtomicLong();
    /** The WAL that may take dead data files as segment files ({@link #recycleInto}); null: they are deleted. */
    private volatile Wal wal;
    /** Dead data files still on disk, kept for the WAL until no read can hold them (see {@link #retire}). */
    private final Set<Long> dying = ConcurrentHashMap.newKeySet();
    /** Dying files no read can hold any more: for {@link #recycleUnused}. */
    private final ConcurrentLinkedQueue<Long> unused = new ConcurrentLinkedQueue<>();

    DataFiles(Path dir, String name, Dbi<ByteBuffer> db, Unmapper unmapper) {
        this.dir = dir;
        this.name = name;
        this.db = db;
        this.unmapper = unmapper;
    }

    Dbi<ByteBuffer> db() {
        return db;
    }

    Path file(long id) {
        return dir.resolve(PREFIX + "%016x".formatted(id));
    }

    /**
     * At open, before the WAL: knows every data file LMDB records and deletes the others. Those were
     * linked by a checkpoint that did not commit: the WAL still holds their records and recovery replays
     * them; deleting the link also leaves their segment with one name again.
     */
    void open(Txn<ByteBuffer> txn) {
        Map<Long, Info> referenced = all(txn);
        boolean deleted = false;
        try (var list = Files.list(dir)) {
            for (Path f : list.toList()) {
                String n = f.getFileName().toString();
                if (!n.startsWith(PREFIX)) {
                    continue;
                }
                Long id = parse(n.substring(PREFIX.length()));
                if (id == null || !referenced.containsKey(id)) {
                    LOG.info("{}: deleting {}, which no LMDB record references (a checkpoint that did not commit)",
                            name, n);
                    Files.delete(f);
                    deleted = true;
                }
            }
            if (deleted) {
                flushDirectory();
            }
        } catch (IOException e) {
            throw new NacreException(Status.IO, name + ": cannot list or clean data files in " + dir + ": "
                    + e.getMessage(), e);
        }
        referenced.forEach((id, info) -> {
            if (Files.exists(file(id))) {
                register(id, info.size());
            } else {
                // Reads of its chunks then say CORRUPT (never zeros or wrong bytes).
                LOG.error("{}: data file {} is missing; its {} live bytes read as CORRUPT", name, file(id),
                        info.live());
            }
        });
    }

    private static Long parse(String hex) {
        try {
            return hex.length() == 16 ? Long.parseUnsignedLong(hex, 16) : null;
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** Gives segment file {@code segment} a second name, data file {@code id} (the caller flushes the directory). */
    void link(Path segment, long id) throws IOException {
        Files.deleteIfExists(file(id)); // left by an earlier attempt that did not commit
        Files.createLink(file(id), segment);
    }

    /** Undoes {@link #link} and {@link #register} of a checkpoint that did not commit. */
    void unlink(long id) {
        forget(id);
    }

    /** Forgets a data file, then deletes it; its map is unmapped once no read can hold it. */
    private void forget(long id) {
        drop(id);
        delete(id);
    }

    /** Forgets a data file: new reads no longer find it, its map is unmapped once no read can hold it; returns it. */
    private DataFile drop(long id) {
        DataFile f = files.remove(id);
        if (f != null) {
            bytes.addAndGet(-f.size);
            synchronized (f) {
                unmapper.drop(f.map);
            }
        }
        return f;
    }

    private void delete(long id) {
        try {
            Files.deleteIfExists(file(id));
        } catch (IOException e) {
            LOG.warn("{}: cannot delete {} (deleted at the next open): {}", name, file(id), e.toString());
        }
    }

    /** From now on (the WAL recovered and started), dead data files of its segment size may become its segment files. */
    void recycleInto(Wal w) {
        this.wal = w;
    }

    void register(long id, long size) {
        if (files.put(id, new DataFile(size)) == null) {
            bytes.addAndGet(size);
        }
    }

    /**
     * Data files no LMDB record names any more (that commit done): forgotten, then deleted. Readers that
     * mapped one already read on (Linux keeps the pages); a reader that looks one up afterwards renews its
     * LMDB view and finds the chunk elsewhere. With the WAL, a file of exactly its segment size is kept until
     * every call that could hold its map has ended, then offered to the WAL ({@link #recycleUnused}): a read
     * still holding it must not see new WAL records where its chunk was (it would fail its CRC, CORRUPT).
     */
    void retire(Collection<Long> ids) {
        if (ids.isEmpty()) {
            return;
        }
        retirements.incrementAndGet();
        Wal w = wal;
        for (long id : ids) {
            DataFile f = drop(id);
            if (w != null && f != null && f.size == w.segmentSize()) {
                dying.add(id);
                unmapper.whenUnused(() -> unused.add(id));
            } else {
                delete(id);
            }
        }
        LOG.debug("{}: data files {} retired (no live records left)", name, ids);
    }

    /**
     * The checkpoint thread, after the unmapper's reclaim: each dead data file no read can hold any more becomes
     * the file of a WAL segment whose fresh file waits to be prepared ({@link Wal#recycle}: it is written to its
     * full size already, so that segment needs no zeros), or is deleted.
     */
    void recycleUnused() {
        for (Long id; (id = unused.poll()) != null; ) {
            if (!dying.remove(id)) {
                continue;
            }
            Wal w = wal;
            boolean taken = false;
            try {
                taken = w != null && w.recycle(file(id));
            } catch (IOException | RuntimeException e) {
                LOG.warn("{}: cannot give dead data file {} to the WAL (deleted instead): {}", name, file(id),
                        e.toString());
            }
            if (!taken) {
                delete(id);
            }
        }
    }

    /** At the OST's close, nothing reading: every map goes to the unmapper (the files stay; dead ones are deleted). */
    void close() {
        for (DataFile f : files.values()) {
            synchronized (f) {
                unmapper.drop(f.map);
                f.map = null;
            }
        }
        for (long id : List.copyOf(dying)) {
            dying.remove(id);
            delete(id);
        }
    }

    long retirements() {
        return retirements.get();
    }

    /** Bytes of the data files on disk. */
    long bytes() {
        return bytes.get();
    }

    int count() {
        return files.size();
    }

    /** The files LMDB's latest state may point into (tests). */
    Set<String> names() {
        Set<String> out = new java.util.TreeSet<>();
        files.keySet().forEach(id -> out.add(file(id).getFileName().toString()));
        return out;
    }

    /** The data file mapped for reads; null if LMDB's latest state has no such file (retired, or never committed). */
    MappedByteBuffer map(long id) {
        DataFile f = files.get(id);
        if (f == null) {
            return null;
        }
        MappedByteBuffer m = f.map;
        if (m == null) {
            synchronized (f) {
                m = f.map;
                if (m == null) {
                    // The channel closes at once: the map stays valid, and thousands of data files hold no descriptors.
                    try (FileChannel ch = FileChannel.open(file(id), StandardOpenOption.READ)) {
                        m = ch.map(FileChannel.MapMode.READ_ONLY, 0, Math.min(f.size, ch.size()));
                    } catch (IOException e) {
                        throw new NacreException(Status.IO, name + ": cannot map " + file(id) + ": " + e.getMessage(), e);
                    }
                    f.map = m;
                }
            }
        }
        return m;
    }

    /** The record a pointer names, header on; CORRUPT unless it is whole and is that chunk's record. */
    private ByteBuffer record(MappedByteBuffer map, Chunks.Pointer p, long id, long chunk) {
        if (p.offset() < 0 || p.length() < 0 || p.offset() + Wal.HEADER + p.length() > map.capacity()) {
            throw corrupt(p, id, chunk);
        }
        ByteBuffer rec = map.slice((int) p.offset(), Wal.HEADER + p.length());
        if (!Wal.holds(rec, p.seq(), p.length(), id, chunk)) {
            throw corrupt(p, id, chunk);
        }
        return rec;
    }

    /** The chunk's payload, checked against the record's CRC32C. */
    ByteBuffer payload(MappedByteBuffer map, Chunks.Pointer p, long id, long chunk) {
        ByteBuffer rec = record(map, p, id, chunk);
        ByteBuffer payload = rec.slice(Wal.HEADER, p.length());
        if (!Wal.crcMatches(rec.slice(0, Wal.HEADER), payload)) {
            throw corrupt(p, id, chunk);
        }
        return payload;
    }

    /** Copies the chunk's payload into {@code dst}, then checks the copy (one pass); CORRUPT leaves dst's position. */
    void copy(MappedByteBuffer map, Chunks.Pointer p, long id, long chunk, ByteBuffer dst) {
        ByteBuffer rec = record(map, p, id, chunk);
        int at = dst.position();
        dst.put(rec.slice(Wal.HEADER, p.length()));
        if (!Wal.crcMatches(rec.slice(0, Wal.HEADER), dst.duplicate().position(at).limit(at + p.length()))) {
            dst.position(at);
            throw corrupt(p, id, chunk);
        }
    }

    /**
     * Reads {@code run}: records back to back in the data file {@code p} points into, from {@code p}'s record on,
     * the images of chunks {@code first}, {@code first + 1}, ... of object {@code id} ({@link RecordRun}), through
     * a descriptor of its own (data files hold none between reads: there may be thousands). The caller reads
     * between the unmapper's enter and exit, as for a map: a retired file is not given to the WAL before it
     * returns. False when the file is gone (retired and deleted since the caller found the pointers: it looks
     * again); CORRUPT when a record is not whole, not that chunk's, or fails its CRC32C.
     */
    boolean readRun(Chunks.Pointer p, RecordRun run, long id, long first, ByteBuffer dst) {
        ByteBuffer headers = RecordRun.takeHeaders();
        try {
            long got;
            try (FileChannel ch = FileChannel.open(file(p.file()), StandardOpenOption.READ)) {
                ch.position(p.offset());
                got = run.read(ch, headers, dst);
            } catch (NoSuchFileException e) {
                if (files.containsKey(p.file())) {
                    throw new NacreException(Status.CORRUPT, "%s: object 0x%x chunk %d is in %s, which is missing"
                            .formatted(name, id, first, file(p.file()).getFileName()));
                }
                return false; // retired (dropped before deleted): the caller finds the chunks elsewhere
            } catch (IOException e) {
                throw new NacreException(Status.IO, name + ": cannot read " + file(p.file()) + ": " + e.getMessage(), e);
            }
            IntFunction<NacreException> damaged = i -> corrupt(new Chunks.Pointer(p.file(), run.offset(p.offset(), i),
                    run.seqs[i], run.lengths[i]), id, first + i);
            int missing = run.firstMissing(headers, got, id, first, dst, damaged);
            if (missing >= 0) {
                throw damaged.apply(missing);
            }
            runReads.incrementAndGet();
            return true;
        } finally {
            RecordRun.giveBack(headers);
        }
    }

    /** Run reads of data files done ({@link #readRun}; tests). */
    long runReads() {
        return runReads.get();
    }

    private NacreException corrupt(Chunks.Pointer p, long id, long chunk) {
        return new NacreException(Status.CORRUPT, "%s: object 0x%x chunk %d: record %d at %d in %s is damaged"
                .formatted(name, id, chunk, p.seq(), p.offset(), file(p.file()).getFileName()));
    }

    // ---- LMDB records: id -> (size, live bytes) --------------------------------------------------------

    Map<Long, Info> all(Txn<ByteBuffer> txn) {
        Map<Long, Info> out = new HashMap<>();
        try (Cursor<ByteBuffer> c = db.openCursor(txn)) {
            for (boolean found = c.first(); found; found = c.next()) {
                ByteBuffer k = c.key();
                ByteBuffer v = c.val();
                out.put(k.getLong(k.position()), new Info(v.getLong(v.position()), v.getLong(v.position() + 8)));
            }
        }
        return out;
    }

    Info get(Txn<ByteBuffer> txn, long id) {
        ByteBuffer v = db.get(txn, key(id));
        return v == null ? null : new Info(v.getLong(v.position()), v.getLong(v.position() + 8));
    }

    private void put(Txn<ByteBuffer> txn, long id, Info info) {
        db.put(txn, key(id), ByteBuffer.allocateDirect(RECORD_BYTES).putLong(0, info.size()).putLong(8, info.live()));
    }

    private static ByteBuffer key(long id) {
        return ByteBuffer.allocateDirect(8).putLong(0, id);
    }

    /** Record bytes of the chunk a pointer names: what its file's live count holds for it. */
    static long recordBytes(Chunks.Pointer p) {
        return Wal.HEADER + (long) p.length();
    }

    /** New data files and changes of live bytes made in one LMDB transaction, written into it by {@link #apply}. */
    final class Changes {
        private final Map<Long, Long> delta = new HashMap<>();
        private final Map<Long, Long> created = new HashMap<>();

        /** A stored value is replaced or deleted: if it was a pointer, its file has that much less live. */
        void drop(ByteBuffer key, ByteBuffer oldValue) {
            if (oldValue != null) {
                Chunks.Pointer p = Chunks.pointer(key, oldValue);
                if (p != null) {
                    delta.merge(p.file(), -recordBytes(p), Long::sum);
                }
            }
        }

        void create(long id, long size) {
            created.put(id, size);
        }

        void add(long id, long live) {
            delta.merge(id, live, Long::sum);
        }

        /** Writes every change into {@code txn}; returns the files left with no live bytes (their records deleted). */
        List<Long> apply(Txn<ByteBuffer> txn) {
            return apply(txn, true);
        }

        /**
         * Writes the changes into {@code txn}; returns the files left with no live bytes (their records deleted).
         * Without {@code withCreated} the new files stay for a later transaction: a checkpoint that takes several
         * transactions puts its pointers into the last one, and a new file recorded before them would read as
         * pointed to by nothing, and be deleted.
         */
        List<Long> apply(Txn<ByteBuffer> txn, boolean withCreated) {
            List<Long> emptied = new ArrayList<>();
            if (withCreated) {
                created.forEach((id, size) -> put(txn, id, new Info(size, 0)));
            }
            for (Map.Entry<Long, Long> e : delta.entrySet()) {
                Info old = get(txn, e.getKey());
                if (old == null) {
                    LOG.error("{}: a pointer named data file {}, which LMDB does not record", name, e.getKey());
                    continue;
                }
                long live = old.live() + e.getValue();
                if (live <= 0) {
                    db.delete(txn, key(e.getKey()));
                    emptied.add(e.getKey());
                } else {
                    put(txn, e.getKey(), new Info(old.size(), live));
                }
            }
            if (withCreated) {
                for (Long id : created.keySet()) {
                    if (!delta.containsKey(id)) {
                        db.delete(txn, key(id));
                        emptied.add(id);
                    }
                }
                created.clear();
            }
            delta.clear();
            return emptied;
        }
    }

    void flushDirectory() throws IOException {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        }
    }
}
