package io.nacre.ost.oss;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nacre.engine.NacreException;
import io.nacre.engine.Status;
import io.nacre.engine.fault.Faults;
import io.nacre.engine.layout.ObjectRef;
import io.nacre.engine.store.Durability;
import io.nacre.ost.LocalObjectStore;
import io.nacre.ost.Ost;
import io.nacre.ost.OstOptions;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A slow node is not a dead one: the OSS sends keep-alives while it works on a request, so a sync that
 * takes longer than the call deadlines (a large backlog on a busy disk, here an fdatasync slowed by the
 * {@code ost.wal.force} fault point) succeeds and the node stays up; a request stuck in a live node fails
 * after its bound without taking the node down; a stopped node (SIGSTOP) is down within the call timeout,
 * even in the middle of a sync, and up again once it runs.
 */
class OssKeepAliveTest {

    private static final String SECRET = "a test cluster secret";
    private static final ObjectRef A = new ObjectRef(0, 1);

    @TempDir
    Path tmp;

    @AfterEach
    void disarm() {
        Faults.disarmAll();
    }

    private static OstOptions options() {
        return OstOptions.builder().chunkSize(64 * 1024).mapSize(1L << 30).walSegments(4L << 20, 8).build();
    }

    private static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static RemoteObjectStore client(URI uri, long callMillis, long progressMillis) {
        return RemoteObjectStore.builder(uri).secret(SECRET.getBytes(StandardCharsets.UTF_8))
                .callTimeout(Duration.ofMillis(callMillis)).progressTimeout(Duration.ofMillis(progressMillis)).build();
    }

    @Test
    void aSyncLongerThanTheDeadlinesSucceedsAndTheNodeStaysUp() {
        try (LocalObjectStore local = new LocalObjectStore(List.of(Ost.open(tmp.resolve("ost0"), 0, options())));
             Oss oss = new Oss(local);
             RemoteObjectStore remote = client(oss.uri(), 1000, 3000)) {
            warmUp(oss.uri());
            byte[] data = random(3 << 20, 1);
            remote.write(A, 0, ByteBuffer.wrap(data), Durability.UNSTABLE);
            // Its flush takes 4 s: four call timeouts, and over the progress timeout.
            Faults.arm("ost.wal.force", Faults.Fault.sleep(4000));
            long start = System.nanoTime();
            assertThat(remote.sync(A)).isEqualTo(local.instance(0));
            assertThat(System.nanoTime() - start).as("the sync was slowed").isGreaterThan(TimeUnit.SECONDS.toNanos(4));
            assertThat(remote.isUp()).isTrue();
            // So is a stable write whose flush is slow.
            Faults.disarmAll();
            Faults.arm("ost.wal.force", Faults.Fault.sleep(2000));
            remote.write(A, 0, ByteBuffer.wrap(data, 0, 1000), Durability.STABLE);
            assertThat(remote.isUp()).isTrue();
            Faults.disarmAll();
            // And a short call on a slow node (the OSS takes 1.5 s for each request): over the call timeout,
            // within the progress timeout.
            Faults.arm(OssService.FAULT_SERVE, Faults.Fault.sleep(1500));
            assertThat(remote.stat(A).size()).isEqualTo(data.length);
            assertThat(remote.usage(0).objects()).isEqualTo(2);
            assertThat(remote.isUp()).isTrue();
            Faults.disarmAll();
            byte[] back = new byte[data.length];
            remote.read(A, 0, ByteBuffer.wrap(back));
            assertThat(back).isEqualTo(data);
        }
    }

    @Test
    void aCallStuckInALiveNodeFailsAfterItsBoundAndTheNodeStaysUp() {
        try (LocalObjectStore local = new LocalObjectStore(List.of(Ost.open(tmp.resolve("ost0"), 0, options())));
             Oss oss = new Oss(local);
             RemoteObjectStore remote = client(oss.uri(), 1000, 2000)) {
            warmUp(oss.uri());
            remote.write(A, 0, ByteBuffer.wrap(new byte[] {1, 2, 3}), Durability.STABLE);
            Faults.arm(OssService.FAULT_SERVE, Faults.Fault.sleep(4000));
            long start = System.nanoTime();
            assertThatThrownBy(() -> remote.stat(A)).isInstanceOfSatisfying(NacreException.class,
                    e -> assertThat(e.status()).isEqualTo(Status.UNAVAILABLE)).hasMessageContaining("still working");
            assertThat(System.nanoTime() - start).as("failed within its bound").isLessThan(TimeUnit.SECONDS.toNanos(6));
            assertThat(remote.isUp()).isTrue();
            Faults.disarmAll();
            assertThat(remote.stat(A).size()).isEqualTo(3);
        }
    }

    @Test
    void aReadQueuedBehindASlowSyncFailsAfterItsBoundAndTheNodeStaysUp() throws Exception {
        // One blocking thread on the OSS: a slow sync holds it, a read queues behind it (as behind many
        // slow syncs on a busy node). The read gets keep-alives until its first bytes, so the node is not
        // taken for a dead one; it gives up after its own bound instead.
        try (LocalObjectStore local = new LocalObjectStore(List.of(Ost.open(tmp.resolve("ost0"), 0, options())));
             Oss oss = new Oss(OssServer.builder(local).secret(SECRET.getBytes(StandardCharsets.UTF_8)).threads(1)
                     .build().start());
             RemoteObjectStore remote = client(oss.uri(), 1000, 1500);
             RemoteObjectStore patient = client(oss.uri(), 10_000, 20_000)) {
            warmUp(oss.uri());
            byte[] data = random(1 << 20, 3);
            remote.write(A, 0, ByteBuffer.wrap(data), Durability.STABLE);
            remote.write(A, 0, ByteBuffer.wrap(data, 0, 4096), Durability.UNSTABLE);
            Faults.arm("ost.wal.force", Faults.Fault.sleep(4000));
            Thread syncer = Thread.ofVirtual().start(() -> patient.sync(A));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (Faults.hits("ost.wal.force") == 0) {
                assertThat(System.nanoTime()).as("the sync reached its flush").isLessThan(deadline);
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
            }
            long start = System.nanoTime();
            assertThatThrownBy(() -> remote.read(A, 0, ByteBuffer.allocate(4096)))
                    .isInstanceOfSatisfying(NacreException.class, e -> assertThat(e.status()).isEqualTo(Status.UNAVAILABLE))
                    .hasMessageContaining("still working");
            assertThat(System.nanoTime() - start).as("gave up at its bound, before the sync ended")
                    .isLessThan(TimeUnit.MILLISECONDS.toNanos(3500));
            assertThat(remote.isUp()).as("a node that sends keep-alives is not down").isTrue();
            syncer.join();
            Faults.disarmAll();
            byte[] back = new byte[data.length];
            assertThat(remote.read(A, 0, ByteBuffer.wrap(back))).isEqualTo(data.length);
            assertThat(back).isEqualTo(data);
        }
    }

    @Test
    void aSyncLongerThanTheServersRequestTimeoutSucceedsWhileItsBacklogAllowsIt() {
        // The server's request timeout (1 s here, 5 min by default) is stretched by the backlog it reports,
        // as the client stretches its own deadline: it never cuts off an answer the client still waits for.
        try (LocalObjectStore local = new LocalObjectStore(List.of(Ost.open(tmp.resolve("ost0"), 0, options())));
             Oss oss = new Oss(OssServer.builder(local).secret(SECRET.getBytes(StandardCharsets.UTF_8))
                     .requestTimeout(Duration.ofSeconds(1)).build().start());
             RemoteObjectStore remote = client(oss.uri(), 1000, 1000)) {
            warmUp(oss.uri());
            byte[] data = random(3 << 20, 4);
            remote.write(A, 0, ByteBuffer.wrap(data), Durability.UNSTABLE);
            assertThat(local.ost(0).backlog()).as("the sync has WAL segments to flush").isGreaterThanOrEqualTo(3L << 20);
            Faults.arm("ost.wal.force", Faults.Fault.sleep(2500));
            long start = System.nanoTime();
            assertThat(remote.sync(A)).isEqualTo(local.instance(0));
            assertThat(System.nanoTime() - start).as("longer than the request timeout")
                    .isGreaterThan(TimeUnit.MILLISECONDS.toNanos(2500));
            assertThat(remote.isUp()).isTrue();
        }
    }

    @Test
    void aStoppedNodeIsDownWithinTheCallTimeoutEvenMidSync() throws Exception {
        Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-opens", "java.base/java.nio=ALL-UNNAMED", "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED",
                "--enable-native-access=ALL-UNNAMED", "-Xmx256m", "-Dnacre.ost.wal.prepare=false",
                "-Dnacre.faults=ost.wal.force=sleep3000",
                "-cp", System.getProperty("java.class.path"), OssMain.class.getName(), tmp.resolve("ost0").toString(),
                SECRET).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        try {
            URI uri = childUri(child);
            byte[] data = random(1 << 20, 2);
            warmUp(uri);
            // The progress timeout is long: only the missing keep-alives can fail the sync in time.
            try (RemoteObjectStore remote = client(uri, 1000, 20_000)) {
                remote.write(A, 0, ByteBuffer.wrap(data), Durability.UNSTABLE);
                // The sync takes 3 s in the child; stop the child early in it.
                Thread stopper = Thread.ofVirtual().start(() -> {
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(700));
                    signal(child, "-STOP");
                });
                long start = System.nanoTime();
                assertThatThrownBy(() -> remote.sync(A)).isInstanceOfSatisfying(NacreException.class,
                        e -> assertThat(e.status()).isEqualTo(Status.UNAVAILABLE)).hasMessageContaining("keep-alive");
                stopper.join();
                // Stopped at 0.7 s, silent for the 1 s call timeout: down well before the sync would have ended.
                assertThat(System.nanoTime() - start).as("down within the call timeout")
                        .isLessThan(TimeUnit.MILLISECONDS.toNanos(700 + 1000 + 2000));
                assertThat(remote.isUp()).isFalse();
                assertThatThrownBy(() -> remote.stat(A)).hasMessageContaining("is down");
                signal(child, "-CONT");
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (!remote.isUp()) {
                    assertThat(System.nanoTime()).as("back up in time").isLessThan(deadline);
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
                }
                byte[] back = new byte[data.length];
                remote.read(A, 0, ByteBuffer.wrap(back));
                assertThat(back).isEqualTo(data);
            }
        } finally {
            signal(child, "-CONT");
            child.destroyForcibly();
            child.waitFor(30, TimeUnit.SECONDS);
        }
    }

    /** The OSS of a test, closed without waiting for the requests a fault point still holds. */
    private record Oss(OssServer server) implements AutoCloseable {
        Oss(LocalObjectStore local) {
            this(OssServer.builder(local).secret(SECRET.getBytes(StandardCharsets.UTF_8)).build().start());
        }

        URI uri() {
            return server.uri();
        }

        @Override
        public void close() {
            server.closeAsync();
        }
    }

    /** A fresh server (or JVM) answers its first requests slowly: those go with the default deadlines. */
    private static void warmUp(URI uri) {
        try (RemoteObjectStore warm = client(uri, 10_000, 20_000)) {
            warm.write(new ObjectRef(0, 2), 0, ByteBuffer.wrap(new byte[100]), Durability.STABLE);
            warm.stat(new ObjectRef(0, 2));
            warm.sync(new ObjectRef(0, 2));
        }
    }

    private static URI childUri(Process child) throws Exception {
        BufferedReader r = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
        String line;
        while ((line = r.readLine()) != null) {
            if (line.startsWith("URI ")) {
                return URI.create(line.substring(4).strip());
            }
        }
        throw new IllegalStateException("the OSS child exited without serving: " + child.waitFor());
    }

    private static void signal(Process child, String sig) {
        try {
            new ProcessBuilder("kill", sig, Long.toString(child.pid())).inheritIO().start().waitFor();
        } catch (Exception e) {
            throw new IllegalStateException("kill " + sig + " " + child.pid(), e);
        }
    }
}
