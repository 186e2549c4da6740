package io.nacre.meta;

import static org.assertj.core.api.Assertions.assertThat;

import io.nacre.engine.Caller;
import io.nacre.engine.Fid;
import io.nacre.engine.NacreException;
import io.nacre.engine.Status;
import io.nacre.engine.hsm.HsmAction;
import io.nacre.engine.hsm.HsmEvents;
import io.nacre.engine.hsm.HsmOutcome;
import io.nacre.engine.hsm.HsmRequest;
import io.nacre.engine.hsm.HsmStatus;
import io.nacre.engine.hsm.HsmWork;
import io.nacre.engine.meta.Attr;
import io.nacre.engine.meta.ChangelogRecord;
import io.nacre.engine.meta.CreateSpec;
import io.nacre.engine.meta.HsmState;
import io.nacre.engine.meta.MetadataService;
import io.nacre.engine.meta.SetAttr;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The coordinator's queue is replicated state: it survives restarts and leader changes, nothing lost or done twice. */
class HsmFailoverTest {

    private static List<Fid> files(MetadataService mds, int n) {
        Fid d = mds.create(Caller.ROOT, Fid.ROOT, "d", CreateSpec.directory(0755)).attr().fid();
        List<Fid> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Fid f = mds.create(Caller.ROOT, d, "f" + i, CreateSpec.file(0644)).attr().fid();
            mds.dataWritten(f, 100 + i, SetAttr.SERVER_TIME);
            out.add(f);
        }
        return out;
    }

    @Test
    void theQueueSurvivesARestart(@TempDir Path dir) {
        List<Fid> fs;
        try (MetadataServer s = TestServers.single(dir); MetadataClient mds = MetadataClient.connect(s.peers())) {
            TestServers.registerOsts(mds, 2);
            fs = files(mds, 5);
            for (Fid f : fs) {
                mds.hsmSubmit(Caller.ROOT, HsmAction.ARCHIVE, f, 0, 0);
            }
            assertThat(mds.hsmFetch("a", Set.of(1), 2)).hasSize(2);
        }
        try (MetadataServer s = TestServers.single(dir); MetadataClient mds = MetadataClient.connect(s.peers())) {
            HsmStatus st = mds.hsmStatus(10);
            assertThat(st.started()).isEqualTo(2);
            assertThat(st.waiting()).isEqualTo(3);
            assertThat(st.requests()).hasSize(5);
            assertThat(mds.hsmFetch("b", Set.of(1), 10)).hasSize(3);
        }
    }

    @Test
    void aLeaderChangeMidQueueLosesNoRequestAndCompletesEachOnce(@TempDir Path dir) throws Exception {
        int n = 60;
        try (Cluster cluster = new Cluster(dir, 3, 100_000); MetadataClient mds = cluster.client()) {
            TestServers.registerOsts(mds, 2);
            // A fetch whose answer a failover loses goes back to the queue after this.
            mds.hsmConfigure(Caller.ROOT, new io.nacre.engine.hsm.HsmConfig(Duration.ofSeconds(5), 5, Duration.ofMinutes(1),
                    1, 0));
            long from = mds.changelogRegister("audit");
            List<Fid> fs = files(mds, n);
            Map<Long, Fid> requests = new HashMap<>();
            for (Fid f : fs) {
                HsmRequest r = mds.hsmSubmit(Caller.ROOT, HsmAction.ARCHIVE, f, 0, 0);
                requests.put(r.id(), f);
            }
            Map<Long, Integer> completedBy = new ConcurrentHashMap<>();
            AtomicBoolean stop = new AtomicBoolean();
            List<Thread> agents = new ArrayList<>();
            for (String name : List.of("a1", "a2")) {
                agents.add(Thread.ofVirtual().start(() -> agentLoop(mds, name, stop, completedBy)));
            }
            Cluster.await(Duration.ofSeconds(60), () -> completedBy.size() >= n / 3);
            int leader = cluster.leader();
            cluster.stop(leader);
            Cluster.await(Duration.ofSeconds(120), () -> requests.keySet().stream()
                    .allMatch(id -> mds.hsmRequests(requests.get(id)).stream()
                            .anyMatch(r -> r.id() == id && r.state() == HsmRequest.State.SUCCEEDED)));
            stop.set(true);
            for (Thread t : agents) {
                t.join();
            }
            for (Fid f : fs) {
                assertThat(mds.getattr(f).hsm().has(HsmState.ARCHIVED)).isTrue();
            }
            Map<Fid, Integer> archivedRecords = new HashMap<>();
            long next = from;
            while (true) {
                List<ChangelogRecord> page = mds.changelog(next, 4096);
                if (page.isEmpty()) {
                    break;
                }
                for (ChangelogRecord r : page) {
                    if (r.type() == ChangelogRecord.Type.HSM && HsmEvents.event(r.flags()) == HsmEvents.Event.ARCHIVE
                            && HsmEvents.error(r.flags()) == 0) {
                        archivedRecords.merge(r.target(), 1, Integer::sum);
                    }
                }
                next = page.get(page.size() - 1).index() + 1;
            }
            assertThat(archivedRecords).hasSize(n);
            assertThat(archivedRecords.values()).allMatch(c -> c == 1);
        }
    }

    /** Fetches and completes until told to stop, riding out the failover (calls that fail are retried). */
    private static void agentLoop(MetadataService mds, String name, AtomicBoolean stop, Map<Long, Integer> completedBy) {
        while (!stop.get()) {
            try {
                for (HsmWork w : mds.hsmFetch(name, Set.of(1), 4)) {
                    Attr a = mds.getattr(w.fid());
                    HsmOutcome ok = new HsmOutcome.Archived("s3://b/" + w.fid().toHex(), "sha256:00", a.size(),
                            a.dataVersion());
                    try {
                        mds.hsmComplete(name, w.requestId(), w.attempt(), ok);
                        completedBy.merge(w.requestId(), 1, Integer::sum);
                    } catch (NacreException e) {
                        if (e.status() != Status.STALE) {
                            throw e;
                        }
                    }
                }
            } catch (NacreException e) {
                if (e.status() != Status.UNAVAILABLE && e.status() != Status.DELAY) {
                    throw e;
                }
            }
        }
    }
}
