package io.nacre.nfs.v41.state;

import static io.nacre.nfs.v41.xdr.Nfs4Status.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nacre.engine.Fid;
import io.nacre.nfs.v41.NfsException;
import io.nacre.nfs.v41.xdr.ChannelAttrs4;
import io.nacre.nfs.v41.xdr.CreateSessionArgs;
import io.nacre.nfs.v41.xdr.CreateSessionRes;
import io.nacre.nfs.v41.xdr.LockArgs;
import io.nacre.nfs.v41.xdr.LockDenied;
import io.nacre.nfs.v41.xdr.Nfs4;
import io.nacre.nfs.v41.xdr.SequenceArgs;
import io.nacre.nfs.v41.xdr.StateOwner4;
import io.nacre.nfs.v41.xdr.Stateid4;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class StateManagerTest {

    private static final Duration LEASE = Duration.ofSeconds(10);
    private static final ChannelAttrs4 ASK = new ChannelAttrs4(0, 1 << 20, 1 << 20, 4096, 8, 64);
    private static final InetSocketAddress REMOTE = new InetSocketAddress("127.0.0.1", 800);
    private static final Fid FILE = new Fid(Fid.FIRST_NORMAL_SEQ, 1, 0);
    private static final Fid OTHER_FILE = new Fid(Fid.FIRST_NORMAL_SEQ, 2, 0);

    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private ClientRecords records;
    private StateManager sm;

    @BeforeEach
    void setUp() {
        records = ClientRecords.inMemory();
        sm = newManager(1);
    }

    private StateManager newManager(int epoch) {
        StateManager m = new StateManager(epoch, new StateManager.Options(LEASE, 128, 16, 1 << 20, 1 << 20, 8192,
                Duration.ofSeconds(1)), records, now::get);
        m.start();
        m.serving();
        return m;
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static void assertStatus(ThrowingCallable call, int status) {
        assertThatThrownBy(call).isInstanceOfSatisfying(NfsException.class,
                e -> assertThat(name(e.status())).isEqualTo(name(status)));
    }

    private NfsClient mount(StateManager m, String owner) {
        StateManager.Exchanged x = m.exchangeId(bytes(owner), 42, false, "sys:0", 0);
        m.createSession(new CreateSessionArgs(x.client().clientid(), x.sequenceId(), 0, ASK, ASK, 0x40000000,
                List.of()), "sys:0", null, REMOTE);
        return x.client();
    }

    private Session sessionOf(NfsClient c) {
        return c.sessions.values().iterator().next();
    }

    // ---- clients and sessions ------------------------------------------------------------------------

    @Test
    void exchangeIdThenCreateSessionConfirmsTheClient() {
        StateManager.Exchanged x = sm.exchangeId(bytes("host-a"), 1, false, "sys:0", 0);
        assertThat(x.confirmed()).isFalse();
        assertThat(x.sequenceId()).isEqualTo(1);
        CreateSessionRes res = sm.createSession(new CreateSessionArgs(x.client().clientid(), 1, 0, ASK, ASK, 1,
                List.of()), "sys:0", null, REMOTE);
        assertThat(res.fore().maxRequests()).isEqualTo(64);
        assertThat(res.fore().maxOperations()).isEqualTo(8);
        assertThat(res.fore().maxResponseSizeCached()).isEqualTo(4096);
        assertThat(x.client().confirmed()).isTrue();

        StateManager.Exchanged again = sm.exchangeId(bytes("host-a"), 1, false, "sys:0", 0);
        assertThat(again.client()).isSameAs(x.client());
        assertThat(again.confirmed()).isTrue();
        assertThat(again.sequenceId()).isEqualTo(2);
    }

    @Test
    void slotCountIsCappedButHonoursSmallerRequests() {
        ChannelAttrs4 many = new ChannelAttrs4(0, 1 << 24, 1 << 24, 1 << 20, 100, 4096);
        StateManager.Exchanged x = sm.exchangeId(bytes("big"), 1, false, "sys:0", 0);
        CreateSessionRes res = sm.createSession(new CreateSessionArgs(x.client().clientid(), 1, 0, many, ASK, 1,
                List.of()), "sys:0", null, REMOTE);
        assertThat(res.fore().maxRequests()).isEqualTo(128);
        assertThat(res.fore().maxRequestSize()).isEqualTo(1 << 20);
        assertThat(res.fore().maxOperations()).isEqualTo(16);
        assertThat(res.back().maxRequests()).isEqualTo(1);
    }

    @Test
    void retransmittedCreateSessionGetsTheSameSessionAndSkippedSequenceIsRefused() {
        StateManager.Exchanged x = sm.exchangeId(bytes("host-b"), 1, false, "sys:0", 0);
        CreateSessionArgs args = new CreateSessionArgs(x.client().clientid(), 1, 0, ASK, ASK, 1, List.of());
        CreateSessionRes first = sm.createSession(args, "sys:0", null, REMOTE);
        CreateSessionRes again = sm.createSession(args, "sys:0", null, REMOTE);
        assertThat(again.sessionId()).isEqualTo(first.sessionId());
        assertStatus(() -> sm.createSession(new CreateSessionArgs(x.client().clientid(), 3, 0, ASK, ASK, 1, List.of()),
                "sys:0", null, REMOTE), NFS4ERR_SEQ_MISORDERED);
        CreateSessionRes second = sm.createSession(new CreateSessionArgs(x.client().clientid(), 2, 0, ASK, ASK, 1,
                List.of()), "sys:0", null, REMOTE);
        assertThat(second.sessionId()).isNotEqualTo(first.sessionId());
    }

    @Test
    void clientRestartWithNewVerifierReplacesTheOldClientAndItsState() {
        NfsClient old = mount(sm, "host-c");
        sm.open(old, owner(old, "o"), FILE, 3, 0, false);
        StateManager.Exchanged x = sm.exchangeId(bytes("host-c"), 43, false, "sys:0", 0);
        assertThat(x.client()).isNotSameAs(old);
        assertThat(sm.isOpen(FILE)).as("old state stays until the new record is confirmed").isTrue();
        sm.createSession(new CreateSessionArgs(x.client().clientid(), 1, 0, ASK, ASK, 1, List.of()), "sys:0", null,
                REMOTE);
        assertThat(sm.isOpen(FILE)).isFalse();
        assertStatus(() -> sm.client(old.clientid()), NFS4ERR_STALE_CLIENTID);
    }

    @Test
    void aRestartedClientsHiddenFilesAreReleased() {
        NfsClient old = mount(sm, "host-r");
        sm.open(old, owner(old, "o"), FILE, 1, 0, false);
        assertThat(sm.hide(FILE, "hidden-r")).isTrue();
        StateManager.Exchanged x = sm.exchangeId(bytes("host-r"), 77, false, "sys:0", 0);
        assertThat(sm.drainReleased()).isEmpty();
        sm.createSession(new CreateSessionArgs(x.client().clientid(), 1, 0, ASK, ASK, 1, List.of()), "sys:0", null,
                REMOTE);
        assertThat(sm.drainReleased()).containsExactly("hidden-r");
        assertThat(sm.drainReleased()).isEmpty();
    }

    @Test
    void updateOfAnUnknownClientIsNoent() {
        assertStatus(() -> sm.exchangeId(bytes("nobody"), 1, true, "sys:0", 0), NFS4ERR_NOENT);
        NfsClient c = mount(sm, "host-d");
        assertStatus(() -> sm.exchangeId(bytes("host-d"), 99, true, "sys:0", 0), NFS4ERR_NOT_SAME);
        assertStatus(() -> sm.exchangeId(bytes("host-d"), 42, true, "sys:1000", 0), NFS4ERR_PERM);
        assertThat(sm.exchangeId(bytes("host-d"), 42, true, "sys:0", 0).client()).isSameAs(c);
    }

    @Test
    void clientIdOfAnEarlierInstanceIsStale() {
        NfsClient c = mount(sm, "host-e");
        StateManager next = newManager(2);
        assertStatus(() -> next.client(c.clientid()), NFS4ERR_STALE_CLIENTID);
        assertStatus(() -> next.session(sessionOf(c).id()), NFS4ERR_BADSESSION);
    }

    @Test
    void destroyClientidWaitsForItsSessions() {
        NfsClient c = mount(sm, "host-f");
        assertStatus(() -> sm.destroyClientid(c.clientid()), NFS4ERR_CLIENTID_BUSY);
        var sid = sessionOf(c).id();
        sm.destroySession(sid);
        assertStatus(() -> sm.destroySession(sid), NFS4ERR_BADSESSION);
        sm.destroyClientid(c.clientid());
        assertStatus(() -> sm.client(c.clientid()), NFS4ERR_STALE_CLIENTID);
    }

    // ---- SEQUENCE and the reply cache --------------------------------------------------------------

    @Test
    void sequenceClassifiesNewRetransmittedAndMisorderedRequests() {
        NfsClient c = mount(sm, "host-g");
        Session s = sessionOf(c);
        StateManager.Sequenced first = sm.sequence(new SequenceArgs(s.id(), 1, 5, 63, true), 3, REMOTE);
        assertThat(first.entry().kind()).isEqualTo(Slot.Kind.NEW);
        assertThat(sm.sequence(new SequenceArgs(s.id(), 1, 5, 63, true), 3, REMOTE).entry().kind())
                .as("retransmission while the original runs").isEqualTo(Slot.Kind.IN_PROGRESS);
        first.slot().finish(new byte[] {1, 2, 3, 4});
        StateManager.Sequenced replay = sm.sequence(new SequenceArgs(s.id(), 1, 5, 63, true), 3, REMOTE);
        assertThat(replay.entry().kind()).isEqualTo(Slot.Kind.REPLAY);
        assertThat(replay.entry().reply()).containsExactly(1, 2, 3, 4);
        assertThat(sm.sequence(new SequenceArgs(s.id(), 3, 5, 63, true), 3, REMOTE).entry().kind())
                .isEqualTo(Slot.Kind.MISORDERED);
        StateManager.Sequenced second = sm.sequence(new SequenceArgs(s.id(), 2, 5, 63, false), 3, REMOTE);
        assertThat(second.entry().kind()).isEqualTo(Slot.Kind.NEW);
        second.slot().finish(null);
        assertThat(sm.sequence(new SequenceArgs(s.id(), 2, 5, 63, false), 3, REMOTE).entry().kind())
                .isEqualTo(Slot.Kind.UNCACHED);
        assertThat(sm.sequence(new SequenceArgs(s.id(), 1, 6, 63, false), 3, REMOTE).entry().kind())
                .as("slots are independent").isEqualTo(Slot.Kind.NEW);
    }

    @Test
    void sequenceIdsWrapAround() {
        Slot top = new Slot(-1); // 0xffffffff
        assertThat(top.begin(0).kind()).as("0xffffffff is followed by 0").isEqualTo(Slot.Kind.NEW);
        top.finish(null);
        assertThat(top.begin(1).kind()).isEqualTo(Slot.Kind.NEW);
        assertThat(new Slot(-1).begin(1).kind()).isEqualTo(Slot.Kind.MISORDERED);
    }

    @Test
    void badSlotTooManyOpsAndUnknownSessionAreRefused() {
        NfsClient c = mount(sm, "host-h");
        Session s = sessionOf(c);
        assertStatus(() -> sm.sequence(new SequenceArgs(s.id(), 1, 64, 63, false), 2, REMOTE), NFS4ERR_BADSLOT);
        assertStatus(() -> sm.sequence(new SequenceArgs(s.id(), 1, 0, 63, false), 9, REMOTE), NFS4ERR_TOO_MANY_OPS);
        assertStatus(() -> sm.sequence(new SequenceArgs(new io.nacre.nfs.v41.xdr.SessionId4(1, 2), 1, 0, 0, false), 2,
                REMOTE), NFS4ERR_BADSESSION);
    }

    @Test
    void sequenceRenewsTheLeaseAndSilentClientsExpire() {
        NfsClient quiet = mount(sm, "quiet");
        NfsClient busy = mount(sm, "busy");
        sm.open(quiet, owner(quiet, "o"), FILE, 1, 0, false);
        assertThat(sm.hide(FILE, "hidden-1")).isTrue();
        for (int i = 1; i <= 4; i++) {
            now.addAndGet(LEASE.toNanos() / 2);
            StateManager.Sequenced q = sm.sequence(new SequenceArgs(sessionOf(busy).id(), i, 0, 0, false), 2, REMOTE);
            q.slot().finish(null);
        }
        List<String> released = sm.expireLeases();
        assertThat(released).containsExactly("hidden-1");
        assertThat(sm.isOpen(FILE)).isFalse();
        assertStatus(() -> sm.client(quiet.clientid()), NFS4ERR_STALE_CLIENTID);
        assertThat(sm.client(busy.clientid())).isSameAs(busy);
    }

    // ---- opens -------------------------------------------------------------------------------------

    private static StateOwner4 owner(NfsClient c, String name) {
        return new StateOwner4(c.clientid(), bytes(name));
    }

    @Test
    void openUpgradeKeepsTheStateidAndMovesItsSeqid() {
        NfsClient c = mount(sm, "host-i");
        OpenState a = sm.open(c, owner(c, "o"), FILE, 1, 0, false);
        Stateid4 first = a.stateid();
        assertThat(first.seqid()).isEqualTo(1);
        OpenState b = sm.open(c, owner(c, "o"), FILE, 2, 0, false);
        assertThat(b).isSameAs(a);
        assertThat(b.stateid()).isEqualTo(first.withSeqid(2));
        assertThat(b.access()).isEqualTo(3);
        assertStatus(() -> sm.check(c, FILE, first), NFS4ERR_OLD_STATEID);
        assertStatus(() -> sm.check(c, FILE, first.withSeqid(3)), NFS4ERR_BAD_STATEID);
        assertThat(sm.check(c, FILE, first.withSeqid(0))).isSameAs(a);
        assertStatus(() -> sm.check(c, OTHER_FILE, b.stateid()), NFS4ERR_BAD_STATEID);
        NfsClient other = mount(sm, "host-j");
        assertStatus(() -> sm.check(other, FILE, b.stateid()), NFS4ERR_BAD_STATEID);
    }

    @Test
    void shareReservationsExcludeEachOther() {
        NfsClient c = mount(sm, "host-k");
        sm.open(c, owner(c, "reader"), FILE, Nfs4.OPEN4_SHARE_ACCESS_READ, 2 /* deny write */, false);
        assertStatus(() -> sm.open(c, owner(c, "writer"), FILE, Nfs4.OPEN4_SHARE_ACCESS_WRITE, 0, false),
                NFS4ERR_SHARE_DENIED);
        assertStatus(() -> sm.open(c, owner(c, "denier"), FILE, Nfs4.OPEN4_SHARE_ACCESS_READ, 1 /* deny read */,
                false), NFS4ERR_SHARE_DENIED);
        assertThat(sm.open(c, owner(c, "reader2"), FILE, Nfs4.OPEN4_SHARE_ACCESS_READ, 0, false)).isNotNull();
    }

    @Test
    void downgradeNarrowsAndCloseForgets() {
        NfsClient c = mount(sm, "host-l");
        OpenState os = sm.open(c, owner(c, "o"), FILE, 3, 0, false);
        assertStatus(() -> sm.downgrade(c, FILE, os.stateid(), 3, 1), NFS4ERR_INVAL);
        Stateid4 down = sm.downgrade(c, FILE, os.stateid(), 1, 0);
        assertThat(os.access()).isEqualTo(1);
        sm.close(c, FILE, down);
        assertStatus(() -> sm.check(c, FILE, down), NFS4ERR_BAD_STATEID);
        assertThat(sm.isOpen(FILE)).isFalse();
    }

    @Test
    void lastCloseOfAHiddenFileReleasesItsHiddenName() {
        NfsClient c = mount(sm, "host-m");
        OpenState a = sm.open(c, owner(c, "a"), FILE, 1, 0, false);
        OpenState b = sm.open(c, owner(c, "b"), FILE, 1, 0, false);
        assertThat(sm.hide(FILE, "h")).isTrue();
        assertThat(sm.isHidden(FILE)).isTrue();
        assertThat(sm.close(c, FILE, a.stateid()).hiddenName()).isNull();
        assertThat(sm.close(c, FILE, b.stateid()).hiddenName()).isEqualTo("h");
        assertThat(sm.hide(FILE, "again")).as("not open any more").isFalse();
    }

    @Test
    void aCloseSaysWhetherItWasTheClientsLastOpenOfTheFile() {
        NfsClient c = mount(sm, "host-roc");
        NfsClient other = mount(sm, "host-roc-other");
        OpenState a = sm.open(c, owner(c, "a"), FILE, 1, 0, false);
        OpenState b = sm.open(c, owner(c, "b"), FILE, 2, 0, false);
        OpenState o = sm.open(other, owner(other, "o"), FILE, 1, 0, false);
        assertThat(sm.close(c, FILE, a.stateid()).lastOfClient()).as("b is still open").isFalse();
        assertThat(sm.close(c, FILE, b.stateid()).lastOfClient()).as("another client's open does not count")
                .isTrue();
        assertThat(sm.close(other, FILE, o.stateid()).lastOfClient()).isTrue();
    }

    // ---- locks -------------------------------------------------------------------------------------

    private LockArgs firstLock(OpenState os, String lockOwner, int type, long off, long len) {
        return new LockArgs(type, false, off, len, new LockArgs.OpenToLockOwner(0, os.stateid(), 0,
                new StateOwner4(os.client().clientid(), bytes(lockOwner))), null);
    }

    @Test
    void conflictingLockIsDeniedWithTheHolder() {
        NfsClient c1 = mount(sm, "p1");
        NfsClient c2 = mount(sm, "p2");
        OpenState o1 = sm.open(c1, owner(c1, "o"), FILE, 3, 0, false);
        OpenState o2 = sm.open(c2, owner(c2, "o"), FILE, 3, 0, false);
        StateManager.LockOutcome held = sm.lock(c1, FILE, firstLock(o1, "pid1", Nfs4.WRITE_LT, 0, -1L));
        assertThat(held.stateid().seqid()).isEqualTo(1);
        StateManager.LockOutcome denied = sm.lock(c2, FILE, firstLock(o2, "pid2", Nfs4.READ_LT, 10, 5));
        assertThat(denied.stateid()).isNull();
        LockDenied d = denied.denied();
        assertThat(d.offset()).isZero();
        assertThat(d.length()).isEqualTo(-1L);
        assertThat(d.locktype()).isEqualTo(Nfs4.WRITE_LT);
        assertThat(d.owner().owner()).isEqualTo(bytes("pid1"));
        assertThat(sm.testLock(c2, FILE, Nfs4.READ_LT, 0, 1, new StateOwner4(c2.clientid(), bytes("pid2"))))
                .isNotNull();
        assertThat(sm.testLock(c1, FILE, Nfs4.WRITE_LT, 0, 1, new StateOwner4(c1.clientid(), bytes("pid1"))))
                .as("own locks do not conflict").isNull();

        Stateid4 unlocked = sm.unlock(c1, FILE, held.stateid(), 0, -1L);
        assertThat(unlocked.seqid()).isEqualTo(2);
        assertThat(sm.lock(c2, FILE, firstLock(o2, "pid2", Nfs4.READ_LT, 10, 5)).stateid()).isNotNull();
    }

    @Test
    void clientsDeniedABlockingLockAreRememberedOnce() {
        NfsClient c1 = mount(sm, "w1");
        NfsClient c2 = mount(sm, "w2");
        OpenState o1 = sm.open(c1, owner(c1, "o"), FILE, 3, 0, false);
        OpenState o2 = sm.open(c2, owner(c2, "o"), FILE, 3, 0, false);
        sm.lock(c1, FILE, firstLock(o1, "holder", Nfs4.WRITE_LT, 0, -1L));
        assertThat(sm.lock(c2, FILE, firstLock(o2, "poller", Nfs4.WRITE_LT, 0, 1)).denied()).isNotNull();
        assertThat(sm.takeWaiters(FILE)).as("a non-blocking request does not wait").isEmpty();
        sm.lock(c2, FILE, firstLock(o2, "waiter", Nfs4.WRITEW_LT, 0, 1));
        sm.lock(c2, FILE, firstLock(o2, "waiter", Nfs4.WRITEW_LT, 0, 1));
        assertThat(sm.takeWaiters(FILE)).extracting(StateManager.Waiter::client).containsExactly(c2);
        assertThat(sm.takeWaiters(FILE)).isEmpty();
        sm.lock(c2, FILE, firstLock(o2, "waiter", Nfs4.WRITEW_LT, 0, 1));
        sm.close(c1, FILE, o1.stateid());
        assertThat(sm.drainUnlocked()).as("the holder's close released the lock").containsExactly(FILE);
    }

    @Test
    void existingLockOwnerLocksMoreAndStateidMovesOn() {
        NfsClient c = mount(sm, "p3");
        OpenState os = sm.open(c, owner(c, "o"), FILE, 3, 0, false);
        Stateid4 s1 = sm.lock(c, FILE, firstLock(os, "pid", Nfs4.READ_LT, 0, 10)).stateid();
        Stateid4 s2 = sm.lock(c, FILE, new LockArgs(Nfs4.WRITE_LT, false, 100, 10, null,
                new LockArgs.ExistLockOwner(s1, 0))).stateid();
        assertThat(s2).isEqualTo(s1.withSeqid(2));
        assertStatus(() -> sm.lock(c, FILE, new LockArgs(Nfs4.WRITE_LT, false, 0, 1, null,
                new LockArgs.ExistLockOwner(s1, 0))), NFS4ERR_OLD_STATEID);
    }

    @Test
    void writeLockNeedsAnOpenForWriting() {
        NfsClient c = mount(sm, "p4");
        OpenState ro = sm.open(c, owner(c, "o"), FILE, Nfs4.OPEN4_SHARE_ACCESS_READ, 0, false);
        assertStatus(() -> sm.lock(c, FILE, firstLock(ro, "pid", Nfs4.WRITE_LT, 0, 1)), NFS4ERR_OPENMODE);
        assertThat(sm.lock(c, FILE, firstLock(ro, "pid", Nfs4.READ_LT, 0, 1)).stateid()).isNotNull();
    }

    @Test
    void badRangesAreInvalid() {
        NfsClient c = mount(sm, "p5");
        OpenState os = sm.open(c, owner(c, "o"), FILE, 3, 0, false);
        assertStatus(() -> sm.lock(c, FILE, firstLock(os, "pid", Nfs4.READ_LT, 0, 0)), NFS4ERR_INVAL);
        assertStatus(() -> sm.lock(c, FILE, firstLock(os, "pid", Nfs4.READ_LT, -10L, 20)), NFS4ERR_INVAL);
        assertStatus(() -> sm.lock(c, FILE, firstLock(os, "pid", 9, 0, 1)), NFS4ERR_INVAL);
    }

    @Test
    void freeStateidOnlyForLockStatesWithoutLocks() {
        NfsClient c = mount(sm, "p6");
        OpenState os = sm.open(c, owner(c, "o"), FILE, 3, 0, false);
        Stateid4 ls = sm.lock(c, FILE, firstLock(os, "pid", Nfs4.WRITE_LT, 0, 10)).stateid();
        assertStatus(() -> sm.free(c, ls), NFS4ERR_LOCKS_HELD);
        assertStatus(() -> sm.free(c, os.stateid()), NFS4ERR_LOCKS_HELD);
        Stateid4 after = sm.unlock(c, FILE, ls, 0, 10);
        sm.free(c, after);
        assertThat(sm.test(c, after)).isEqualTo(NFS4ERR_BAD_STATEID);
        assertThat(sm.test(c, os.stateid())).isEqualTo(NFS4_OK);
        assertThat(sm.test(c, Stateid4.ANONYMOUS)).isEqualTo(NFS4ERR_BAD_STATEID);
    }

    @Test
    void closeReleasesTheLocksOfItsLockOwners() {
        NfsClient c1 = mount(sm, "p7");
        NfsClient c2 = mount(sm, "p8");
        OpenState o1 = sm.open(c1, owner(c1, "o"), FILE, 3, 0, false);
        OpenState o2 = sm.open(c2, owner(c2, "o"), FILE, 3, 0, false);
        Stateid4 ls = sm.lock(c1, FILE, firstLock(o1, "pid", Nfs4.WRITE_LT, 0, -1L)).stateid();
        sm.close(c1, FILE, o1.stateid());
        assertThat(sm.test(c1, ls)).isEqualTo(NFS4ERR_BAD_STATEID);
        assertThat(sm.lock(c2, FILE, firstLock(o2, "pid", Nfs4.WRITE_LT, 0, -1L)).stateid()).isNotNull();
    }

    // ---- grace -------------------------------------------------------------------------------------

    @Test
    void afterARestartKnownClientsReclaimAndOthersWait() {
        NfsClient before = mount(sm, "survivor");
        sm.open(before, owner(before, "o"), FILE, 3, 0, false);
        StateManager next = newManager(2);
        assertThat(next.inGrace()).isTrue();

        NfsClient back = mount(next, "survivor");
        NfsClient fresh = mount(next, "newcomer");
        assertStatus(() -> next.open(fresh, owner(fresh, "o"), OTHER_FILE, 1, 0, false), NFS4ERR_GRACE);
        assertStatus(() -> next.open(fresh, owner(fresh, "o"), OTHER_FILE, 1, 0, true), NFS4ERR_NO_GRACE);
        assertThat(next.open(back, owner(back, "o"), FILE, 3, 0, true)).isNotNull();
        next.reclaimComplete(back);
        assertThat(next.inGrace()).as("every previous client completed").isFalse();
        assertStatus(() -> next.reclaimComplete(back), NFS4ERR_COMPLETE_ALREADY);
        assertStatus(() -> next.open(back, owner(back, "p"), FILE, 1, 0, true), NFS4ERR_NO_GRACE);
        assertThat(next.open(fresh, owner(fresh, "o"), OTHER_FILE, 1, 0, false)).isNotNull();
    }

    @Test
    void graceEndsTwoLeasesAfterTheServerListensWithoutReclaims() {
        mount(sm, "gone-for-good");
        StateManager next = new StateManager(2, sm.options(), records, now::get);
        next.start();
        now.addAndGet(10 * LEASE.toNanos());
        assertThat(next.inGrace()).as("a slow start does not eat the grace period").isTrue();
        next.serving();
        now.addAndGet(2 * LEASE.toNanos() - 1);
        assertThat(next.inGrace()).isTrue();
        now.addAndGet(2);
        assertThat(next.inGrace()).isFalse();
    }

    @Test
    void noGraceWhenNoClientHeldState() {
        assertThat(sm.inGrace()).isFalse();
        NfsClient c = mount(sm, "x");
        sm.destroySession(sessionOf(c).id());
        sm.destroyClientid(c.clientid());
        assertThat(newManager(2).inGrace()).as("the record went with DESTROY_CLIENTID").isFalse();
    }
}
