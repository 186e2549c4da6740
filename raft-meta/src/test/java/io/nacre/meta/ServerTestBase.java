package io.nacre.meta;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nacre.engine.Caller;
import io.nacre.engine.Fid;
import io.nacre.engine.NacreException;
import io.nacre.engine.Status;
import io.nacre.engine.meta.Attr;
import io.nacre.engine.meta.CreateSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** One real single-peer MDS per test class, with 4 registered OSTs; each test works in its own directory. */
abstract class ServerTestBase {

    static final Caller ALICE = Caller.of(1000, 1000, 2000);
    static final Caller BOB = Caller.of(1001, 1001);
    static final Caller CAROL = Caller.of(1002, 2000);

    static Path dir;
    static MetadataServer server;
    static MetadataClient mds;
    private static final AtomicInteger DIRS = new AtomicInteger();

    @BeforeAll
    static void startServer() throws Exception {
        Files.createDirectories(Path.of(System.getProperty("java.io.tmpdir")));
        dir = Files.createTempDirectory("mds-test");
        server = TestServers.single(dir);
        mds = MetadataClient.connect(server.peers());
        TestServers.registerOsts(mds, 4);
    }

    @AfterAll
    static void stopServer() throws Exception {
        if (mds != null) {
            mds.close();
        }
        if (server != null) {
            server.close();
        }
        NamespaceStore.deleteTree(dir);
    }

    /** A fresh directory under the root, mode 0777, owned by root. */
    static Fid scratch() {
        return mkdir(Caller.ROOT, Fid.ROOT, "t" + DIRS.incrementAndGet(), 0777);
    }

    static Fid mkdir(Caller c, Fid parent, String name, int mode) {
        return mds.create(c, parent, name, CreateSpec.directory(mode)).attr().fid();
    }

    static Fid file(Caller c, Fid parent, String name, int mode) {
        return mds.create(c, parent, name, CreateSpec.file(mode)).attr().fid();
    }

    static Attr attr(Fid f) {
        return mds.getattr(f);
    }

    static void assertStatus(Status status, ThrowingCallable call) {
        assertThatThrownBy(call).isInstanceOfSatisfying(NacreException.class,
                e -> org.assertj.core.api.Assertions.assertThat(e.status()).as(e.getMessage()).isEqualTo(status));
    }
}
