package io.nacre.meta;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nacre.engine.Caller;
import io.nacre.engine.Fid;
import io.nacre.engine.NacreException;
import io.nacre.engine.Status;
import io.nacre.engine.fault.Faults;
import io.nacre.engine.meta.ChangelogRecord;
import io.nacre.engine.meta.CreateSpec;
import io.nacre.engine.meta.DirEntry;
import io.nacre.engine.meta.FileType;
import io.nacre.engine.meta.MetadataService.RemoveKind;
import io.nacre.engine.meta.Results.Created;
import io.nacre.engine.meta.Results.Removed;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A client in the same JVM as the metadata servers hands its requests to the leader directly, with the
 * guarantees of the gRPC path: a resent change is applied once, failover finds the new leader, and a
 * client next to a follower goes to the leader over the network.
 */
class InProcessTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(3);

    private static Object send(LeaderLink link, LeaderLink.Call call) throws Exception {
        return Replies.decodeResults(link.submit(call).get().getContent().toByteArray()).get(0);
    }

    private static byte[] createRequest(Fid dir, String name) {
        return Op.encodeBatch(0, List.of(new Op.Create(Caller.ROOT, dir, name, CreateSpec.file(0644), null, null)));
    }

    @Test
    void twoFileSystemsInOneJvmKeepToThemselves(@TempDir Path dir) {
        // Same cluster name, same peer id: only the address tells the servers apart.
        try (MetadataServer a = TestServers.single(dir.resolve("a"));
             MetadataServer b = TestServers.single(dir.resolve("b"));
             MetadataClient ca = MetadataClient.connect(a.peers());
             MetadataClient cb = MetadataClient.connect(b.peers())) {
            assertThat(a.peer().id()).isEqualTo(b.peer().id());
            assertThat(ca.fsid()).isNotEqualTo(cb.fsid());
            ca.create(Caller.ROOT, Fid.ROOT, "only-in-a", CreateSpec.directory(0755));
            assertThatThrownBy(() -> cb.lookup(Caller.ROOT, Fid.ROOT, "only-in-a"))
                    .isInstanceOfSatisfying(NacreException.class, e -> assertThat(e.status()).isEqualTo(Status.NOT_FOUND));
            assertThat(ca.lookup(Caller.ROOT, Fid.ROOT, "only-in-a").type()).isNotNull();
        }
    }

    @Test
    void aPeerIdAtAnotherAddressIsNotTheLocalServer(@TempDir Path dir) {
        try (MetadataServer s = TestServers.single(dir)) {
            Peer nowhere = new Peer(s.peer().id(), "127.0.0.1:1");
            for (boolean inProcess : new boolean[] {true, false}) {
                assertThatThrownBy(() -> MetadataClient.builder().peers(List.of(nowhere)).inProcess(inProcess)
                        .timeout(Duration.ofSeconds(1)).build())
                        .isInstanceOfSatisfying(NacreException.class, e -> assertThat(e.status()).isEqualTo(Status.UNAVAILABLE));
            }
        }
    }

    @Test
    void aResentChangeIsAppliedOnceAndAnsweredWithItsFirstReply(@TempDir Path dir) throws Exception {
        try (MetadataServer s = TestServers.single(dir);
             MetadataClient mds = MetadataClient.connect(s.peers());
             LeaderLink link = new LeaderLink(MetadataServer.DEFAULT_CLUSTER, s.peers(), true, TIMEOUT, REQUEST_TIMEOUT)) {
            TestServers.registerOsts(mds, 2);
            Fid d = mds.create(Caller.ROOT, Fid.ROOT, "d", CreateSpec.directory(0755)).attr().fid();
            byte[] request = createRequest(d, "once");
            LeaderLink.Call call = link.write(request);

            Object first = send(link, call);
            Object again = send(link, call); // as after a lost answer: the same call id
            Object fresh = send(link, link.write(request)); // the same change as a new request

            assertThat(first).isInstanceOf(Created.class);
            assertThat(again).isEqualTo(first);
            assertThat(fresh).isInstanceOfSatisfying(NacreException.class,
                    e -> assertThat(e.status()).isEqualTo(Status.EXISTS));
            assertThat(mds.readdir(Caller.ROOT, d, 0, 100).entries()).extracting(DirEntry::name).containsExactly("once");
            assertThat(mds.changelog(0, 10_000)).filteredOn(r -> r.type() == ChangelogRecord.Type.CREAT
                    && "once".equals(r.name())).hasSize(1);
        }
    }

    /** A local leader that does not answer in time: the attempt is given up and resent, the change applied once. */
    @Test
    void anUnansweredLocalAttemptTimesOutAndIsResent(@TempDir Path dir) throws Exception {
        try (MetadataServer s = TestServers.single(dir);
             MetadataClient mds = MetadataClient.connect(s.peers());
             LeaderLink link = new LeaderLink(MetadataServer.DEFAULT_CLUSTER, s.peers(), true, TIMEOUT,
                     Duration.ofMillis(200))) {
            TestServers.registerOsts(mds, 2);
            Fid d = mds.create(Caller.ROOT, Fid.ROOT, "d", CreateSpec.directory(0755)).attr().fid();
            // the next apply takes five request timeouts
            Faults.arm("mds.apply.before_commit", new Faults.Fault(Faults.Kind.SLEEP, 1, false, 1000));
            try {
                Object created = send(link, link.write(createRequest(d, "late")));
                assertThat(created).isInstanceOf(Created.class);
            } finally {
                Faults.disarmAll();
            }
            assertThat(link.attemptsTimedOut()).isPositive();
            assertThat(mds.readdir(Caller.ROOT, d, 0, 100).entries()).extracting(DirEntry::name).containsExactly("late");
        }
    }

    @Test
    void aChangeResentToTheNextLeaderIsAnsweredFromTheLog(@TempDir Path dir) throws Exception {
        try (Cluster cluster = new Cluster(dir, 3, 100_000);
             MetadataClient mds = cluster.client();
             LeaderLink link = new LeaderLink(MetadataServer.DEFAULT_CLUSTER, cluster.peers, true, TIMEOUT,
                     REQUEST_TIMEOUT)) {
            TestServers.registerOsts(mds, 2);
            Fid d = mds.create(Caller.ROOT, Fid.ROOT, "d", CreateSpec.directory(0755)).attr().fid();
            LeaderLink.Call call = link.write(createRequest(d, "x"));
            int leader = cluster.leader();
            Object first = send(link, call);
            assertThat(link.leaderId().toString()).isEqualTo(cluster.peers.get(leader).id());

            cluster.stop(leader);
            Object again = send(link, call);

            assertThat(link.leaderId().toString()).isNotEqualTo(cluster.peers.get(leader).id());
            assertThat(first).isInstanceOf(Created.class);
            assertThat(again).isEqualTo(first);
            assertThat(mds.readdir(Caller.ROOT, d, 0, 100).entries()).extracting(DirEntry::name).containsExactly("x");
        }
    }

    @Test
    void aClientNextToAFollowerGoesToTheLeaderOverTheNetwork(@TempDir Path dir) throws Exception {
        try (Cluster cluster = new Cluster(dir, 3, 100_000)) {
            int leader = cluster.leader();
            Peer follower = cluster.peers.get((leader + 1) % 3);
            try (MetadataClient mds = MetadataClient.builder().peers(List.of(follower)).build()) {
                Fid d = mds.create(Caller.ROOT, Fid.ROOT, "d", CreateSpec.directory(0755)).attr().fid();
                assertThat(mds.getattr(d).isDir()).isTrue();
                assertThat(mds.leaderId().toString()).isEqualTo(cluster.peers.get(leader).id());
            }
        }
    }

    private static Status failure(CompletableFuture<?> f) throws Exception {
        try {
            f.get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            assertThat(e.getCause()).isInstanceOf(NacreException.class);
            return ((NacreException) e.getCause()).status();
        }
        throw new AssertionError("the future did not fail");
    }

    /** removeAsync returns before the change is applied and answers what remove answers, errors alike. */
    @Test
    void anAsyncRemoveReturnsAtOnceAndAnswersAsRemove(@TempDir Path dir) throws Exception {
        try (MetadataServer s = TestServers.single(dir);
             MetadataClient mds = MetadataClient.connect(s.peers())) {
            TestServers.registerOsts(mds, 2);
            Fid d = mds.create(Caller.ROOT, Fid.ROOT, "d", CreateSpec.directory(0755)).attr().fid();
            Fid f = mds.create(Caller.ROOT, d, "f", CreateSpec.file(0644)).attr().fid();
            Fid sub = mds.create(Caller.ROOT, d, "sub", CreateSpec.directory(0755)).attr().fid();
            mds.create(Caller.ROOT, sub, "x", CreateSpec.file(0644));
            long before = mds.getattr(d).change();

            CompletableFuture<Removed> removed;
            // the apply sleeps: the call must return before it is done
            Faults.arm("mds.apply.before_commit", new Faults.Fault(Faults.Kind.SLEEP, 1, false, 500));
            try {
                removed = mds.removeAsync(Caller.ROOT, d, "f", RemoveKind.ANY);
                assertThat(removed).as("answered before the apply").isNotDone();
                Removed r = removed.get(30, TimeUnit.SECONDS);
                assertThat(r.attr().fid()).isEqualTo(f);
                assertThat(r.dir().before()).isEqualTo(before);
                assertThat(r.dir().after()).isEqualTo(mds.getattr(d).change()).isNotEqualTo(before);
            } finally {
                Faults.disarmAll();
            }
            assertThatThrownBy(() -> mds.lookup(Caller.ROOT, d, "f"))
                    .isInstanceOfSatisfying(NacreException.class, e -> assertThat(e.status()).isEqualTo(Status.NOT_FOUND));

            assertThat(failure(mds.removeAsync(Caller.ROOT, d, "f", RemoveKind.ANY))).isEqualTo(Status.NOT_FOUND);
            assertThat(failure(mds.removeAsync(Caller.ROOT, d, "sub", RemoveKind.ANY))).isEqualTo(Status.NOT_EMPTY);
            assertThat(failure(mds.removeAsync(Caller.of(1000, 1000), sub, "x", RemoveKind.ANY)))
                    .isEqualTo(Status.ACCESS);
            assertThatThrownBy(() -> mds.removeAsync(Caller.ROOT, d, "a/b", RemoveKind.ANY))
                    .isInstanceOf(NacreException.class);
            assertThat(mds.lookup(Caller.ROOT, sub, "x").type()).isNotNull();
        }
    }

    /** createAsync returns before the change is applied and answers what create answers, errors alike. */
    @Test
    void anAsyncCreateReturnsAtOnceAndAnswersAsCreate(@TempDir Path dir) throws Exception {
        try (MetadataServer s = TestServers.single(dir);
             MetadataClient mds = MetadataClient.connect(s.peers())) {
            TestServers.registerOsts(mds, 2);
            Fid d = mds.create(Caller.ROOT, Fid.ROOT, "d", CreateSpec.directory(0755)).attr().fid();
            long before = mds.getattr(d).change();

            CompletableFuture<Created> created;
            // the apply sleeps: the call must return before it is done
            Faults.arm("mds.apply.before_commit", new Faults.Fault(Faults.Kind.SLEEP, 1, false, 500));
            try {
                created = mds.createAsync(Caller.ROOT, d, "f", CreateSpec.builder(FileType.REGULAR).mode(0640)
                        .exclusive(99).build());
                assertThat(created).as("answered before the apply").isNotDone();
                Created c = created.get(30, TimeUnit.SECONDS);
                assertThat(c.existed()).isFalse();
                assertThat(c.attr().fid()).isEqualTo(mds.lookup(Caller.ROOT, d, "f").fid());
                assertThat(c.attr().mode() & 07777).isEqualTo(0640);
                assertThat(c.dir().before()).isEqualTo(before);
                assertThat(c.dir().after()).isEqualTo(mds.getattr(d).change()).isNotEqualTo(before);
            } finally {
                Faults.disarmAll();
            }
            // the same exclusive create again finds its file; another verifier, or GUARDED, finds the name taken
            Created again = mds.createAsync(Caller.ROOT, d, "f", CreateSpec.builder(FileType.REGULAR).mode(0640)
                    .exclusive(99).build()).get(30, TimeUnit.SECONDS);
            assertThat(again.existed()).isTrue();
            assertThat(again.attr().fid()).isEqualTo(created.get().attr().fid());
            assertThat(failure(mds.createAsync(Caller.ROOT, d, "f", CreateSpec.builder(FileType.REGULAR).mode(0640)
                    .exclusive(98).build()))).isEqualTo(Status.EXISTS);
            assertThat(failure(mds.createAsync(Caller.ROOT, d, "f", CreateSpec.file(0644)))).isEqualTo(Status.EXISTS);
            assertThat(failure(mds.createAsync(Caller.of(1000, 1000), d, "g", CreateSpec.file(0644))))
                    .isEqualTo(Status.ACCESS);
            assertThatThrownBy(() -> mds.createAsync(Caller.ROOT, d, "a/b", CreateSpec.file(0644)))
                    .isInstanceOf(NacreException.class);
            assertThat(mds.readdir(Caller.ROOT, d, 0, 100).entries()).extracting(e -> e.name()).containsExactly("f");
        }
    }

    /** An async change not answered within the client's timeout fails with UNAVAILABLE, as the blocking call does. */
    @Test
    void anAsyncRemoveNotAnsweredInTimeIsUnavailable(@TempDir Path dir) throws Exception {
        try (MetadataServer s = TestServers.single(dir);
             MetadataClient mds = MetadataClient.builder().peers(s.peers()).timeout(Duration.ofMillis(300))
                     .requestTimeout(Duration.ofMillis(100)).startupWait(TIMEOUT).build()) {
            TestServers.registerOsts(mds, 2);
            Fid d = mds.create(Caller.ROOT, Fid.ROOT, "d", CreateSpec.directory(0755)).attr().fid();
            mds.create(Caller.ROOT, d, "f", CreateSpec.file(0644));
            Faults.arm("mds.apply.before_commit", new Faults.Fault(Faults.Kind.SLEEP, 1, false, 1500));
            try {
                assertThat(failure(mds.removeAsync(Caller.ROOT, d, "f", RemoveKind.ANY))).isEqualTo(Status.UNAVAILABLE);
            } finally {
                Faults.disarmAll();
            }
        }
    }

    @Test
    void anAsyncRemoveFindsTheNextLeader(@TempDir Path dir) throws Exception {
        try (Cluster cluster = new Cluster(dir, 3, 100_000);
             MetadataClient mds = cluster.client()) {
            TestServers.registerOsts(mds, 2);
            Fid d = mds.create(Caller.ROOT, Fid.ROOT, "d", CreateSpec.directory(0755)).attr().fid();
            mds.create(Caller.ROOT, d, "f", CreateSpec.file(0644));
            cluster.stop(cluster.leader());
            Removed r = mds.removeAsync(Caller.ROOT, d, "f", RemoveKind.ANY).get(60, TimeUnit.SECONDS);
            assertThat(r.dir().after()).isNotEqualTo(r.dir().before());
            assertThat(mds.readdir(Caller.ROOT, d, 0, 100).entries()).isEmpty();
        }
    }
}
