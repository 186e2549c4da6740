package io.nacre.meta;

import io.nacre.engine.Caller;
import io.nacre.engine.Fid;
import io.nacre.engine.NacreException;
import io.nacre.engine.Status;
import io.nacre.engine.layout.ObjectRef;
import io.nacre.engine.meta.ChangelogRecord;
import io.nacre.engine.meta.FileType;
import io.nacre.engine.meta.PendingDestroy;
import io.nacre.engine.store.OstInfo;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiPredicate;
import org.lmdbjava.Cursor;
import org.lmdbjava.Dbi;
import org.lmdbjava.GetOp;
import org.lmdbjava.Txn;

/**
 * One LMDB transaction over the namespace, with typed access to its records. A read transaction serves
 * queries and the leader's checks before proposing; the write transaction is the state machine's apply.
 * Every write counts in {@link #writes()}, so that apply can tell whether a failing operation had already
 * changed something.
 */
final class Tx implements AutoCloseable {

    /** A directory entry: the inode it names, its readdir cookie and the inode's type. */
    record Dentry(Fid fid, long cookie, FileType type) {
        byte[] encode() {
            byte[] v = new byte[Fid.BYTES + 9];
            System.arraycopy(Keys.fid(fid), 0, v, 0, Fid.BYTES);
            Keys.putLong(v, Fid.BYTES, cookie);
            v[Fid.BYTES + 8] = (byte) Codec.code(type);
            return v;
        }

        static Dentry decode(byte[] v) {
            if (v.length != Fid.BYTES + 9) {
                throw new NacreException(Status.CORRUPT, "directory entry record of " + v.length + " bytes");
            }
            return new Dentry(Keys.fid(v, 0), Keys.getLong(v, Fid.BYTES), Codec.fileType(v[Fid.BYTES + 8]));
        }
    }

    /** An OST as registered, with the next object id the MDS hands out on it. */
    record OstRecord(OstInfo info, long nextObject) {
    }

    /** Changelog records kept when no consumer is registered, for inspection. */
    static final int CHANGELOG_WINDOW = 4096;
    /**
     * The changelog and reply windows are trimmed this many records at a time, not one per entry: a trim
     * deletes from the oldest leaf of its B-tree, which a lone record's delete dirties (one more page for
     * LMDB's commit to write, each entry, for each window); a trim of many dirties it once for them all.
     * So up to this many records beyond a window are kept. The decision reads only the state (the oldest
     * record's index, the entry's index), so every peer trims at the same entries.
     */
    static final int TRIM_STEP = 64;

    private static final int FID_SEQ_WIDTH = 0x20000;

    private final NamespaceStore s;
    private final Txn<ByteBuffer> txn;
    /** A read transaction's reader, back to the store for the next read at close (null for the write transaction). */
    private final NamespaceStore.Reader reader;
    /** Where keys and values are copied for LMDB; the write transaction's goes back to the store's pool at close. */
    private final NamespaceStore.Staging staging;
    private final boolean writable;
    private boolean closed;
    private long writes;

    // Write-back caches for the life of the transaction: a batch of creates in one directory reads and
    // rewrites the same directory inode and counters many times; they reach LMDB once, at commit.
    // A value of null in the inode cache means "known absent". What changed is made on the first change (a
    // read transaction, each stat's, has none: three sets fewer to make, and C1 makes them slowly).
    private final Map<Fid, Inode> inodeCache = new HashMap<>();
    private Set<Fid> dirtyInodes = Set.of();
    private final Map<String, Long> counters = new HashMap<>();
    private Set<String> dirtyCounters = Set.of();
    private final Map<Integer, OstRecord> ostCache = new HashMap<>();
    private Set<Integer> dirtyOsts = Set.of();
    private Boolean hasConsumers;
    private boolean consumersChanged;
    /** See {@link NamespaceStore.Committed#changelogFirst}. */
    private long changelogFirst = -1;
    private List<OstInfo> osts;
    /** Whether this transaction registered an OST or changed one's registration (not just its object counter). */
    private boolean ostsRegistered;
    /** What the previous write transaction left (null in a read transaction, which may see an older state). */
    private final NamespaceStore.Committed committed;

    /** The write transaction. */
    Tx(NamespaceStore s, Txn<ByteBuffer> txn) {
        this.s = s;
        this.txn = txn;
        this.reader = null;
        this.writable = true;
        this.staging = s.takeStaging();
        this.committed = s.committed;
        changelogFirst = committed.changelogFirst;
    }

    /** A read transaction, on the reader's (live) transaction. */
    Tx(NamespaceStore s, NamespaceStore.Reader reader) {
        this.s = s;
        this.txn = reader.txn;
        this.reader = reader;
        this.writable = false;
        this.staging = reader.staging;
        this.committed = null;
    }

    /** True in a read transaction: operations stop after their checks (the leader's validation). */
    boolean dryRun() {
        return !writable;
    }

    long writes() {
        return writes;
    }

    /** Writes back what the caches hold, trims the changelog window, and commits. */
    void commit() {
        for (Fid f : dirtyInodes) {
            Inode n = inodeCache.get(f);
            db(s.inodes, Keys.fid(f), n.encode());
        }
        for (String k : dirtyCounters) {
            db(s.meta, Keys.text(k), Keys.u64(counters.get(k)));
        }
        for (int i : dirtyOsts) {
            OstRecord r = ostCache.get(i);
            Out out = new Out();
            Codec.writeOstInfo(out, r.info());
            out.i64(r.nextObject());
            db(s.osts, Keys.u32(i), out.toByteArray());
        }
        if (!hasConsumers()) {
            long upTo = changelogNext() - 1 - CHANGELOG_WINDOW;
            if (upTo >= TRIM_STEP && upTo - changelogFirst() + 1 >= TRIM_STEP) {
                purgeChangelog(upTo);
            }
        }
        if (ostsRegistered) {
            s.registrationsChanging(txn.getId());
        }
        txn.commit();
        if (committed != null) {
            // What was read unchanged is there already (see metaLong, ost): only the changes go.
            for (String k : dirtyCounters) {
                committed.counters.put(k, counters.get(k));
            }
            for (int i : dirtyOsts) {
                committed.osts.put(i, ostCache.get(i));
            }
            committed.hasConsumers = hasConsumers;
            committed.changelogFirst = changelogFirst;
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (reader != null) {
            s.finished(reader);
            return;
        }
        txn.close();
        s.giveBack(staging);
    }

    // ---- raw access -----------------------------------------------------------------------------

    /** A copy of what LMDB returned (its buffer points into the map, valid only until the next call); null stays null. */
    static byte[] bytes(ByteBuffer b) {
        if (b == null) {
            return null;
        }
        byte[] out = new byte[b.remaining()];
        b.get(b.position(), out);
        return out;
    }

    private byte[] get(Dbi<ByteBuffer> db, byte[] key) {
        return bytes(db.get(txn, staging.key(key)));
    }

    private void put(Dbi<ByteBuffer> db, byte[] key, byte[] value) {
        writes++;
        db(db, key, value);
    }

    /** A put at commit time (not counted: the change was counted when it was cached). */
    private void db(Dbi<ByteBuffer> db, byte[] key, byte[] value) {
        db.put(txn, staging.key(key), staging.value(value));
    }

    private void delete(Dbi<ByteBuffer> db, byte[] key) {
        writes++;
        db.delete(txn, staging.key(key));
    }

    /** Deletes a record if there is one (one LMDB call, not a lookup first); counts a write only then. */
    private void deleteIfPresent(Dbi<ByteBuffer> db, byte[] key) {
        if (db.delete(txn, staging.key(key))) {
            writes++;
        }
    }

    /**
     * Visits keys from {@code from} (inclusive) in byte order while {@code visit} returns true; visit gets
     * the key and the value.
     */
    private void scan(Dbi<ByteBuffer> db, byte[] from, BiPredicate<byte[], byte[]> visit) {
        try (Cursor<ByteBuffer> c = db.openCursor(txn)) {
            // LMDB has no empty keys: "from nothing" is the first key.
            if (!(from.length == 0 ? c.first() : c.get(staging.key(from), GetOp.MDB_SET_RANGE))) {
                return;
            }
            do {
                if (!visit.test(bytes(c.key()), bytes(c.val()))) {
                    return;
                }
            } while (c.next());
        }
    }

    // ---- meta counters --------------------------------------------------------------------------

    /** A counter of the state (cached; written back at commit). */
    long metaLong(String key, long dflt) {
        Long v = counters.get(key);
        if (v == null && committed != null) {
            v = committed.counters.get(key);
            if (v != null) {
                counters.put(key, v);
            }
        }
        if (v == null) {
            byte[] b = get(s.meta, Keys.text(key));
            if (b == null) {
                return dflt;
            }
            v = Keys.u64(b);
            counters.put(key, v);
            if (committed != null) {
                committed.counters.put(key, v); // read before any change here: the committed value
            }
        }
        return v;
    }

    void putMetaLong(String key, long v) {
        writes++;
        counters.put(key, v);
        if (dirtyCounters.isEmpty()) {
            dirtyCounters = new LinkedHashSet<>();
        }
        dirtyCounters.add(key);
    }

    byte[] meta(String key) {
        return get(s.meta, Keys.text(key));
    }

    void putMeta(String key, byte[] v) {
        put(s.meta, Keys.text(key), v);
    }

    boolean formatted() {
        return fsid() != 0;
    }

    /** The file system's id, 0 before the format. */
    long fsid() {
        if (reader != null && reader.fsid != 0) {
            return reader.fsid;
        }
        long id = metaLong("fsid", 0);
        if (reader != null) {
            reader.fsid = id;
        }
        return id;
    }

    // ---- inodes ---------------------------------------------------------------------------------

    /** The inode (the same object for the rest of the transaction), or null. */
    Inode inode(Fid fid) {
        if (inodeCache.containsKey(fid)) {
            return inodeCache.get(fid);
        }
        byte[] v = bytes(s.inodes.get(txn, staging.key(fid)));
        Inode n = v == null ? null : Inode.decode(fid, v);
        inodeCache.put(fid, n);
        return n;
    }

    /** The inode, or STALE: a Fid that names nothing any more. */
    Inode need(Fid fid) {
        Inode n = inode(fid);
        if (n == null) {
            throw new NacreException(Status.STALE, "no inode " + fid + " (removed, or never existed)");
        }
        return n;
    }

    Inode needDir(Fid fid) {
        Inode n = need(fid);
        if (!n.isDir()) {
            throw new NacreException(Status.NOT_DIR, fid + " is not a directory");
        }
        return n;
    }

    void put(Inode n) {
        writes++;
        inodeCache.put(n.fid, n);
        if (dirtyInodes.isEmpty()) {
            dirtyInodes = new LinkedHashSet<>();
        }
        dirtyInodes.add(n.fid);
    }

    /** Removes an inode with its extended attributes and data-on-MDT bytes. */
    void deleteInode(Inode n) {
        if (!dirtyInodes.isEmpty()) {
            dirtyInodes.remove(n.fid); // Set.of() refuses any remove
        }
        inodeCache.put(n.fid, null);
        deleteIfPresent(s.inodes, Keys.fid(n.fid));
        writes++;
        for (String name : xattrs(n.fid).keySet()) {
            delete(s.xattrs, Keys.xattr(n.fid, name));
        }
        deleteIfPresent(s.dom, Keys.fid(n.fid));
        putMetaLong("inodes", metaLong("inodes", 0) - 1);
    }

    void countNewInode() {
        putMetaLong("inodes", metaLong("inodes", 0) + 1);
    }

    long inodeCount() {
        return metaLong("inodes", 0);
    }

    /** A new Fid from the counter in the state: sequences of 0x20000 object ids, as Lustre's. */
    Fid allocFid() {
        long seq = metaLong("fid.seq", Fid.FIRST_NORMAL_SEQ);
        long oid = metaLong("fid.oid", 1);
        Fid f = new Fid(seq, (int) oid, 0);
        if (oid + 1 >= FID_SEQ_WIDTH) {
            putMetaLong("fid.seq", seq + 1);
            putMetaLong("fid.oid", 1);
        } else {
            putMetaLong("fid.seq", seq);
            putMetaLong("fid.oid", oid + 1);
        }
        return f;
    }

    // ---- directory entries ----------------------------------------------------------------------

    Dentry dentry(Fid dir, String name) {
        byte[] v = get(s.dentries, Keys.dentry(dir, name));
        return v == null ? null : Dentry.decode(v);
    }

    /** Adds {@code name -> child} to {@code dir} with the directory's next cookie; the caller puts dir. */
    void addDentry(Inode dir, String name, Inode child) {
        long cookie = dir.nextCookie++;
        put(s.dentries, Keys.dentry(dir.fid, name), new Dentry(child.fid, cookie, child.type).encode());
        put(s.cookies, Keys.cookie(dir.fid, cookie), Keys.text(name));
        dir.entries++;
    }

    /** Removes an entry and its cookie; the caller puts dir. */
    void removeDentry(Inode dir, String name, Dentry d) {
        delete(s.dentries, Keys.dentry(dir.fid, name));
        delete(s.cookies, Keys.cookie(dir.fid, d.cookie()));
        dir.entries--;
    }

    boolean hasEntries(Fid dir) {
        byte[] prefix = Keys.fid(dir);
        boolean[] found = {false};
        scan(s.dentries, prefix, (k, v) -> {
            found[0] = Keys.hasPrefix(k, prefix);
            return false;
        });
        return found[0];
    }

    /** Visits a directory's entries in cookie order from {@code afterCookie} (exclusive): (name, cookie). */
    void entriesByCookie(Fid dir, long afterCookie, BiPredicate<String, Long> visit) {
        byte[] prefix = Keys.fid(dir);
        scan(s.cookies, Keys.cookie(dir, afterCookie + 1), (k, v) ->
                Keys.hasPrefix(k, prefix) && visit.test(Keys.text(v), Keys.cookieOf(k)));
    }

    /** Visits a directory's entries in byte order of names, from {@code from} (inclusive): (name, dentry). */
    void entriesByName(Fid dir, String from, BiPredicate<String, Dentry> visit) {
        byte[] prefix = Keys.fid(dir);
        scan(s.dentries, Keys.dentry(dir, from), (k, v) ->
                Keys.hasPrefix(k, prefix) && visit.test(Keys.nameOf(k), Dentry.decode(v)));
    }

    // ---- extended attributes and data-on-MDT ----------------------------------------------------

    byte[] xattr(Fid fid, String name) {
        return get(s.xattrs, Keys.xattr(fid, name));
    }

    void putXattr(Fid fid, String name, byte[] value) {
        put(s.xattrs, Keys.xattr(fid, name), value);
    }

    void deleteXattr(Fid fid, String name) {
        delete(s.xattrs, Keys.xattr(fid, name));
    }

    Map<String, byte[]> xattrs(Fid fid) {
        byte[] prefix = Keys.fid(fid);
        Map<String, byte[]> out = new LinkedHashMap<>();
        scan(s.xattrs, prefix, (k, v) -> {
            if (!Keys.hasPrefix(k, prefix)) {
                return false;
            }
            out.put(Keys.nameOf(k), v);
            return true;
        });
        return out;
    }

    byte[] dom(Fid fid) {
        return get(s.dom, Keys.fid(fid));
    }

    void putDom(Fid fid, byte[] data) {
        put(s.dom, Keys.fid(fid), data);
    }

    // ---- OSTs -----------------------------------------------------------------------------------

    OstRecord ost(int index) {
        if (ostCache.containsKey(index)) {
            return ostCache.get(index);
        }
        OstRecord known = committed == null ? null : committed.osts.get(index);
        if (known != null) {
            ostCache.put(index, known);
            return known;
        }
        byte[] v = get(s.osts, Keys.u32(index));
        OstRecord r = null;
        if (v != null) {
            In in = new In(v);
            r = new OstRecord(Codec.readOstInfo(in), in.i64());
            if (committed != null) {
                committed.osts.put(index, r); // read before any change here: the committed record
            }
        }
        ostCache.put(index, r);
        return r;
    }

    void putOst(OstRecord r) {
        writes++;
        OstRecord before = ost(r.info().index());
        // The same info object when a create only takes an object id: no record equals (C1 does not inline it).
        if (before == null || before.info() != r.info() && !before.info().equals(r.info())) {
            ostsRegistered = true;
            osts = null;
        }
        ostCache.put(r.info().index(), r);
        if (dirtyOsts.isEmpty()) {
            dirtyOsts = new LinkedHashSet<>();
        }
        dirtyOsts.add(r.info().index());
    }

    /** The LMDB state this transaction started from: a write transaction's id is the next commit's. */
    private long base() {
        return writable ? txn.getId() - 1 : txn.getId();
    }

    /**
     * The registered OSTs in index order: the store's decoded list when no registration changed since the
     * state it was made from, else read from LMDB (and given to the store for the next transactions).
     */
    List<OstInfo> osts() {
        if (osts == null && !ostsRegistered) {
            osts = s.registeredOsts(base());
        }
        if (osts == null) {
            List<OstInfo> out = new ArrayList<>();
            for (int i : dirtyOsts) {
                out.add(ostCache.get(i).info());
            }
            scan(s.osts, Keys.u32(0), (k, v) -> {
                int index = Keys.u32(k);
                if (!dirtyOsts.contains(index)) {
                    out.add(Codec.readOstInfo(new In(v)));
                }
                return true;
            });
            out.sort(java.util.Comparator.comparingInt(OstInfo::index));
            osts = List.copyOf(out);
            if (!ostsRegistered) {
                s.keepRegisteredOsts(base(), osts);
            }
        }
        return osts;
    }

    /** The next object id on an OST (a counter in the state, so every replica hands out the same). */
    ObjectRef allocObject(int ost) {
        OstRecord r = ost(ost);
        if (r == null) {
            throw new NacreException(Status.INVALID, "OST index " + ost + " is not registered");
        }
        putOst(new OstRecord(r.info(), r.nextObject() + 1));
        return new ObjectRef(ost, r.nextObject());
    }

    // ---- destroy queue --------------------------------------------------------------------------

    PendingDestroy queueDestroy(Fid fid, ObjectRef object, long keepBytes) {
        long id = metaLong("destroy.next", 1);
        putMetaLong("destroy.next", id + 1);
        PendingDestroy d = new PendingDestroy(id, fid, object, keepBytes);
        Out out = new Out(48);
        Codec.writeDestroy(out, d);
        put(s.destroys, Keys.u64(id), out.toByteArray());
        return d;
    }

    /** The oldest queued destroys and punches, at most max. */
    List<PendingDestroy> pendingDestroys(int max) {
        List<PendingDestroy> out = new ArrayList<>();
        if (max <= 0) {
            return out;
        }
        scan(s.destroys, Keys.u64(0), (k, v) -> {
            out.add(Codec.readDestroy(new In(v)));
            return out.size() < max;
        });
        return out;
    }

    /** Visits every queued destroy and punch, oldest first, while {@code visit} returns true. */
    void forEachDestroy(java.util.function.Predicate<PendingDestroy> visit) {
        scan(s.destroys, Keys.u64(0), (k, v) -> visit.test(Codec.readDestroy(new In(v))));
    }

    /** Visits every inode in Fid order (the whole table: scrubs), while {@code visit} returns true. */
    void forEachInode(java.util.function.Predicate<Inode> visit) {
        scan(s.inodes, new byte[0], (k, v) -> visit.test(Inode.decode(Keys.fid(k, 0), v)));
    }

    void deleteDestroy(long id) {
        deleteIfPresent(s.destroys, Keys.u64(id));
    }

    // ---- replies of recent entries ---------------------------------------------------------------

    /** How many recent entries keep their reply (for clients retrying across a restart). */
    static final long REPLY_WINDOW = 10_000;

    /**
     * Records an entry's reply; every {@link #TRIM_STEP} entries forgets those that fell out of the window
     * (every one up to it: an index that applied no entry, such as a configuration's, is no gap).
     */
    void putReply(long index, byte[] reply) {
        put(s.replies, Keys.u64(index), reply);
        if (index > REPLY_WINDOW && index % TRIM_STEP == 0) {
            long upTo = index - REPLY_WINDOW;
            try (Cursor<ByteBuffer> c = s.replies.openCursor(txn)) {
                while (c.first() && Keys.u64(bytes(c.key())) <= upTo) {
                    c.delete();
                    writes++;
                }
            }
        }
    }

    byte[] reply(long index) {
        return get(s.replies, Keys.u64(index));
    }

    // ---- changelog ------------------------------------------------------------------------------

    /** Appends a changelog record; with no consumer registered only the last few thousand are kept. */
    void changelog(ChangelogRecord.Type type, long time, Caller caller, Fid target, Fid parent, String name,
                   Fid sourceParent, String sourceName, long flags) {
        long index = metaLong("changelog.next", 1);
        putMetaLong("changelog.next", index + 1);
        Caller c = caller == null ? Caller.ROOT : caller;
        ChangelogRecord r = new ChangelogRecord(index, type, time, c.uid(), c.gid(), target, parent, name,
                sourceParent, sourceName, flags);
        Out out = new Out(96);
        Codec.writeChangelog(out, r);
        put(s.changelog, Keys.u64(index), out.toByteArray());
    }

    long changelogNext() {
        return metaLong("changelog.next", 1);
    }

    List<ChangelogRecord> changelogFrom(long from, int max) {
        List<ChangelogRecord> out = new ArrayList<>();
        if (max <= 0) {
            return out;
        }
        scan(s.changelog, Keys.u64(Math.max(0, from)), (k, v) -> {
            out.add(Codec.readChangelog(new In(v)));
            return out.size() < max;
        });
        return out;
    }

    /**
     * Deletes changelog records with index <= {@code upTo}. The records are the indexes from the oldest kept to
     * the last appended, without gaps (appends count up, purges cut from the bottom), so knowing the oldest
     * (from the last write transaction, else the first key) the doomed ones are known without a scan.
     */
    void purgeChangelog(long upTo) {
        long next = changelogNext();
        long first = changelogFirst();
        long end = Math.min(upTo, next - 1);
        for (long i = first; i <= end; i++) {
            delete(s.changelog, Keys.u64(i));
        }
        changelogFirst = Math.max(first, end + 1);
    }

    /** The index of the oldest changelog record (of the next one when there is none). */
    private long changelogFirst() {
        if (changelogFirst < 0) {
            long[] found = {changelogNext()};
            scan(s.changelog, Keys.u64(0), (k, v) -> {
                found[0] = Keys.u64(k);
                return false;
            });
            changelogFirst = found[0];
        }
        return changelogFirst;
    }

    boolean hasConsumers() {
        if (hasConsumers == null && committed != null && !consumersChanged) {
            hasConsumers = committed.hasConsumers;
        }
        if (hasConsumers == null) {
            boolean[] any = {false};
            scan(s.consumers, new byte[0], (k, v) -> {
                any[0] = true;
                return false;
            });
            hasConsumers = any[0];
        }
        return hasConsumers;
    }

    /** Consumers and the last index each has cleared. */
    Map<String, Long> consumers() {
        Map<String, Long> out = new LinkedHashMap<>();
        scan(s.consumers, new byte[0], (k, v) -> {
            out.put(Keys.text(k), Keys.u64(v));
            return true;
        });
        return out;
    }

    void putConsumer(String name, long cleared) {
        put(s.consumers, Keys.text(name), Keys.u64(cleared));
        hasConsumers = null;
        consumersChanged = true;
    }

    void deleteConsumer(String name) {
        delete(s.consumers, Keys.text(name));
        hasConsumers = null;
        consumersChanged = true;
    }

    // ---- HSM coordinator records (typed access in HsmTable) ---------------------------------------

    byte[] hsm(byte[] key) {
        return get(s.hsm, key);
    }

    void putHsm(byte[] key, byte[] value) {
        put(s.hsm, key, value);
    }

    void deleteHsm(byte[] key) {
        deleteIfPresent(s.hsm, key);
    }

    void scanHsm(byte[] from, BiPredicate<byte[], byte[]> visit) {
        scan(s.hsm, from, visit);
    }

    // ---- open marks (typed access in OpenMarks) ---------------------------------------------------

    byte[] openMark(byte[] key) {
        return get(s.opens, key);
    }

    void putOpenMark(byte[] key, byte[] value) {
        put(s.opens, key, value);
    }

    void deleteOpenMark(byte[] key) {
        deleteIfPresent(s.opens, key);
    }

    void scanOpenMarks(byte[] from, BiPredicate<byte[], byte[]> visit) {
        scan(s.opens, from, visit);
    }

    /** Removes a file's data-on-MDT bytes (HSM release). */
    void deleteDom(Fid fid) {
        deleteIfPresent(s.dom, Keys.fid(fid));
    }
}
