package io.nacre.meta;

import static org.assertj.core.api.Assertions.assertThat;

import io.nacre.engine.Caller;
import io.nacre.engine.Fid;
import io.nacre.engine.layout.Component;
import io.nacre.engine.layout.Extent;
import io.nacre.engine.layout.Layout;
import io.nacre.engine.layout.ObjectRef;
import io.nacre.engine.layout.Placement;
import io.nacre.engine.meta.CreateSpec;
import io.nacre.engine.meta.FileType;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Read transactions are reused (reset when a read ends, renewed when the next begins, on any thread): each read
 * must still see the latest commit, never the state its transaction saw the last time, and what a read handed
 * out (an inode whose layout is read only when asked) must not change when its transaction serves another read.
 */
class ReadTransactionsTest {

    private static final Fid A = new Fid(Fid.FIRST_NORMAL_SEQ, 1, 0);
    private static final Fid B = new Fid(Fid.FIRST_NORMAL_SEQ, 2, 0);

    private static void write(NamespaceStore s, Consumer<Tx> change) {
        try (Tx tx = s.write()) {
            change.accept(tx);
            tx.commit();
        }
    }

    private static long counter(NamespaceStore s) {
        try (Tx tx = s.read()) {
            return tx.metaLong("test.counter", -1);
        }
    }

    private static Layout layout(int generation, long firstObject) {
        return new Layout(generation, List.of(Component.of(Extent.WHOLE, new Placement.Raid0(2, 1 << 16, "",
                List.of(new ObjectRef(0, firstObject), new ObjectRef(1, firstObject + 1))))));
    }

    private static void putFile(NamespaceStore s, Fid fid, Layout layout, long size) {
        write(s, tx -> {
            Inode n = new Inode(fid, FileType.REGULAR);
            n.mode = 0644;
            n.nlink = 1;
            n.size = size;
            n.setLayout(layout);
            tx.put(n);
        });
    }

    @Test
    void eachReadSeesTheLatestCommitOnItsOwnThreadOrAnother(@TempDir Path dir) throws Exception {
        try (ExecutorService fresh = Executors.newVirtualThreadPerTaskExecutor();
             NamespaceStore s = NamespaceStore.open(dir, null, true)) {
            assertThat(counter(s)).isEqualTo(-1);
            for (long round = 0; round < 24; round++) {
                long n = round;
                write(s, tx -> tx.putMetaLong("test.counter", n));
                assertThat(counter(s)).isEqualTo(n);
                assertThat(fresh.submit(() -> counter(s)).get()).isEqualTo(n);
            }
            // Reads that ended were kept for the next ones, not made anew each time.
            assertThat(s.idleReaders()).isBetween(1, NamespaceStore.IDLE_READERS);
        }
    }

    @Test
    void manyReadsAtOnceThenTheKeptOnesSeeTheNextCommit(@TempDir Path dir) throws Exception {
        try (NamespaceStore s = NamespaceStore.open(dir, null, true)) {
            write(s, tx -> tx.putMetaLong("test.counter", 1));
            List<Tx> open = new ArrayList<>();
            for (int i = 0; i < 3 * NamespaceStore.IDLE_READERS; i++) {
                open.add(s.read());
            }
            write(s, tx -> tx.putMetaLong("test.counter", 2));
            for (Tx tx : open) {
                assertThat(tx.metaLong("test.counter", -1)).isEqualTo(1); // a read's own snapshot
                tx.close();
            }
            assertThat(s.idleReaders()).isEqualTo(NamespaceStore.IDLE_READERS);
            write(s, tx -> tx.putMetaLong("test.counter", 3));
            for (int i = 0; i < 2 * NamespaceStore.IDLE_READERS; i++) {
                assertThat(counter(s)).isEqualTo(3);
            }
        }
        // The kept transactions were closed with the store: it opens again, as it was.
        try (NamespaceStore again = NamespaceStore.open(dir, null, false)) {
            assertThat(counter(again)).isEqualTo(3);
        }
    }

    @Test
    void aReadBeforeTheFormatDoesNotKeepTheFileSystemUnformattedForLaterReads(@TempDir Path dir) throws Exception {
        try (NamespaceStore s = NamespaceStore.open(dir, null, true)) {
            try (Tx tx = s.read()) {
                assertThat(tx.formatted()).isFalse();
            }
            try (Tx older = s.read()) {
                write(s, tx -> tx.putMetaLong("fsid", 42));
                assertThat(older.fsid()).isZero(); // its own state: not formatted yet
                try (Tx tx = s.read()) {
                    assertThat(tx.fsid()).isEqualTo(42);
                }
                assertThat(older.fsid()).isZero();
            }
            for (int i = 0; i < 3; i++) {
                try (Tx tx = s.read()) {
                    assertThat(tx.fsid()).isEqualTo(42);
                }
            }
        }
    }

    @Test
    void anInodeReadBeforeKeepsItsLayoutWhileItsTransactionServesOtherReads(@TempDir Path dir) throws Exception {
        try (NamespaceStore s = NamespaceStore.open(dir, null, true)) {
            putFile(s, A, layout(1, 100), 10);
            putFile(s, B, layout(7, 700), 20);
            Inode a;
            try (Tx tx = s.read()) {
                a = tx.need(A);
                assertThat(a.attr().size()).isEqualTo(10); // a stat: the layout is not read
            }
            putFile(s, A, layout(2, 200), 11);
            try (Tx tx = s.read()) { // on the same (renewed) transaction and buffers
                assertThat(tx.need(B).layout()).isEqualTo(layout(7, 700));
                assertThat(tx.need(A).layout()).isEqualTo(layout(2, 200));
            }
            // Asked only now: the layout A had when it was read, not B's, nor A's since.
            assertThat(a.layout()).isEqualTo(layout(1, 100));
            assertThat(a.attr().size()).isEqualTo(10);
            try (Tx tx = s.read()) {
                Inode now = tx.need(A);
                assertThat(now.attr().size()).isEqualTo(11);
                assertThat(now.layout()).isEqualTo(layout(2, 200));
            }
        }
    }

    /** The same through the metadata service: a stat leaves the layout unread, the next layout read gets the right one. */
    @Test
    void statsThenLayoutReadsThroughTheServiceGetEachFilesOwnLayout(@TempDir Path dir) throws Exception {
        try (MetadataServer server = TestServers.single(dir);
             MetadataClient mds = MetadataClient.connect(server.peers())) {
            TestServers.registerOsts(mds, 4);
            List<Fid> files = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                files.add(mds.create(Caller.ROOT, Fid.ROOT, "f" + i,
                        CreateSpec.file(0644)).attr().fid());
            }
            List<Layout> layouts = new ArrayList<>();
            for (Fid f : files) {
                layouts.add(mds.layout(f));
            }
            assertThat(layouts).doesNotHaveDuplicates();
            for (int round = 0; round < 3; round++) {
                for (int i = 0; i < files.size(); i++) {
                    assertThat(mds.lookup(Caller.ROOT, Fid.ROOT, "f" + i).fid()).isEqualTo(files.get(i));
                    assertThat(mds.getattr(files.get(i)).isRegular()).isTrue();
                    assertThat(mds.layout(files.get(i))).isEqualTo(layouts.get(i));
                }
            }
        }
    }
}
