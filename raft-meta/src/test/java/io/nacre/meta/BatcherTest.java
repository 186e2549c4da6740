package io.nacre.meta;

import static org.assertj.core.api.Assertions.assertThat;

import io.nacre.engine.Caller;
import io.nacre.engine.Fid;
import io.nacre.engine.meta.CreateSpec;
import io.nacre.engine.meta.Results.Created;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The proposing side's group commit, against a real metadata server in this JVM. */
class BatcherTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    /** A server, a client for setting up and looking, and a batcher with one batch in flight; a directory "d". */
    private static final class Fixture implements AutoCloseable {
        final MetadataServer server;
        final MetadataClient client;
        final LeaderLink link;
        final Batcher batcher;
        final Fid dir;

        Fixture(Path dir) {
            server = TestServers.single(dir);
            client = MetadataClient.connect(server.peers());
            link = new LeaderLink(MetadataServer.DEFAULT_CLUSTER, server.peers(), true, TIMEOUT, TIMEOUT);
            batcher = new Batcher(link, 1, 100, 1 << 20);
            TestServers.registerOsts(client, 2);
            this.dir = client.create(Caller.ROOT, Fid.ROOT, "d", CreateSpec.directory(0755)).attr().fid();
        }

        @Override
        public void close() {
            batcher.close();
            link.close();
            client.close();
            server.close();
        }
    }

    /**
     * A caller that sends its next change as soon as the last one is answered finds the batch slot free,
     * so its change goes on its own thread, never through the sender thread (a thread hand-off more per
     * change, which a small VM pays for).
     */
    @Test
    void aLoneCallerSendsEveryChangeOnItsOwnThread(@TempDir Path dir) throws Exception {
        try (Fixture f = new Fixture(dir)) {
            for (int i = 0; i < 300; i++) {
                Object r = f.batcher.submit(new Op.Create(Caller.ROOT, f.dir, "f" + i, CreateSpec.file(0644), null, null)).get();
                assertThat(r).isInstanceOf(Created.class);
            }
            // The caller, woken by its answer, may queue its next change in the instant between the answering
            // thread freeing the slot and looking at the queue: that thread then counts a late send (and the
            // two race to send it). Rare, but a loaded machine made it happen once in 300; before the slot was
            // freed first it happened about every other change.
            assertThat(f.batcher.lateSends()).isLessThan(30);
            assertThat(f.client.readdir(Caller.ROOT, f.dir, 0, 1000).entries()).hasSize(300);
        }
    }

    /** Changes queued while a batch is in flight still go, together, when it is answered. */
    @Test
    void changesQueuedDuringAFlightGoWhenItIsAnswered(@TempDir Path dir) throws Exception {
        try (Fixture f = new Fixture(dir)) {
            long entries0 = f.server.stateMachine().entriesApplied.get();
            List<CompletableFuture<Object>> results = new ArrayList<>();
            for (int i = 0; i < 500; i++) {
                results.add(f.batcher.submit(new Op.Create(Caller.ROOT, f.dir, "f" + i, CreateSpec.file(0644), null, null)));
            }
            for (CompletableFuture<Object> r : results) {
                assertThat(r.get()).isInstanceOf(Created.class);
            }
            assertThat(f.server.stateMachine().entriesApplied.get() - entries0).isLessThan(500);
            assertThat(f.batcher.lateSends()).isPositive();
            assertThat(f.client.readdir(Caller.ROOT, f.dir, 0, 1000).entries()).hasSize(500);
        }
    }
}
