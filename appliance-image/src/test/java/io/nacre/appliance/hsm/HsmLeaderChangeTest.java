package io.nacre.appliance.hsm;

import static org.assertj.core.api.Assertions.assertThat;

import io.nacre.appliance.fileio.Poll;
import io.nacre.engine.Caller;
import io.nacre.engine.Fid;
import io.nacre.engine.hsm.HsmAction;
import io.nacre.engine.hsm.HsmAgent;
import io.nacre.engine.hsm.HsmConfig;
import io.nacre.engine.hsm.HsmEvents;
import io.nacre.engine.hsm.HsmRequest;
import io.nacre.engine.io.Destroyer;
import io.nacre.engine.io.FileIo;
import io.nacre.engine.meta.ChangelogRecord;
import io.nacre.engine.meta.CreateSpec;
import io.nacre.engine.store.Durability;
import io.nacre.meta.MetadataClient;
import io.nacre.meta.MetadataServer;
import io.nacre.meta.Peer;
import io.nacre.ost.LocalObjectStore;
import io.nacre.ost.Ost;
import io.nacre.ost.OstOptions;
import io.nacre.s3.copytool.S3Copytool;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * HSM over a three-peer MDS whose leader goes away while requests are queued and running: every request
 * completes, each once, and the files archived and restored under the new leader read back the same. Once
 * with s3proxy as the archive, once with another Nacre's S3 gateway.
 *
 * <p>Tagged heavy (about a minute per archive on a loaded 2-core machine, mostly JVM and server starts);
 * the default run covers the same guarantees at the coordinator ({@code HsmCoordinatorTest},
 * {@code HsmFailoverTest} in raft-meta).
 */
@Tag("heavy")
class HsmLeaderChangeTest {

    static final Duration WAIT = Duration.ofSeconds(120);

    @TempDir
    Path dir;

    static List<Peer> freePeers(int n) throws IOException {
        List<Peer> out = new ArrayList<>();
        List<ServerSocket> held = new ArrayList<>();
        try {
            for (int i = 0; i < n; i++) {
                ServerSocket s = new ServerSocket();
                s.bind(new InetSocketAddress("127.0.0.1", 0));
                held.add(s);
                out.add(new Peer("mds" + i, "127.0.0.1:" + s.getLocalPort()));
            }
        } finally {
            for (ServerSocket s : held) {
                s.close();
            }
        }
        return out;
    }

    @ParameterizedTest(name = "archive: {0}")
    @EnumSource(ArchiveServer.Kind.class)
    void theLeaderGoingAwayMidQueueLosesNoRequestAndCompletesEachOnce(ArchiveServer.Kind kind) throws Exception {
        List<Peer> peers = freePeers(3);
        List<Ost> osts = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            osts.add(Ost.open(dir.resolve("ost" + i), i, OstOptions.defaults()));
        }
        MetadataServer[] servers = new MetadataServer[3];
        try (ArchiveServer archive = kind.start(dir.resolve("archive"));
             LocalObjectStore store = new LocalObjectStore(osts);
             AutoCloseable stopServers = () -> {
                 for (MetadataServer s : servers) {
                     if (s != null) {
                         s.close();
                     }
                 }
             }) {
            archive.createBucket("leader");
            for (int i = 0; i < 3; i++) {
                servers[i] = MetadataServer.builder().dataDir(dir.resolve("mds" + i)).peerId("mds" + i).peers(peers)
                        .objectStore(store).build().start();
            }
            try (MetadataClient mds = MetadataClient.connect(peers);
                 FileIo io = FileIo.builder(mds, store).build();
                 Destroyer destroyer = Destroyer.builder(io).interval(Duration.ofMillis(100)).build();
                 S3Copytool copytool = new S3Copytool(archive.archive(1, "leader").build())) {
                for (Ost o : osts) {
                    mds.registerOst(o.info());
                }
                destroyer.start();
                // An answer lost in the failover costs at most this before the request is handed out again.
                mds.hsmConfigure(Caller.ROOT, new HsmConfig(Duration.ofSeconds(8), 5, Duration.ofMinutes(10), 1, 0));
                long from = mds.changelogRegister("audit");
                Fid d = mds.create(Caller.ROOT, Fid.ROOT, "d", CreateSpec.directory(0755)).attr().fid();
                Map<Fid, byte[]> files = new HashMap<>();
                List<HsmRequest> archives = new ArrayList<>();
                for (int i = 0; i < 24; i++) {
                    Fid f = mds.create(Caller.ROOT, d, "f" + i, CreateSpec.file(0644)).attr().fid();
                    byte[] data = ("file " + i + " ").repeat(5000 + i).getBytes(StandardCharsets.UTF_8);
                    io.write(f, 0, ByteBuffer.wrap(data), Durability.STABLE);
                    files.put(f, data);
                    archives.add(mds.hsmSubmit(Caller.ROOT, HsmAction.ARCHIVE, f, 0, 0));
                }
                try (HsmAgent agent = HsmAgent.builder(mds, io, copytool).maxActions(2).pollInterval(Duration.ofMillis(50))
                        .build().start()) {
                    Poll.until(WAIT, "some archives are done", () -> succeeded(mds, archives) >= 4);
                    int leader = leader(servers);
                    servers[leader].close();
                    servers[leader] = null;
                    Poll.until(WAIT, "every archive is done under the new leader", () -> succeeded(mds, archives) == 24);

                    // Release and read back half of them: restores run under the new leader.
                    List<Fid> released = new ArrayList<>(files.keySet()).subList(0, 12);
                    for (Fid f : released) {
                        io.release(Caller.ROOT, f);
                    }
                    for (Fid f : released) {
                        assertThat(HsmTesting.readAll(io, f)).isEqualTo(files.get(f));
                    }
                }
                Map<Fid, Integer> archivedOk = new HashMap<>();
                Map<Fid, Integer> restoredOk = new HashMap<>();
                for (ChangelogRecord r : mds.changelog(from, 4096)) {
                    if (r.type() == ChangelogRecord.Type.HSM && HsmEvents.error(r.flags()) == 0) {
                        if (HsmEvents.event(r.flags()) == HsmEvents.Event.ARCHIVE) {
                            archivedOk.merge(r.target(), 1, Integer::sum);
                        } else if (HsmEvents.event(r.flags()) == HsmEvents.Event.RESTORE) {
                            restoredOk.merge(r.target(), 1, Integer::sum);
                        }
                    }
                }
                assertThat(archivedOk).hasSize(24).allSatisfy((f, n) -> assertThat(n).isEqualTo(1));
                assertThat(restoredOk).hasSize(12).allSatisfy((f, n) -> assertThat(n).isEqualTo(1));
            }
        }
    }

    static long succeeded(MetadataClient mds, List<HsmRequest> requests) {
        long n = 0;
        for (HsmRequest r : requests) {
            if (mds.hsmRequests(r.fid()).stream().anyMatch(q -> q.id() == r.id() && q.state() == HsmRequest.State.SUCCEEDED)) {
                n++;
            }
        }
        return n;
    }

    static int leader(MetadataServer[] servers) {
        int[] found = {-1};
        Poll.until(WAIT, "a leader is elected", () -> {
            for (int i = 0; i < servers.length; i++) {
                if (servers[i] != null && servers[i].isLeader()) {
                    found[0] = i;
                    return true;
                }
            }
            return false;
        });
        return found[0];
    }

}
