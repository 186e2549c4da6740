package io.nacre.meta;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nacre.engine.Caller;
import io.nacre.engine.Fid;
import io.nacre.engine.NacreException;
import io.nacre.engine.Status;
import io.nacre.engine.hsm.ArchiveCopy;
import io.nacre.engine.hsm.HsmAction;
import io.nacre.engine.hsm.HsmConfig;
import io.nacre.engine.hsm.HsmImport;
import io.nacre.engine.hsm.HsmOutcome;
import io.nacre.engine.hsm.HsmRequest;
import io.nacre.engine.hsm.HsmWork;
import io.nacre.engine.layout.LayoutTemplate;
import io.nacre.engine.meta.HsmState;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The HSM operations and results in the log and in replies: exact round trips; garbage is INVALID, never a crash. */
class HsmCodecTest {

    private static final Caller C = Caller.of(5, 6, 9);
    private static final Fid F = new Fid(Fid.FIRST_NORMAL_SEQ, 3, 0);

    static List<Op> everyHsmOp() {
        return List.of(
                new Op.Hsm(new HsmOp.SetState(C, F, HsmState.NORELEASE, HsmState.DIRTY, 3)),
                new Op.Hsm(new HsmOp.Submit(C, HsmAction.RESTORE, F, 0, 77)),
                new Op.Hsm(new HsmOp.Release(C, F, -1)),
                new Op.Hsm(new HsmOp.Fetch("agent", 0b101, 8, List.of(3L, 1L))),
                new Op.Hsm(new HsmOp.Progress("agent", Map.of(3L, 100L))),
                new Op.Hsm(new HsmOp.Complete("agent", 3, 2, new HsmOutcome.Archived("s3://b/k", "sha256:aa", 10, 4))),
                new Op.Hsm(new HsmOp.Complete("agent", 3, 2, new HsmOutcome.Restored(Fid.HIDDEN, "r3.2"))),
                new Op.Hsm(new HsmOp.Complete("agent", 3, 2, new HsmOutcome.Removed())),
                new Op.Hsm(new HsmOp.Complete("agent", 3, 2, new HsmOutcome.Failed(Status.IO, "net"))),
                new Op.Hsm(new HsmOp.Import(C, F, "n", new HsmImport.Spec(2, "s3://b/k", "etag:x", 5, 6, 1, 2, 0640, true))),
                new Op.Hsm(new HsmOp.Configure(C, new HsmConfig(Duration.ofSeconds(5), 3, Duration.ZERO, 2, 10))));
    }

    @Test
    void everyHsmOperationSurvivesABatchRoundTrip() {
        List<Op> ops = everyHsmOp();
        Op.Batch b = Op.decodeBatch(Op.encodeBatch(9, ops));
        assertThat(b.ops()).isEqualTo(ops);
    }

    @Test
    void truncatedHsmOperationsAreInvalid() {
        byte[] good = Op.encodeBatch(1, everyHsmOp());
        for (int len = 0; len < good.length; len++) {
            byte[] cut = Arrays.copyOf(good, len);
            assertThatThrownBy(() -> Op.decodeBatch(cut)).isInstanceOfSatisfying(NacreException.class,
                    e -> assertThat(e.status()).isEqualTo(Status.INVALID));
        }
    }

    @Test
    void resultsRoundTrip() {
        HsmRequest r = new HsmRequest(4, HsmAction.ARCHIVE, F, 1, HsmRequest.State.FAILED, 7, 1, 2, "a", 3, 4, 5, 6, 7,
                Status.BUSY, "m", "s3://x/y");
        ArchiveCopy copy = new ArchiveCopy(1, "s3://b/k", "sha256:aa", 10, 4, 5, LayoutTemplate.of(2, 1 << 20, "p"), 0);
        List<Object> results = List.of(new HsmState(9, 1), r,
                new HsmCodec.WorkList(List.of(new HsmWork(4, 1, HsmAction.RESTORE, F, 1, copy, null))),
                new HsmCodec.IdSet(Set.of(1L, 5L)));
        List<Object> back = Replies.decodeResults(Replies.encodeResults(results.toArray()));
        assertThat(back).isEqualTo(results);
    }
}
