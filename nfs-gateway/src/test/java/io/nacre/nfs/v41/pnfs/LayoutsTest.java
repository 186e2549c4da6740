package io.nacre.nfs.v41.pnfs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import io.nacre.engine.Fid;
import io.nacre.nfs.v41.NfsException;
import io.nacre.nfs.v41.NfsStatuses;
import io.nacre.nfs.v41.state.ClientRecords;
import io.nacre.nfs.v41.state.NfsClient;
import io.nacre.nfs.v41.state.StateManager;
import io.nacre.nfs.v41.xdr.Nfs4;
import io.nacre.nfs.v41.xdr.Nfs4Status;
import io.nacre.nfs.v41.xdr.Stateid4;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class LayoutsTest {

    private static final int RW = Nfs4.LAYOUTIOMODE4_RW;
    private static final int READ = Nfs4.LAYOUTIOMODE4_READ;
    private static final Stateid4 OPEN = new Stateid4(1, 77, 5);

    private final StateManager state = new StateManager(77, StateManager.Options.defaults(), ClientRecords.inMemory(),
            System::nanoTime);
    private final Set<NfsClient> gone = new HashSet<>();
    private final Layouts layouts = new Layouts(77, c -> !gone.contains(c));
    private final Fid file = new Fid(0x200000400L, 1, 0);

    private NfsClient client(String name) {
        return state.exchangeId(name.getBytes(), 1, false, "p", Nfs4.EXCHGID4_FLAG_USE_PNFS_MDS).client();
    }

    private static int status(Runnable r) {
        return NfsStatuses.of(r);
    }

    @Test
    void layoutStateidsAreNeitherSpecialNorOpenStateids() {
        NfsClient c = client("a");
        Stateid4 s = layouts.grant(c, file, OPEN, RW, 0, -1L);
        assertThat(Layouts.isLayoutStateid(s)).isTrue();
        assertThat(Layouts.isLayoutStateid(OPEN)).isFalse();
        assertThat(Layouts.isLayoutStateid(Stateid4.ANONYMOUS)).isFalse();
        assertThat(Layouts.isLayoutStateid(Stateid4.BYPASS)).isFalse();
        assertThat(s.seqid()).isEqualTo(1);
        assertThat(s.epoch()).isEqualTo(77);
    }

    @Test
    void laterLayoutGetsMoveTheSeqidOfTheSameStateid() {
        NfsClient c = client("a");
        Stateid4 first = layouts.grant(c, file, OPEN, READ, 0, -1L);
        Stateid4 second = layouts.grant(c, file, first, RW, 0, -1L);
        assertThat(second.id()).isEqualTo(first.id());
        assertThat(second.seqid()).isEqualTo(2);
        // an open stateid again finds the same layout state
        assertThat(layouts.grant(c, file, OPEN, READ, 0, 4096).id()).isEqualTo(first.id());
        // a seqid from the future is bad
        assertThat(status(() -> layouts.check(c, file, second.withSeqid(9)))).isEqualTo(Nfs4Status.NFS4ERR_BAD_STATEID);
    }

    @Test
    void anotherClientOrFileCannotUseTheStateid() {
        NfsClient a = client("a");
        NfsClient b = client("b");
        Stateid4 s = layouts.grant(a, file, OPEN, RW, 0, -1L);
        assertThat(status(() -> layouts.check(b, file, s))).isEqualTo(Nfs4Status.NFS4ERR_BAD_STATEID);
        assertThat(status(() -> layouts.check(a, new Fid(0x200000400L, 2, 0), s)))
                .isEqualTo(Nfs4Status.NFS4ERR_BAD_STATEID);
        assertThat(status(() -> layouts.check(a, file, new Stateid4(s.seqid(), 78, s.id()))))
                .isEqualTo(Nfs4Status.NFS4ERR_BAD_STATEID);
    }

    @Test
    void onlyWriteLayoutsAreReturnOnCloseAndAStateHoldingOneIsFoundAtTheLastClose() {
        assertThat(Layouts.returnOnClose(RW)).isTrue();
        assertThat(Layouts.returnOnClose(READ)).isFalse();
        NfsClient a = client("a");
        NfsClient b = client("b");
        Stateid4 read = layouts.grant(a, file, OPEN, READ, 0, -1L);
        assertThat(layouts.unreturnedAtClose(a, file)).as("a read layout stays cached").isNull();
        Stateid4 rw = layouts.grant(a, file, read, RW, 0, -1L);
        Layouts.Recalled left = layouts.unreturnedAtClose(a, file);
        assertThat(left.stateid().id()).isEqualTo(rw.id());
        assertThat(layouts.unreturnedAtClose(b, file)).as("another client's").isNull();
        // returned at close (Linux: LAYOUTRETURN of RW in the CLOSE compound): nothing left to end
        layouts.returnRange(a, file, rw, RW, 0, -1L);
        assertThat(layouts.unreturnedAtClose(a, file)).isNull();
        assertThat(layouts.held(file)).as("the read segment").isTrue();
    }

    @Test
    void aFileIsWriteHeldWhileSomeClientHoldsAWriteSegment() {
        NfsClient a = client("a");
        NfsClient b = client("b");
        Stateid4 read = layouts.grant(a, file, OPEN, READ, 0, -1L);
        assertThat(layouts.writeHeld(file)).isFalse();
        Stateid4 rw = layouts.grant(b, file, OPEN, RW, 0, 1 << 20);
        assertThat(layouts.writeHeld(file)).isTrue();
        assertThat(layouts.writeHeld(new Fid(0x200000400L, 2, 0))).isFalse();
        layouts.returnRange(b, file, rw, RW, 0, -1L);
        assertThat(layouts.writeHeld(file)).isFalse();
        assertThat(layouts.held(file)).isTrue();
        layouts.returnRange(a, file, read, Nfs4.LAYOUTIOMODE4_ANY, 0, -1L);
        assertThat(layouts.held(file)).isFalse();
    }

    @Test
    void returningEverySegmentEndsTheState() {
        NfsClient c = client("a");
        Stateid4 s = layouts.grant(c, file, OPEN, READ, 0, 1 << 20);
        s = layouts.grant(c, file, s, RW, 1 << 20, -1L);
        // a READ return leaves the RW segment
        Stateid4 left = layouts.returnRange(c, file, s, READ, 0, -1L);
        assertThat(left).isNotNull();
        assertThat(layouts.held(file)).isTrue();
        // a range that does not cover the segment leaves it too
        left = layouts.returnRange(c, file, left, Nfs4.LAYOUTIOMODE4_ANY, 2 << 20, -1L);
        assertThat(left).isNotNull();
        assertThat(layouts.returnRange(c, file, left, Nfs4.LAYOUTIOMODE4_ANY, 0, -1L)).isNull();
        assertThat(layouts.held(file)).isFalse();
        Stateid4 old = left;
        assertThat(status(() -> layouts.check(c, file, old))).isEqualTo(Nfs4Status.NFS4ERR_BAD_STATEID);
    }

    @Test
    void aRecallRefusesNewLayoutsUntilItEnds() {
        NfsClient a = client("a");
        Stateid4 s = layouts.grant(a, file, OPEN, RW, 0, -1L);
        List<Layouts.Recalled> recalled = layouts.beginRecall(file);
        assertThat(recalled).hasSize(1);
        assertThat(recalled.get(0).stateid().seqid()).isEqualTo(s.seqid() + 1);
        assertThatThrownBy(() -> layouts.grant(a, file, OPEN, READ, 0, -1L))
                .isInstanceOfSatisfying(NfsException.class,
                        e -> assertThat(e.status()).isEqualTo(Nfs4Status.NFS4ERR_RECALLCONFLICT));
        assertThat(layouts.returnRange(a, file, recalled.get(0).stateid(), Nfs4.LAYOUTIOMODE4_ANY, 0, -1L)).isNull();
        assertThat(recalled.get(0).gone()).isDone();
        layouts.endRecall(file);
        assertThat(layouts.grant(a, file, OPEN, READ, 0, -1L)).isNotNull();
    }

    @Test
    void layoutsOfClientsThatAreGoneAreRecalledAsExpiredAndEndWithoutTheirReturn() {
        NfsClient a = client("a");
        NfsClient b = client("b");
        Stateid4 sa = layouts.grant(a, file, OPEN, RW, 0, -1L);
        layouts.grant(b, file, OPEN, READ, 0, -1L);
        gone.add(a);
        List<Layouts.Recalled> recalled = layouts.beginRecall(file);
        assertThat(recalled).extracting(Layouts.Recalled::client, Layouts.Recalled::expired)
                .containsExactlyInAnyOrder(tuple(a, true), tuple(b, false));
        // nobody is sent a recall of an expired client's layout: its seqid stays
        Layouts.Recalled expired = recalled.stream().filter(Layouts.Recalled::expired).findFirst().orElseThrow();
        assertThat(expired.stateid().seqid()).isEqualTo(sa.seqid());
        List<Fid> settled = new java.util.ArrayList<>();
        layouts.revoke(expired.state(), false, settled::add);
        assertThat(expired.gone()).isDone();
        assertThat(settled).as("what its writes left on the OSTs is recorded").containsExactly(file);
        layouts.endRecall(file);
        assertThat(layouts.held(file)).isTrue();
    }

    @Test
    void returnAllDropsEveryFileOfTheClient() {
        NfsClient a = client("a");
        NfsClient b = client("b");
        Fid other = new Fid(0x200000400L, 2, 0);
        layouts.grant(a, file, OPEN, RW, 0, -1L);
        layouts.grant(a, other, OPEN, RW, 0, -1L);
        layouts.grant(b, file, OPEN, READ, 0, -1L);
        layouts.returnAll(a, f -> {
        });
        assertThat(layouts.held(other)).isFalse();
        assertThat(layouts.held(file)).isTrue();
        assertThat(layouts.isEmpty()).isFalse();
    }
}
