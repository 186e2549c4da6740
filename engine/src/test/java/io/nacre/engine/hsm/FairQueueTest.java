package io.nacre.engine.hsm;

import static org.assertj.core.api.Assertions.assertThat;

import io.nacre.engine.Fid;
import io.nacre.engine.Status;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class FairQueueTest {

    private static HsmRequest req(long id, HsmAction a, int uid) {
        return new HsmRequest(id, a, new Fid(Fid.FIRST_NORMAL_SEQ, (int) id, 0), 1, HsmRequest.State.WAITING, uid, 0, 0,
                "", 0, 0, 0, 0, 0, (Status) null, "", null);
    }

    @Test
    void aStormFromOneUserTakesOneTurnAmongTheOthers() {
        List<HsmRequest> waiting = new ArrayList<>();
        for (int i = 1; i <= 1000; i++) {
            waiting.add(req(i, HsmAction.RESTORE, 1000));
        }
        waiting.add(req(1001, HsmAction.RESTORE, 2000));
        waiting.add(req(1002, HsmAction.ARCHIVE, 0));
        List<HsmRequest> picked = FairQueue.pick(waiting, 4);
        assertThat(picked).extracting(HsmRequest::id).containsExactly(1L, 1001L, 1002L, 2L);
    }

    @Test
    void restoresGoFirstEachTurnAndEachClassIsFirstInFirstOut() {
        List<HsmRequest> waiting = List.of(req(1, HsmAction.ARCHIVE, 0), req(2, HsmAction.ARCHIVE, 0),
                req(3, HsmAction.REMOVE, 0), req(4, HsmAction.RESTORE, 5), req(5, HsmAction.RESTORE, 5));
        assertThat(FairQueue.pick(waiting, 10)).extracting(HsmRequest::id).containsExactly(4L, 3L, 1L, 5L, 2L);
        assertThat(FairQueue.pick(waiting, 2)).extracting(HsmRequest::id).containsExactly(4L, 3L);
        assertThat(FairQueue.pick(List.of(), 3)).isEmpty();
    }

    @Test
    void changelogFlagsFollowLustresLayout() {
        long f = HsmEvents.flags(HsmEvents.Event.STATE, 0, false);
        assertThat(f).isEqualTo(0x280);
        long g = HsmEvents.flags(HsmEvents.Event.RESTORE, HsmEvents.errno(Status.IO), true);
        assertThat(HsmEvents.event(g)).isEqualTo(HsmEvents.Event.RESTORE);
        assertThat(HsmEvents.error(g)).isEqualTo(5);
        assertThat(HsmEvents.dirty(g)).isTrue();
    }
}
