package io.nacre.nfs.v41.state;

import static io.nacre.nfs.v41.xdr.Nfs4Status.*;

import io.nacre.engine.Fid;
import io.nacre.nfs.v41.NfsException;
import io.nacre.nfs.v41.cb.BackChannel;
import io.nacre.nfs.v41.xdr.ChannelAttrs4;
import io.nacre.nfs.v41.xdr.CreateSessionArgs;
import io.nacre.nfs.v41.xdr.CreateSessionRes;
import io.nacre.nfs.v41.xdr.LockArgs;
import io.nacre.nfs.v41.xdr.LockDenied;
import io.nacre.nfs.v41.xdr.Nfs4;
import io.nacre.nfs.v41.xdr.SequenceArgs;
import io.nacre.nfs.v41.xdr.SessionId4;
import io.nacre.nfs.v41.xdr.StateOwner4;
import io.nacre.nfs.v41.xdr.Stateid4;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;
import org.dcache.oncrpc4j.rpc.RpcTransport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * All NFSv4.1 state of one server instance: clients (EXCHANGE_ID), sessions and their slots
 * (CREATE_SESSION, SEQUENCE), stateids of opens and byte-range locks, share reservations, leases and
 * the grace period. Pure bookkeeping: nothing here calls the metadata service except the client
 * records. Namespace changes are one lock; SEQUENCE's hot path takes only its slot's.
 */
public final class StateManager {

    private static final Logger LOG = LoggerFactory.getLogger(StateManager.class);

    /** Sizes and times of the state machine. */
    public record Options(Duration lease, int maxSlots, int maxOperations, int maxRequestSize, int maxResponseSize,
                          int maxResponseSizeCached, Duration callbackTimeout) {
        public static Options defaults() {
            // operations per compound: the Linux client refuses a session with fewer than it asked for
            return new Options(Duration.ofSeconds(90), 128, 1024, 1024 * 1024 + 64 * 1024, 1024 * 1024 + 64 * 1024,
                    64 * 1024, Duration.ofSeconds(10));
        }
    }

    /** What EXCHANGE_ID found or made. */
    public record Exchanged(NfsClient client, int sequenceId, boolean confirmed) {
    }

    /** What SEQUENCE found: the session, its slot and what to do with the request. */
    public record Sequenced(Session session, Slot slot, Slot.Entry entry) {
    }

    /**
     * A closed open, the hidden name of its file if it was the last open of a removed file, and whether it
     * was the client's last open of the file ({@code lastOfClient}).
     */
    public record Closed(OpenState state, String hiddenName, boolean lastOfClient) {
    }

    /** A lock request's outcome: the lock stateid, or the conflicting lock. */
    public record LockOutcome(Stateid4 stateid, LockDenied denied) {
    }

    /** A client waiting for a lock it was denied (READW_LT/WRITEW_LT): it is told when locks on the file go. */
    public record Waiter(NfsClient client, StateOwner4 lockOwner) {
    }

    /** Written-out equals and hashCode: a record's own go through method handles C1 does not inline. */
    private record OwnerOnFile(Fid fid, StateOwner4 owner) {
        @Override
        public boolean equals(Object o) {
            return o instanceof OwnerOnFile k && k.fid.equals(fid) && k.owner.equals(owner);
        }

        @Override
        public int hashCode() {
            return fid.hashCode() * 31 + owner.hashCode();
        }
    }

    private final int epoch;
    private final Options options;
    private final ClientRecords records;
    private final LongSupplier clock;
    private final ReentrantLock lock = new ReentrantLock();
    private final AtomicInteger clientCounter = new AtomicInteger();
    private final AtomicLong stateCounter = new AtomicLong();
    private final AtomicLong sessionCounter = new AtomicLong();

    private final Map<Long, NfsClient> clients = new HashMap<>();
    private final Map<String, NfsClient> confirmedByOwner = new HashMap<>();
    private final Map<String, NfsClient> unconfirmedByOwner = new HashMap<>();
    private final Map<SessionId4, Session> sessions = new ConcurrentHashMap<>();
    private final Map<Long, State> states = new HashMap<>();
    private final Map<OwnerOnFile, OpenState> opens = new HashMap<>();
    private final Map<OwnerOnFile, LockState> lockStates = new HashMap<>();
    private final Map<Fid, FileState> files = new HashMap<>();
    private final Map<Fid, java.util.Set<Waiter>> waiters = new HashMap<>();
    private Grace grace = new Grace(java.util.Set.of());
    /** Files whose locks went with a client (expiry, restart): their waiters are told by the reaper. */
    private final java.util.Queue<Fid> unlockedFiles = new java.util.concurrent.ConcurrentLinkedQueue<>();
    /** Hidden names released as a side effect (a restarted client's old state); the reaper removes them. */
    private final java.util.Queue<String> released = new java.util.concurrent.ConcurrentLinkedQueue<>();

    /**
     * @param epoch   this server instance: in client ids, session ids and stateids, so that those of an
     *                earlier instance are recognised
     * @param clock   nanoseconds, monotonic ({@code System::nanoTime})
     */
    public StateManager(int epoch, Options options, ClientRecords records, LongSupplier clock) {
        this.epoch = epoch;
        this.options = options;
        this.records = records;
        this.clock = clock;
    }

    /**
     * Loads the client records of the previous instance; if there were any, the grace period begins, to
     * end {@link #serving() after the server listens}.
     */
    public void start() {
        var previous = records.load();
        lock.lock();
        try {
            grace = new Grace(previous);
        } finally {
            lock.unlock();
        }
        if (!previous.isEmpty()) {
            LOG.info("grace period for {} client(s) of the previous instance", previous.size());
        }
    }

    /**
     * The server listens: the grace period (if any) lasts two leases more at most, so that clients that
     * noticed the restart only at their next lease renewal still have time to reclaim.
     */
    public void serving() {
        lock.lock();
        try {
            grace.endAt(clock.getAsLong() + 2 * options.lease().toNanos());
        } finally {
            lock.unlock();
        }
    }

    public Options options() {
        return options;
    }

    public int epoch() {
        return epoch;
    }

    public boolean inGrace() {
        lock.lock();
        try {
            return grace.active(clock.getAsLong());
        } finally {
            lock.unlock();
        }
    }

    // ---- clients ------------------------------------------------------------------------------------

    /** EXCHANGE_ID (RFC 8881 §18.35.5), for the cases a client owner can be in. */
    public Exchanged exchangeId(byte[] ownerId, long verifier, boolean update, String principal, int flags) {
        String key = ClientRecords.key(ownerId);
        lock.lock();
        try {
            long now = clock.getAsLong();
            NfsClient conf = confirmedByOwner.get(key);
            NfsClient unconf = unconfirmedByOwner.get(key);
            if (update) {
                if (conf == null) {
                    throw new NfsException(NFS4ERR_NOENT, "no confirmed client to update");
                }
                if (!conf.principal().equals(principal)) {
                    throw new NfsException(NFS4ERR_PERM, "update by another principal");
                }
                if (conf.verifier() != verifier) {
                    throw new NfsException(NFS4ERR_NOT_SAME, "update with another verifier");
                }
                return new Exchanged(conf, conf.createSessionSeq + 1, true);
            }
            if (conf != null) {
                if (conf.verifier() == verifier && conf.principal().equals(principal)) {
                    conf.renew(now);
                    return new Exchanged(conf, conf.createSessionSeq + 1, true);
                }
                if (!conf.principal().equals(principal) && hasState(conf) && !leaseExpired(conf, now)) {
                    throw new NfsException(NFS4ERR_CLID_INUSE, "client owner in use by another principal");
                }
                // the client restarted (new verifier): a new record, confirmed by CREATE_SESSION
            }
            if (unconf != null) {
                drop(unconf);
            }
            NfsClient c = new NfsClient(newClientId(), ownerId, verifier, principal, flags, now);
            clients.put(c.clientid(), c);
            unconfirmedByOwner.put(key, c);
            LOG.debug("EXCHANGE_ID: new {} for owner {}", c, ClientRecords.describe(ownerId));
            return new Exchanged(c, 1, false);
        } finally {
            lock.unlock();
        }
    }

    private long newClientId() {
        return ((long) epoch << 32) | (clientCounter.incrementAndGet() & 0xffffffffL);
    }

    private boolean hasState(NfsClient c) {
        return !c.states.isEmpty() || !c.sessions.isEmpty();
    }

    private boolean leaseExpired(NfsClient c, long now) {
        return now - c.lastRenew() > options.lease().toNanos();
    }

    /** The client of {@code clientid}, or NFS4ERR_STALE_CLIENTID. */
    public NfsClient client(long clientid) {
        lock.lock();
        try {
            return clientLocked(clientid);
        } finally {
            lock.unlock();
        }
    }

    private NfsClient clientLocked(long clientid) {
        NfsClient c = clients.get(clientid);
        if (c == null || c.expired) {
            throw new NfsException(NFS4ERR_STALE_CLIENTID, "unknown client id %x".formatted(clientid));
        }
        return c;
    }

    /** CREATE_SESSION (RFC 8881 §18.36.4), with its own one-entry reply cache per client. */
    public CreateSessionRes createSession(CreateSessionArgs a, String principal, RpcTransport transport,
                                          InetSocketAddress remote) {
        byte[] recordToAdd = null;
        String keyToAdd = null;
        CreateSessionRes res;
        Session session;
        lock.lock();
        try {
            NfsClient c = clientLocked(a.clientid());
            if (a.sequence() == c.createSessionSeq && c.createSessionReply != null) {
                return c.createSessionReply;
            }
            if (a.sequence() != c.createSessionSeq + 1) {
                throw new NfsException(NFS4ERR_SEQ_MISORDERED, "CREATE_SESSION sequence " + a.sequence()
                        + ", expected " + (c.createSessionSeq + 1));
            }
            if (!c.principal().equals(principal)) {
                throw new NfsException(NFS4ERR_CLID_INUSE, "CREATE_SESSION by another principal");
            }
            if ((a.flags() & Nfs4.CREATE_SESSION4_FLAG_CONN_RDMA) != 0 && a.fore().rdmaIrd().length > 0) {
                throw new NfsException(NFS4ERR_INVAL, "RDMA is not offered");
            }
            if ((a.flags() & Nfs4.CREATE_SESSION4_FLAG_CONN_BACK_CHAN) != 0
                    && (a.back().maxOperations() < 2 || a.back().maxRequests() < 1)) {
                // CB_SEQUENCE and one callback operation must fit (RFC 8881 §18.36.3)
                throw new NfsException(NFS4ERR_TOOSMALL, "backchannel too small for a callback");
            }
            ChannelAttrs4 fore = negotiateFore(a.fore());
            ChannelAttrs4 back = negotiateBack(a.back());
            if (!c.confirmed) {
                confirm(c);
                keyToAdd = c.ownerKey();
                recordToAdd = c.ownerId();
            }
            SessionId4 id = new SessionId4(c.clientid(), ((long) epoch << 32) ^ sessionCounter.incrementAndGet());
            int flags = a.flags() & Nfs4.CREATE_SESSION4_FLAG_CONN_BACK_CHAN; // no persistence, no RDMA
            BackChannel bc = new BackChannel(id, a.cbProgram(), a.secParms(), options.callbackTimeout());
            session = new Session(id, c, fore, back, flags, bc);
            session.bind(remote);
            if ((flags & Nfs4.CREATE_SESSION4_FLAG_CONN_BACK_CHAN) != 0 && transport != null) {
                bc.bind(transport);
            }
            c.sessions.put(id, session);
            sessions.put(id, session);
            c.renew(clock.getAsLong());
            res = new CreateSessionRes(id, a.sequence(), flags, fore, back);
            c.createSessionSeq = a.sequence();
            c.createSessionReply = res;
            LOG.debug("CREATE_SESSION: {} for {} with {} slots", id, c, fore.maxRequests());
        } finally {
            lock.unlock();
        }
        if (recordToAdd != null) {
            // before the reply: a client that got state must be known to the next instance
            records.add(keyToAdd, recordToAdd);
        }
        if (session.backChannel().bound()) {
            session.backChannel().probe();
        }
        return res;
    }

    private ChannelAttrs4 negotiateFore(ChannelAttrs4 asked) {
        int slots = Math.max(1, Math.min(asked.maxRequests(), options.maxSlots()));
        return new ChannelAttrs4(0, Math.min(asked.maxRequestSize(), options.maxRequestSize()),
                Math.min(asked.maxResponseSize(), options.maxResponseSize()),
                Math.min(asked.maxResponseSizeCached(), options.maxResponseSizeCached()),
                Math.max(2, Math.min(asked.maxOperations(), options.maxOperations())), slots);
    }

    private static ChannelAttrs4 negotiateBack(ChannelAttrs4 asked) {
        // the server sends CB_SEQUENCE plus one operation on one slot; it takes the client's sizes as they
        // are (the Linux client refuses larger requests or fewer response bytes than it offered)
        return new ChannelAttrs4(0, asked.maxRequestSize(), asked.maxResponseSize(), asked.maxResponseSizeCached(),
                asked.maxOperations(), Math.min(asked.maxRequests(), 1));
    }

    /** Confirms a client; a confirmed record of the same owner (the client before its restart) goes, with its state. */
    private void confirm(NfsClient c) {
        String key = c.ownerKey();
        NfsClient old = confirmedByOwner.get(key);
        if (old != null && old != c) {
            LOG.info("{} replaces {} (client restarted)", c, old);
            List<String> hidden = new ArrayList<>();
            destroyClient(old, hidden);
            released.addAll(hidden);
        }
        unconfirmedByOwner.remove(key, c);
        c.confirmed = true;
        confirmedByOwner.put(key, c);
    }

    /** DESTROY_SESSION. */
    public void destroySession(SessionId4 id) {
        lock.lock();
        try {
            Session s = sessions.remove(id);
            if (s == null) {
                throw new NfsException(NFS4ERR_BADSESSION, "unknown session " + id);
            }
            s.client().sessions.remove(id);
            s.destroy();
        } finally {
            lock.unlock();
        }
    }

    /** DESTROY_CLIENTID: only once its sessions are gone (NFS4ERR_CLIENTID_BUSY otherwise). */
    public List<String> destroyClientid(long clientid) {
        List<String> hidden = new ArrayList<>();
        String key;
        lock.lock();
        try {
            NfsClient c = clientLocked(clientid);
            if (!c.sessions.isEmpty()) {
                throw new NfsException(NFS4ERR_CLIENTID_BUSY, c + " still has sessions");
            }
            key = c.confirmed ? c.ownerKey() : null;
            destroyClient(c, hidden);
        } finally {
            lock.unlock();
        }
        if (key != null) {
            records.remove(key);
        }
        return hidden;
    }

    private void destroyClient(NfsClient c, List<String> hiddenReleased) {
        c.expired = true;
        for (Session s : List.copyOf(c.sessions.values())) {
            sessions.remove(s.id());
            s.destroy();
        }
        c.sessions.clear();
        for (State st : List.copyOf(c.states)) {
            if (st instanceof OpenState os && !os.freed) {
                String h = closeLocked(os);
                if (h != null) {
                    hiddenReleased.add(h);
                }
            } else if (st instanceof LockState ls && !ls.freed) {
                freeLock(ls);
            }
        }
        c.states.clear();
        clients.remove(c.clientid());
        confirmedByOwner.remove(c.ownerKey(), c);
        unconfirmedByOwner.remove(c.ownerKey(), c);
    }

    private void drop(NfsClient unconfirmed) {
        destroyClient(unconfirmed, new ArrayList<>());
    }

    /** BIND_CONN_TO_SESSION: binds the connection; returns the channel direction granted (CDFS4_*). */
    public int bindConnection(SessionId4 id, int dir, RpcTransport transport, InetSocketAddress remote) {
        Session s = sessions.get(id);
        if (s == null || s.destroyed()) {
            throw new NfsException(NFS4ERR_BADSESSION, "unknown session " + id);
        }
        int granted = switch (dir) {
            case Nfs4.CDFC4_FORE -> Nfs4.CDFS4_FORE;
            case Nfs4.CDFC4_BACK -> Nfs4.CDFS4_BACK;
            case Nfs4.CDFC4_FORE_OR_BOTH, Nfs4.CDFC4_BACK_OR_BOTH -> Nfs4.CDFS4_BOTH;
            default -> throw new NfsException(NFS4ERR_INVAL, "channel direction " + dir);
        };
        if ((granted & Nfs4.CDFS4_FORE) != 0) {
            s.bind(remote);
        }
        if ((granted & Nfs4.CDFS4_BACK) != 0 && transport != null) {
            s.backChannel().bind(transport);
            s.backChannel().probe();
        }
        s.client().renew(clock.getAsLong());
        return granted;
    }

    /** The session, or NFS4ERR_BADSESSION. */
    public Session session(SessionId4 id) {
        Session s = sessions.get(id);
        if (s == null || s.destroyed()) {
            throw new NfsException(NFS4ERR_BADSESSION, "unknown session " + id);
        }
        return s;
    }

    /**
     * SEQUENCE (RFC 8881 §18.46.3): finds the session and slot, renews the lease, and classifies the
     * request for the reply cache. A NEW entry leaves the slot in progress until {@link Slot#finish}.
     */
    public Sequenced sequence(SequenceArgs a, int opCount, InetSocketAddress remote) {
        Session s = session(a.sessionId());
        if (opCount > s.fore().maxOperations()) {
            throw new NfsException(NFS4ERR_TOO_MANY_OPS, opCount + " operations, the session allows "
                    + s.fore().maxOperations());
        }
        Slot slot = s.slot(a.slotId());
        if (slot == null) {
            throw new NfsException(NFS4ERR_BADSLOT, "slot " + a.slotId() + " beyond " + s.highestSlotId());
        }
        Slot.Entry e = slot.begin(a.sequenceId());
        if (e.kind() == Slot.Kind.NEW) {
            s.client().renew(clock.getAsLong());
            if (remote != null) {
                s.bind(remote); // SP4_NONE: a connection is bound to the fore channel by using it (§2.10.3.1)
            }
        }
        return new Sequenced(s, slot, e);
    }

    /** sr_status_flags for a SEQUENCE reply on this session. */
    public int statusFlags(Session s) {
        int flags = 0;
        if (!s.backChannel().isUp()) {
            flags |= Nfs4.SEQ4_STATUS_CB_PATH_DOWN_SESSION;
            boolean anyUp = false;
            lock.lock();
            try {
                for (Session other : s.client().sessions.values()) {
                    anyUp |= other.backChannel().isUp();
                }
            } finally {
                lock.unlock();
            }
            if (!anyUp) {
                flags |= Nfs4.SEQ4_STATUS_CB_PATH_DOWN;
            }
        }
        return flags;
    }

    /** RECLAIM_COMPLETE (RFC 8881 §18.51). */
    public void reclaimComplete(NfsClient c) {
        lock.lock();
        try {
            if (c.reclaimComplete && !grace.mayReclaim(c.ownerKey(), clock.getAsLong())) {
                throw new NfsException(NFS4ERR_COMPLETE_ALREADY, c + " already completed its reclaims");
            }
            c.reclaimComplete = true;
            grace.complete(c.ownerKey());
        } finally {
            lock.unlock();
        }
    }

    // ---- opens --------------------------------------------------------------------------------------

    /**
     * OPEN's state part: a new open of {@code fid} by {@code owner}, or an upgrade of its existing one
     * (same stateid, next seqid). NFS4ERR_SHARE_DENIED when another open's deny excludes this one's
     * access or the other way round; NFS4ERR_GRACE / NFS4ERR_NO_GRACE around a restart.
     */
    public OpenState open(NfsClient c, StateOwner4 owner, Fid fid, int access, int deny, boolean reclaim) {
        lock.lock();
        try {
            checkAlive(c);
            checkGrace(c, reclaim);
            FileState fs = files.computeIfAbsent(fid, FileState::new);
            OwnerOnFile key = new OwnerOnFile(fid, owner);
            OpenState existing = opens.get(key);
            int newAccess = access | (existing != null ? existing.access : 0);
            int newDeny = deny | (existing != null ? existing.deny : 0);
            for (OpenState other : fs.opens) {
                if (other != existing && OpenState.conflicts(newAccess, newDeny, other.access, other.deny)) {
                    cleanup(fs);
                    throw new NfsException(NFS4ERR_SHARE_DENIED, "share reservation conflict on " + fid);
                }
            }
            if (existing != null) {
                existing.access = newAccess;
                existing.deny = newDeny;
                existing.bump();
                return existing;
            }
            OpenState os = new OpenState(epoch, stateCounter.incrementAndGet(), c, fid, owner, access, deny);
            fs.opens.add(os);
            opens.put(key, os);
            states.put(os.id(), os);
            c.states.add(os);
            return os;
        } finally {
            lock.unlock();
        }
    }

    private void checkAlive(NfsClient c) {
        if (c.expired) {
            throw new NfsException(NFS4ERR_EXPIRED, c + " expired");
        }
    }

    private void checkGrace(NfsClient c, boolean reclaim) {
        long now = clock.getAsLong();
        if (reclaim) {
            if (!grace.mayReclaim(c.ownerKey(), now)) {
                throw new NfsException(NFS4ERR_NO_GRACE, "no reclaim for " + c + " now");
            }
        } else if (grace.active(now)) {
            throw new NfsException(NFS4ERR_GRACE, "in the grace period");
        }
    }

    /** OPEN_DOWNGRADE: access and deny become subsets of what the open has. */
    public Stateid4 downgrade(NfsClient c, Fid fid, Stateid4 stateid, int access, int deny) {
        lock.lock();
        try {
            OpenState os = openState(c, fid, stateid);
            if (access == 0 || (access & ~os.access) != 0 || (deny & ~os.deny) != 0) {
                throw new NfsException(NFS4ERR_INVAL, "OPEN_DOWNGRADE to access " + access + " deny " + deny
                        + " from " + os.access + "/" + os.deny);
            }
            os.access = access;
            os.deny = deny;
            return os.bump();
        } finally {
            lock.unlock();
        }
    }

    /** CLOSE: the open and the lock states derived from it go (knfsd releases such locks too). */
    public Closed close(NfsClient c, Fid fid, Stateid4 stateid) {
        lock.lock();
        try {
            OpenState os = openState(c, fid, stateid);
            String hidden = closeLocked(os);
            FileState fs = files.get(fid);
            boolean last = fs == null || fs.opens.stream().noneMatch(o -> o.client() == c);
            return new Closed(os, hidden, last);
        } finally {
            lock.unlock();
        }
    }

    private String closeLocked(OpenState os) {
        os.freed = true;
        for (LockState ls : List.copyOf(os.locks)) {
            freeLock(ls);
        }
        states.remove(os.id());
        opens.remove(new OwnerOnFile(os.fid(), os.owner()));
        os.client().states.remove(os);
        FileState fs = files.get(os.fid());
        String hidden = null;
        if (fs != null) {
            fs.opens.remove(os);
            if (fs.opens.isEmpty() && fs.hiddenName != null) {
                hidden = fs.hiddenName;
                fs.hiddenName = null;
            }
            cleanup(fs);
        }
        return hidden;
    }

    private OpenState openState(NfsClient c, Fid fid, Stateid4 stateid) {
        if (checkLocked(c, fid, stateid) instanceof OpenState os) {
            return os;
        }
        throw new NfsException(NFS4ERR_BAD_STATEID, stateid + " is not an open stateid");
    }

    /**
     * The state a non-special stateid names, checked against the client and file (NFS4ERR_BAD_STATEID)
     * and its seqid (0 means current; older is NFS4ERR_OLD_STATEID, newer NFS4ERR_BAD_STATEID).
     */
    public State check(NfsClient c, Fid fid, Stateid4 stateid) {
        lock.lock();
        try {
            return checkLocked(c, fid, stateid);
        } finally {
            lock.unlock();
        }
    }

    private State checkLocked(NfsClient c, Fid fid, Stateid4 stateid) {
        int status = testLocked(c, stateid);
        if (status != NFS4_OK) {
            throw new NfsException(status, "stateid " + stateid);
        }
        State st = states.get(stateid.id());
        if (!st.fid().equals(fid)) {
            throw new NfsException(NFS4ERR_BAD_STATEID, "stateid " + stateid + " is for another file");
        }
        return st;
    }

    private int testLocked(NfsClient c, Stateid4 stateid) {
        if (stateid.isSpecial() || stateid.epoch() != epoch) {
            return NFS4ERR_BAD_STATEID;
        }
        State st = states.get(stateid.id());
        if (st == null || st.freed || st.client() != c) {
            return NFS4ERR_BAD_STATEID;
        }
        int s = stateid.seqid();
        if (s == 0 || s == st.seqid) {
            return NFS4_OK;
        }
        return Integer.compareUnsigned(s, st.seqid) < 0 ? NFS4ERR_OLD_STATEID : NFS4ERR_BAD_STATEID;
    }

    /** TEST_STATEID for one stateid. */
    public int test(NfsClient c, Stateid4 stateid) {
        lock.lock();
        try {
            return testLocked(c, stateid);
        } finally {
            lock.unlock();
        }
    }

    /** FREE_STATEID: only a lock stateid without locks may be freed (NFS4ERR_LOCKS_HELD otherwise). */
    public void free(NfsClient c, Stateid4 stateid) {
        lock.lock();
        try {
            int status = testLocked(c, stateid);
            if (status != NFS4_OK) {
                throw new NfsException(status, "stateid " + stateid);
            }
            State st = states.get(stateid.id());
            if (st instanceof LockState ls) {
                FileState fs = files.get(ls.fid());
                if (fs != null && fs.locks.holdsAny(ls)) {
                    throw new NfsException(NFS4ERR_LOCKS_HELD, stateid + " still holds locks");
                }
                freeLock(ls);
                if (fs != null) {
                    cleanup(fs);
                }
            } else {
                throw new NfsException(NFS4ERR_LOCKS_HELD, stateid + " is an open: CLOSE it");
            }
        } finally {
            lock.unlock();
        }
    }

    // ---- byte-range locks ---------------------------------------------------------------------------

    /** LOCK (RFC 8881 §18.10). */
    public LockOutcome lock(NfsClient c, Fid fid, LockArgs a) {
        boolean write = isWrite(a.locktype());
        ByteRange range = range(a.offset(), a.length());
        lock.lock();
        try {
            checkAlive(c);
            checkGrace(c, a.reclaim());
            LockState ls;
            boolean created = false;
            if (a.newOwner() != null) {
                OpenState os = openState(c, fid, a.newOwner().openStateid());
                OwnerOnFile key = new OwnerOnFile(fid, a.newOwner().lockOwner());
                ls = lockStates.get(key);
                if (ls == null) {
                    ls = new LockState(epoch, stateCounter.incrementAndGet(), c, fid, a.newOwner().lockOwner(), os);
                    created = true;
                }
            } else if (checkLocked(c, fid, a.existing().lockStateid()) instanceof LockState existing) {
                ls = existing;
            } else {
                throw new NfsException(NFS4ERR_BAD_STATEID, "not a lock stateid");
            }
            if (write && !ls.open.canWrite()) {
                throw new NfsException(NFS4ERR_OPENMODE, "write lock on a file opened for reading only");
            }
            FileState fs = files.computeIfAbsent(fid, FileState::new);
            LockTable.Lock<LockState> conflict = fs.locks.conflict(ls, write, range);
            if (conflict != null) {
                if (a.locktype() == Nfs4.READW_LT || a.locktype() == Nfs4.WRITEW_LT) {
                    waiters.computeIfAbsent(fid, f -> new java.util.LinkedHashSet<>()).add(new Waiter(c, ls.owner()));
                }
                cleanup(fs);
                return new LockOutcome(null, denied(conflict));
            }
            if (created) {
                lockStates.put(new OwnerOnFile(fid, ls.owner()), ls);
                states.put(ls.id(), ls);
                ls.open.locks.add(ls);
                c.states.add(ls);
            }
            fs.locks.lock(ls, write, range);
            return new LockOutcome(created ? ls.stateid() : ls.bump(), null);
        } finally {
            lock.unlock();
        }
    }

    /**
     * The clients that waited for a lock on {@code fid}, now that locks there were released (they are
     * forgotten: each is told once, and asks again if it still wants the lock).
     */
    public List<Waiter> takeWaiters(Fid fid) {
        lock.lock();
        try {
            java.util.Set<Waiter> w = waiters.remove(fid);
            return w == null ? List.of() : List.copyOf(w);
        } finally {
            lock.unlock();
        }
    }

    /** LOCKT: the conflicting lock, or null. Locks of {@code owner} itself never conflict. */
    public LockDenied testLock(NfsClient c, Fid fid, int locktype, long offset, long length, StateOwner4 owner) {
        boolean write = isWrite(locktype);
        ByteRange range = range(offset, length);
        lock.lock();
        try {
            checkAlive(c);
            FileState fs = files.get(fid);
            if (fs == null) {
                return null;
            }
            LockTable.Lock<LockState> conflict = fs.locks.conflict(lockStates.get(new OwnerOnFile(fid, owner)), write,
                    range);
            return conflict == null ? null : denied(conflict);
        } finally {
            lock.unlock();
        }
    }

    /** LOCKU. */
    public Stateid4 unlock(NfsClient c, Fid fid, Stateid4 stateid, long offset, long length) {
        ByteRange range = range(offset, length);
        lock.lock();
        try {
            if (!(checkLocked(c, fid, stateid) instanceof LockState ls)) {
                throw new NfsException(NFS4ERR_BAD_STATEID, stateid + " is not a lock stateid");
            }
            FileState fs = files.get(fid);
            if (fs != null) {
                fs.locks.unlock(ls, range);
            }
            return ls.bump();
        } finally {
            lock.unlock();
        }
    }

    private static boolean isWrite(int locktype) {
        return switch (locktype) {
            case Nfs4.READ_LT, Nfs4.READW_LT -> false;
            case Nfs4.WRITE_LT, Nfs4.WRITEW_LT -> true;
            default -> throw new NfsException(NFS4ERR_INVAL, "lock type " + locktype);
        };
    }

    private static ByteRange range(long offset, long length) {
        ByteRange r = ByteRange.of(offset, length);
        if (r == null) {
            throw new NfsException(NFS4ERR_INVAL, "lock range offset " + Long.toUnsignedString(offset) + " length "
                    + Long.toUnsignedString(length));
        }
        return r;
    }

    private static LockDenied denied(LockTable.Lock<LockState> l) {
        return new LockDenied(l.range().start(), l.range().nfsLength(), l.write() ? Nfs4.WRITE_LT : Nfs4.READ_LT,
                l.owner().owner());
    }

    private void freeLock(LockState ls) {
        ls.freed = true;
        if (waiters.containsKey(ls.fid())) {
            unlockedFiles.add(ls.fid());
        }
        FileState fs = files.get(ls.fid());
        if (fs != null) {
            fs.locks.removeOwner(ls);
        }
        states.remove(ls.id());
        lockStates.remove(new OwnerOnFile(ls.fid(), ls.owner()));
        ls.open.locks.remove(ls);
        ls.client().states.remove(ls);
    }

    private void cleanup(FileState fs) {
        if (fs.unused()) {
            files.remove(fs.fid);
        }
    }

    // ---- files removed while open -------------------------------------------------------------------

    /** True while any file is open at all: lets REMOVE skip its check in the common case. */
    public boolean anyOpen() {
        lock.lock();
        try {
            return !opens.isEmpty();
        } finally {
            lock.unlock();
        }
    }

    /** True when an open of the file wrote through it since its last commit: FileIo may hold unstable writes. */
    public boolean written(Fid fid) {
        lock.lock();
        try {
            FileState fs = files.get(fid);
            if (fs != null) {
                for (OpenState os : fs.opens) {
                    if (os.written) {
                        return true;
                    }
                }
            }
            return false;
        } finally {
            lock.unlock();
        }
    }

    /** True while any client has {@code fid} open. */
    public boolean isOpen(Fid fid) {
        lock.lock();
        try {
            FileState fs = files.get(fid);
            return fs != null && !fs.opens.isEmpty();
        } finally {
            lock.unlock();
        }
    }

    /** The files some client has open here. */
    public List<Fid> openFiles() {
        lock.lock();
        try {
            List<Fid> out = new ArrayList<>();
            for (FileState fs : files.values()) {
                if (!fs.opens.isEmpty()) {
                    out.add(fs.fid);
                }
            }
            return out;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Records that {@code fid}'s last name was replaced by {@code hiddenName} in the directory of
     * unlinked-but-open files; returns false (and records nothing) when the file is no longer open, in
     * which case the caller removes it at once.
     */
    public boolean hide(Fid fid, String hiddenName) {
        lock.lock();
        try {
            FileState fs = files.get(fid);
            if (fs == null || fs.opens.isEmpty()) {
                return false;
            }
            fs.hiddenName = hiddenName;
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** True when the file was removed while open and lives on under a hidden name. */
    public boolean isHidden(Fid fid) {
        lock.lock();
        try {
            FileState fs = files.get(fid);
            return fs != null && fs.hiddenName != null;
        } finally {
            lock.unlock();
        }
    }

    /** The hidden names of files some open still holds (they must survive a cleanup of orphans). */
    public List<String> hiddenNames() {
        lock.lock();
        try {
            List<String> out = new ArrayList<>();
            for (FileState fs : files.values()) {
                if (fs.hiddenName != null) {
                    out.add(fs.hiddenName);
                }
            }
            return out;
        } finally {
            lock.unlock();
        }
    }

    /** Files whose locks were released as a side effect (CLOSE, expiry) and that have waiters. */
    public List<Fid> drainUnlocked() {
        List<Fid> out = new ArrayList<>();
        for (Fid f; (f = unlockedFiles.poll()) != null; ) {
            out.add(f);
        }
        return out;
    }

    /** A backchannel of the client that works, or null. */
    public BackChannel backChannel(NfsClient c) {
        lock.lock();
        try {
            for (Session s : c.sessions.values()) {
                if (s.backChannel().isUp()) {
                    return s.backChannel();
                }
            }
            return null;
        } finally {
            lock.unlock();
        }
    }

    /** Hidden names whose last open went as a side effect of another operation, to remove now. */
    public List<String> drainReleased() {
        List<String> out = new ArrayList<>();
        for (String n; (n = released.poll()) != null; ) {
            out.add(n);
        }
        return out;
    }

    // ---- leases -------------------------------------------------------------------------------------

    /**
     * Expires clients whose lease ran out 1.5 lease periods ago (some slack for a client's renewal in
     * flight) and that have no request running: their sessions and state go. Returns the hidden names
     * of removed-while-open files whose last open went with them.
     */
    public List<String> expireLeases() {
        List<String> hidden = new ArrayList<>();
        List<String> keys = new ArrayList<>();
        lock.lock();
        try {
            long now = clock.getAsLong();
            long limit = options.lease().toNanos() * 3 / 2;
            for (NfsClient c : List.copyOf(clients.values())) {
                if (now - c.lastRenew() <= limit || c.sessions.values().stream().anyMatch(Session::busy)) {
                    continue;
                }
                LOG.info("{} expired: no renewal for {} s", c, (now - c.lastRenew()) / 1_000_000_000L);
                if (c.confirmed) {
                    keys.add(c.ownerKey());
                }
                destroyClient(c, hidden);
            }
        } finally {
            lock.unlock();
        }
        keys.forEach(records::remove);
        return hidden;
    }
}
