package io.nacre.meta;

import static org.assertj.core.api.Assertions.assertThat;

import io.nacre.engine.Caller;
import io.nacre.engine.Fid;
import io.nacre.engine.meta.CreateSpec;
import io.nacre.engine.meta.SetAttr;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A leader that stops for a while (SIGSTOP, as in a long GC pause) comes back still believing it leads,
 * while the others have elected a new leader and committed changes without it. A read it is asked right
 * away must not answer from its own, stale, state: its ReadIndex heartbeats are answered with a newer
 * term, it steps down, and the read is served at the new leader's read index.
 */
class DeposedLeaderTest {

    @Test
    void aLeaderBackFromAPauseDoesNotAnswerReadsWithWhatItKnewBefore(@TempDir Path dir) throws Exception {
        List<Peer> peers = Cluster.peers(3);
        List<PeerProcess> procs = new ArrayList<>();
        try {
            PeerProcess.startGroup(dir, peers, procs);
            // Deadlines cover elections among JVMs on a loaded 2-core machine: what is tested is what a read
            // answers, not how fast the group recovers.
            Duration deadline = Duration.ofSeconds(120);
            try (MetadataClient mds = MetadataClient.builder().peers(peers).timeout(deadline).build()) {
                TestServers.registerOsts(mds, 2);
                Fid f = mds.create(Caller.ROOT, Fid.ROOT, "f", CreateSpec.file(0600)).attr().fid();
                // Without this a follower slow to start may hold no entry yet when the leader stops, and
                // Ratis does not count the vote of a peer with an empty log (RATIS-1995): no new leader.
                mds.awaitEveryPeerCaughtUp();
                String leader = mds.leaderId().toString();
                PeerProcess old = procs.stream().filter(p -> p.peer.id().equals(leader)).findFirst().orElseThrow();
                List<Peer> others = peers.stream().filter(p -> !p.id().equals(leader)).toList();
                // A client that knows only the old leader, as a gateway would that found it leading.
                try (MetadataClient nextToOld = MetadataClient.builder().peers(List.of(old.peer)).timeout(deadline).build();
                     MetadataClient elsewhere = MetadataClient.builder().peers(others).timeout(deadline).build()) {
                    assertThat(nextToOld.getattr(f).mode() & 07777).isEqualTo(0600);

                    old.pause();
                    try {
                        elsewhere.setattr(Caller.ROOT, f, SetAttr.builder().mode(0644).build());
                        assertThat(elsewhere.leaderId().toString()).isNotEqualTo(leader);
                    } finally {
                        old.resume();
                    }

                    // Whoever answers (the old leader once it has stepped down and caught up, or the new one)
                    // must answer with the change the new leader committed.
                    assertThat(nextToOld.getattr(f).mode() & 07777).isEqualTo(0644);
                }
            }
        } catch (Throwable t) {
            PeerProcess.attachLogs(t, procs);
            throw t;
        } finally {
            for (PeerProcess p : procs) {
                p.close();
            }
        }
    }
}
