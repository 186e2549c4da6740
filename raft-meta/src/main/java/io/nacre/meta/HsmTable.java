package io.nacre.meta;

import io.nacre.engine.Fid;
import io.nacre.engine.hsm.ArchiveCopy;
import io.nacre.engine.hsm.HsmAction;
import io.nacre.engine.hsm.HsmConfig;
import io.nacre.engine.hsm.HsmRequest;
import io.nacre.engine.hsm.HsmRequest.State;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Predicate;

/**
 * The HSM coordinator's records in the "hsm" LMDB database, through one transaction. One key space,
 * by a leading byte:
 *
 * <pre>
 * R id                      -> request
 * F fid id                  -> (every listed request of a file)
 * Q archive rank uid id     -> (waiting and due: the queue, one FIFO per archive and class)
 * T notBefore id            -> (waiting, not before a time: retry back-off, delayed removal)
 * S id                      -> (started)
 * D finished id             -> (finished; purged after the grace delay)
 * C fid                     -> archive copy (the catalog)
 * G name                    -> agent
 * </pre>
 *
 * Counters (next request id, waiting, started, catalog size) and the settings live in the meta database.
 */
final class HsmTable {

    private static final byte[] ONE = {1};

    /** An agent as registered: its archive ids (bit mask), when it last spoke, and its counts. */
    record AgentRecord(String name, long archiveMask, long lastSeen, long succeeded, long failed) {
        byte[] encode() {
            return new Out(48).i64(archiveMask).i64(lastSeen).i64(succeeded).i64(failed).toByteArray();
        }

        static AgentRecord decode(String name, byte[] v) {
            In in = new In(v);
            return new AgentRecord(name, in.i64(), in.i64(), in.i64(), in.i64());
        }
    }

    private final Tx tx;

    HsmTable(Tx tx) {
        this.tx = tx;
    }

    // ---- settings and counters ----------------------------------------------------------------------

    HsmConfig config() {
        byte[] v = tx.meta("hsm.config");
        return v == null ? HsmConfig.DEFAULT : HsmCodec.readConfig(new In(v));
    }

    void putConfig(HsmConfig c) {
        Out out = new Out();
        HsmCodec.writeConfig(out, c);
        tx.putMeta("hsm.config", out.toByteArray());
    }

    long nextId() {
        long id = tx.metaLong("hsm.next", 1);
        tx.putMetaLong("hsm.next", id + 1);
        return id;
    }

    long waiting() {
        return tx.metaLong("hsm.waiting", 0);
    }

    long started() {
        return tx.metaLong("hsm.started", 0);
    }

    long catalogSize() {
        return tx.metaLong("hsm.catalog", 0);
    }

    private void count(String key, long delta) {
        if (delta != 0) {
            tx.putMetaLong(key, tx.metaLong(key, 0) + delta);
        }
    }

    // ---- requests ------------------------------------------------------------------------------------

    HsmRequest request(long id) {
        byte[] v = tx.hsm(key('R', Keys.u64(id)));
        return v == null ? null : HsmCodec.readRequest(new In(v));
    }

    /** Stores a new request with its indexes. */
    void insert(HsmRequest r, long now) {
        tx.putHsm(key('F', Keys.fid(r.fid()), Keys.u64(r.id())), ONE);
        store(r);
        index(r, now, +1);
    }

    /** Replaces a request, moving it between the indexes of its old and new state. */
    void update(HsmRequest old, HsmRequest now, long time) {
        if (old.state() != now.state() || old.notBefore() != now.notBefore() || old.finished() != now.finished()) {
            index(old, time, -1);
            index(now, time, +1);
        }
        store(now);
    }

    /** Forgets a finished request entirely. */
    void purge(HsmRequest r) {
        index(r, 0, -1);
        tx.deleteHsm(key('F', Keys.fid(r.fid()), Keys.u64(r.id())));
        tx.deleteHsm(key('R', Keys.u64(r.id())));
    }

    private void store(HsmRequest r) {
        Out out = new Out(160);
        HsmCodec.writeRequest(out, r);
        tx.putHsm(key('R', Keys.u64(r.id())), out.toByteArray());
    }

    /** Adds (+1) or removes (-1) the state index of a request. */
    private void index(HsmRequest r, long now, int delta) {
        switch (r.state()) {
            case WAITING -> {
                if (delta > 0) {
                    if (r.notBefore() > now) {
                        tx.putHsm(timerKey(r), ONE);
                    } else {
                        tx.putHsm(queueKey(r), ONE);
                    }
                } else {
                    tx.deleteHsm(timerKey(r));
                    tx.deleteHsm(queueKey(r));
                }
                count("hsm.waiting", delta);
            }
            case STARTED -> {
                if (delta > 0) {
                    tx.putHsm(key('S', Keys.u64(r.id())), ONE);
                } else {
                    tx.deleteHsm(key('S', Keys.u64(r.id())));
                }
                count("hsm.started", delta);
            }
            case SUCCEEDED, FAILED, CANCELED -> {
                byte[] k = key('D', Keys.u64(r.finished()), Keys.u64(r.id()));
                if (delta > 0) {
                    tx.putHsm(k, ONE);
                } else {
                    tx.deleteHsm(k);
                }
            }
        }
    }

    /** Moves a waiting request whose time has come from the timers to the queue. */
    void due(HsmRequest r) {
        tx.deleteHsm(timerKey(r));
        tx.putHsm(queueKey(r), ONE);
    }

    static byte[] queueKey(HsmRequest r) {
        return key('Q', new byte[] {(byte) r.archiveId(), (byte) rank(r.action())}, Keys.u32(r.uid()), Keys.u64(r.id()));
    }

    private static byte[] timerKey(HsmRequest r) {
        return key('T', Keys.u64(r.notBefore()), Keys.u64(r.id()));
    }

    /** The order classes take their turn in within an archive's queue: restores, removes, archives. */
    static int rank(HsmAction a) {
        return switch (a) {
            case RESTORE -> 0;
            case REMOVE -> 1;
            case ARCHIVE -> 2;
            case CANCEL -> 3;
        };
    }

    /** Every listed request of a file, oldest first. */
    List<HsmRequest> ofFid(Fid fid) {
        byte[] prefix = key('F', Keys.fid(fid));
        List<HsmRequest> out = new ArrayList<>();
        tx.scanHsm(prefix, (k, v) -> {
            if (!startsWith(k, prefix)) {
                return false;
            }
            HsmRequest r = request(Keys.getLong(k, prefix.length));
            if (r != null) {
                out.add(r);
            }
            return true;
        });
        return out;
    }

    /** The active requests of a file. */
    List<HsmRequest> activeOf(Fid fid) {
        return ofFid(fid).stream().filter(r -> r.state().active()).toList();
    }

    /**
     * The head of every class of archive {@code archiveId}'s queue: up to {@code perClass} requests of each
     * class, in queue order within each class.
     */
    List<HsmRequest> queueHeads(int archiveId, int perClass) {
        List<HsmRequest> out = new ArrayList<>();
        byte[] archive = key('Q', new byte[] {(byte) archiveId});
        byte[] from = archive;
        while (true) {
            byte[][] classPrefix = {null};
            int[] taken = {0};
            tx.scanHsm(from, (k, v) -> {
                if (!startsWith(k, archive)) {
                    return false;
                }
                byte[] cls = Arrays.copyOf(k, archive.length + 5);
                if (classPrefix[0] == null) {
                    classPrefix[0] = cls;
                } else if (!Arrays.equals(cls, classPrefix[0])) {
                    return false;
                }
                HsmRequest r = request(Keys.getLong(k, k.length - 8));
                if (r != null) {
                    out.add(r);
                }
                return ++taken[0] < perClass;
            });
            if (classPrefix[0] == null) {
                return out;
            }
            byte[] next = successor(classPrefix[0]);
            if (next == null || !startsWith(next, archive)) {
                return out;
            }
            from = next;
        }
    }

    /** Waiting requests whose not-before time is at or before {@code now}, at most max, soonest first. */
    List<HsmRequest> dueTimers(long now, int max) {
        return byTime('T', now + 1, max);
    }

    /** Started requests, in id order, that match. */
    List<HsmRequest> started(Predicate<HsmRequest> match) {
        List<HsmRequest> out = new ArrayList<>();
        byte[] prefix = {'S'};
        tx.scanHsm(prefix, (k, v) -> {
            if (!startsWith(k, prefix)) {
                return false;
            }
            HsmRequest r = request(Keys.getLong(k, 1));
            if (r != null && match.test(r)) {
                out.add(r);
            }
            return true;
        });
        return out;
    }

    /** Waiting requests (queued and timed), at most max, queued ones first. */
    List<HsmRequest> waitingList(int max) {
        List<HsmRequest> out = new ArrayList<>();
        for (byte b : new byte[] {'Q', 'T'}) {
            byte[] prefix = {b};
            tx.scanHsm(prefix, (k, v) -> {
                if (!startsWith(k, prefix) || out.size() >= max) {
                    return false;
                }
                HsmRequest r = request(Keys.getLong(k, k.length - 8));
                if (r != null) {
                    out.add(r);
                }
                return true;
            });
        }
        return out;
    }

    /** Finished requests that finished before {@code before}, at most max. */
    List<HsmRequest> finishedBefore(long before, int max) {
        return byTime('D', before, max);
    }

    /** The requests of a time index (key: tag, time, request id) with a time before {@code before}, at most max. */
    private List<HsmRequest> byTime(char tag, long before, int max) {
        List<HsmRequest> out = new ArrayList<>();
        byte[] prefix = {(byte) tag};
        tx.scanHsm(prefix, (k, v) -> {
            if (!startsWith(k, prefix) || Keys.getLong(k, 1) >= before || out.size() >= max) {
                return false;
            }
            HsmRequest r = request(Keys.getLong(k, 9));
            if (r != null) {
                out.add(r);
            }
            return true;
        });
        return out;
    }

    // ---- the catalog ---------------------------------------------------------------------------------

    ArchiveCopy copy(Fid fid) {
        byte[] v = tx.hsm(key('C', Keys.fid(fid)));
        return v == null ? null : HsmCodec.readCopy(new In(v));
    }

    void putCopy(Fid fid, ArchiveCopy c) {
        byte[] k = key('C', Keys.fid(fid));
        if (tx.hsm(k) == null) {
            count("hsm.catalog", 1);
        }
        Out out = new Out(128);
        HsmCodec.writeCopy(out, c);
        tx.putHsm(k, out.toByteArray());
    }

    void deleteCopy(Fid fid) {
        byte[] k = key('C', Keys.fid(fid));
        if (tx.hsm(k) != null) {
            tx.deleteHsm(k);
            count("hsm.catalog", -1);
        }
    }

    /** Catalog entries after {@code after} (null: from the start), in Fid order: (fid, copy). */
    List<java.util.Map.Entry<Fid, ArchiveCopy>> catalog(Fid after, int max) {
        List<java.util.Map.Entry<Fid, ArchiveCopy>> out = new ArrayList<>();
        byte[] prefix = {'C'};
        byte[] from = after == null ? prefix : successor(key('C', Keys.fid(after)));
        tx.scanHsm(from, (k, v) -> {
            if (!startsWith(k, prefix) || out.size() >= max) {
                return false;
            }
            out.add(java.util.Map.entry(Keys.fid(k, 1), HsmCodec.readCopy(new In(v))));
            return true;
        });
        return out;
    }

    // ---- agents -----------------------------------------------------------------------------------------

    AgentRecord agent(String name) {
        byte[] v = tx.hsm(key('G', name.getBytes(StandardCharsets.UTF_8)));
        return v == null ? null : AgentRecord.decode(name, v);
    }

    void putAgent(AgentRecord a) {
        tx.putHsm(key('G', a.name().getBytes(StandardCharsets.UTF_8)), a.encode());
    }

    List<AgentRecord> agents() {
        List<AgentRecord> out = new ArrayList<>();
        byte[] prefix = {'G'};
        tx.scanHsm(prefix, (k, v) -> {
            if (!startsWith(k, prefix)) {
                return false;
            }
            out.add(AgentRecord.decode(new String(k, 1, k.length - 1, StandardCharsets.UTF_8), v));
            return true;
        });
        return out;
    }

    // ---- keys ---------------------------------------------------------------------------------------

    private static byte[] key(char kind, byte[]... parts) {
        int n = 1;
        for (byte[] p : parts) {
            n += p.length;
        }
        byte[] k = new byte[n];
        k[0] = (byte) kind;
        int pos = 1;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, k, pos, p.length);
            pos += p.length;
        }
        return k;
    }

    private static boolean startsWith(byte[] k, byte[] prefix) {
        return k.length >= prefix.length && Arrays.equals(k, 0, prefix.length, prefix, 0, prefix.length);
    }

    /** The smallest key greater than every key starting with {@code prefix}; null when there is none. */
    private static byte[] successor(byte[] prefix) {
        byte[] s = prefix.clone();
        for (int i = s.length - 1; i >= 0; i--) {
            if (s[i] != (byte) 0xff) {
                s[i]++;
                return Arrays.copyOf(s, i + 1);
            }
        }
        return null;
    }

    /** True when a request's state is one of these. */
    static boolean in(HsmRequest r, State... states) {
        for (State s : states) {
            if (r.state() == s) {
                return true;
            }
        }
        return false;
    }
}
