package io.nacre.meta;

import static org.assertj.core.api.Assertions.assertThat;

import io.nacre.engine.Caller;
import io.nacre.engine.Fid;
import io.nacre.engine.hsm.HsmImport;
import io.nacre.engine.layout.LayoutTemplate;
import io.nacre.engine.layout.ObjectRef;
import io.nacre.engine.meta.CreateSpec;
import io.nacre.engine.meta.FileType;
import io.nacre.engine.meta.MetadataService;
import io.nacre.engine.meta.MetadataService.RemoveKind;
import io.nacre.engine.meta.Opener;
import io.nacre.engine.meta.PendingDestroy;
import io.nacre.engine.meta.ReferencedObjects;
import io.nacre.engine.meta.SmallFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The scrub's view of an OST at scale: one pass over the inode table per scan, whatever the number of pages,
 * with the ids spilled in runs (the MDS here keeps 50 ids per run in memory, so every OST spills several) and
 * the same answers as one page would give: live files, files in PENDING (open marks), data-on-MDT and released
 * files, queued destroys.
 */
class ReferencedViewsTest {

    static final int RUN = 50;
    static final int OSTS = 4;

    static Path dir;
    static MetadataServer server;
    static MetadataClient mds;
    /** Every OST's referenced ids, as the layouts and the destroy queue say. */
    static final List<TreeSet<Long>> expected = new ArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        Files.createDirectories(Path.of(System.getProperty("java.io.tmpdir")));
        dir = Files.createTempDirectory("mds-views-test");
        System.setProperty("nacre.mds.referenced.run", Integer.toString(RUN));
        try {
            server = TestServers.single(dir);
        } finally {
            System.clearProperty("nacre.mds.referenced.run");
        }
        mds = MetadataClient.connect(server.peers());
        TestServers.registerOsts(mds, OSTS);
        populate();
    }

    @AfterAll
    static void stop() throws Exception {
        if (mds != null) {
            mds.close();
        }
        if (server != null) {
            server.close();
        }
        NamespaceStore.deleteTree(dir);
    }

    static Fid striped(Fid parent, String name, int stripes) {
        return mds.create(Caller.ROOT, parent, name, CreateSpec.builder(FileType.REGULAR).mode(0644)
                .layout(LayoutTemplate.of(stripes, 1 << 20, "")).build()).attr().fid();
    }

    static void populate() {
        for (int i = 0; i < OSTS; i++) {
            expected.add(new TreeSet<>());
        }
        Fid d = mds.create(Caller.ROOT, Fid.ROOT, "many", CreateSpec.directory(0755)).attr().fid();
        List<Fid> live = new ArrayList<>();
        for (int i = 0; i < 400; i++) {
            live.add(striped(d, "f" + i, 1 + i % OSTS));
        }
        // removed while a named gateway has them open: kept in PENDING with their objects
        Opener gw = new Opener("node-a", 1);
        for (int i = 0; i < 10; i++) {
            Fid f = striped(d, "open" + i, 2);
            mds.markOpen(gw, f);
            mds.remove(Caller.ROOT, d, "open" + i, RemoveKind.FILE);
            live.add(f);
        }
        assertThat(mds.readdir(Caller.ROOT, Fid.PENDING, 0, 4096).entries()).hasSizeGreaterThanOrEqualTo(10);
        // data on the MDT: no objects
        for (int i = 0; i < 20; i++) {
            mds.putSmallFile(Caller.ROOT, new SmallFile(d, List.of(), "small" + i, 0644, new byte[] {(byte) i}, 64 << 10,
                    Map.of(), Map.of(), SmallFile.Expect.ANY));
        }
        // released stubs (HSM import): no objects either
        for (int i = 0; i < 5; i++) {
            Fid f = mds.hsmImport(Caller.ROOT, d, "released" + i, new HsmImport.Spec(1, "s3://b/r" + i, "etag:\"" + i
                    + "\"", 1000, 1_600_000_000_000_000_000L, 0, 0, 0644, false)).attr().fid();
            assertThat(mds.layout(f).isReleased()).isTrue();
            assertThat(mds.layout(f).objects()).isEmpty();
        }
        for (Fid f : live) {
            for (ObjectRef o : mds.layout(f).objects()) {
                expected.get(o.ost()).add(o.id());
            }
        }
        // removed: queued for destruction, referenced until the destroy is acknowledged
        for (int i = 0; i < 40; i++) {
            mds.remove(Caller.ROOT, d, "f" + i, RemoveKind.FILE);
        }
        for (PendingDestroy p : mds.pendingDestroys(100_000)) {
            expected.get(p.object().ost()).add(p.object().id());
        }
        for (TreeSet<Long> ids : expected) {
            assertThat(ids.size()).as("every OST spills several runs").isGreaterThan(3 * RUN);
        }
    }

    static long passes() {
        return server.stateMachine().referencedPasses();
    }

    @Test
    void aScanInManyPagesPassesOverTheInodesOnceAndAnswersAsOnePage() {
        for (int ost = 0; ost < OSTS; ost++) {
            long before = passes();
            List<Long> onePage = ReferencedObjectsTest.all(mds, ost, Long.MAX_VALUE, MetadataService.REFERENCED_MAX);
            assertThat(passes() - before).isEqualTo(1);
            assertThat(onePage).as("OST %d", ost).isEqualTo(List.copyOf(expected.get(ost)));
            for (int max : new int[] {1, 7, RUN, RUN + 1, 1000}) {
                before = passes();
                List<Long> paged = ReferencedObjectsTest.all(mds, ost, Long.MAX_VALUE, max);
                assertThat(paged).as("OST %d in pages of %d", ost, max).isEqualTo(onePage);
                assertThat(passes() - before).as("passes over the inodes for %d pages of %d", paged.size() / max, max)
                        .isEqualTo(1);
            }
        }
        assertThat(spilled()).as("a scan read to its end leaves no file").isEmpty();
    }

    @Test
    void interleavedAndAbandonedScansEachGetTheirAnswer() {
        List<Long> want = List.copyOf(expected.get(1));
        long mid = want.get(want.size() / 2);
        // an abandoned scan with a lower bound waits at (OST 1, its last id)
        ReferencedObjects a = mds.referencedObjects(1, 0, mid, 3);
        assertThat(a.more()).isTrue();
        long last = a.ids()[2];
        // a page asking past that bound from the same id must not be answered from it
        List<Long> rest = new ArrayList<>();
        long after = last;
        while (true) {
            ReferencedObjects p = mds.referencedObjects(1, after, Long.MAX_VALUE, 11);
            for (long id : p.ids()) {
                rest.add(id);
            }
            if (!p.more()) {
                break;
            }
            after = p.ids()[p.ids().length - 1];
        }
        assertThat(rest).isEqualTo(want.stream().filter(id -> id > last).toList());
        // two scans of one OST, page by page in turn
        Scan x = new Scan(1, 5);
        Scan y = new Scan(1, 7);
        while (x.step() | y.step()) {
            // both go on until each has read its last page
        }
        assertThat(x.ids).isEqualTo(want);
        assertThat(y.ids).isEqualTo(want);
    }

    /** One scan of an OST, a page per step. */
    static final class Scan {
        final int ost;
        final int max;
        final List<Long> ids = new ArrayList<>();
        long after;
        boolean more = true;

        Scan(int ost, int max) {
            this.ost = ost;
            this.max = max;
        }

        /** Reads the next page; false once the scan is over. */
        boolean step() {
            if (!more) {
                return false;
            }
            ReferencedObjects p = mds.referencedObjects(ost, after, Long.MAX_VALUE, max);
            for (long id : p.ids()) {
                ids.add(id);
            }
            more = p.more();
            if (more) {
                after = p.ids()[p.ids().length - 1];
            }
            return true;
        }
    }

    /** The files the views have spilled and not yet deleted. */
    static List<Path> spilled() {
        try (Stream<Path> all = Files.walk(dir)) {
            return all.filter(p -> p.getParent().getFileName().toString().equals("referenced")).toList();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
