package io.nacre.appliance.fileio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nacre.engine.Caller;
import io.nacre.engine.Fid;
import io.nacre.engine.NacreException;
import io.nacre.engine.Status;
import io.nacre.engine.hsm.HsmImport;
import io.nacre.engine.io.Destroyer;
import io.nacre.engine.io.FileIo;
import io.nacre.engine.layout.LayoutTemplate;
import io.nacre.engine.layout.ObjectRef;
import io.nacre.engine.meta.CreateSpec;
import io.nacre.engine.meta.FileType;
import io.nacre.engine.meta.HiddenDirectory;
import io.nacre.engine.meta.MetadataService;
import io.nacre.engine.meta.MetadataService.RemoveKind;
import io.nacre.engine.meta.Opener;
import io.nacre.engine.meta.SmallFile;
import io.nacre.engine.scrub.OrphanScrub;
import io.nacre.engine.store.Durability;
import io.nacre.engine.store.ListedObject;
import io.nacre.engine.store.ObjectStat;
import io.nacre.engine.store.ObjectStore;
import io.nacre.meta.testkit.EmbeddedCore;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The orphan scrub against the real MDS and OSTs (the embedded node's own binding; {@link RemoteOrphanScrubTest}
 * runs the same over the OSS protocol): orphans made for real (a file removed behind a writer's back, its
 * objects destroyed, then written again through the object store as a stale pNFS client's data server does) are
 * destroyed, and nothing else: every file reads back, objects still queued for destruction, staged hidden
 * copies, orphans written within the grace period and objects allocated after the scrub's view stay.
 */
class OrphanScrubTest {

    /** A clock two hours ahead: everything written so far is older than the default grace of one hour. */
    static final Clock LATER = Clock.offset(Clock.systemUTC(), Duration.ofHours(2));
    static final LayoutTemplate STRIPED = LayoutTemplate.of(4, 64 * 1024, "");

    @TempDir
    Path dir;

    EmbeddedCore core;
    MetadataService mds;
    /** The binding under test (FileIo and the scrub both use it). */
    ObjectStore objects;
    FileIo io;
    final Map<Fid, byte[]> files = new LinkedHashMap<>();

    /** The object store the test runs over: the node's own OSTs here. */
    ObjectStore binding(EmbeddedCore core) {
        return core.objects();
    }

    void closeBinding() {
    }

    @BeforeEach
    void start() {
        core = EmbeddedCore.start(dir);
        mds = core.metadata();
        objects = binding(core);
        io = new FileIo(mds, objects);
    }

    @AfterEach
    void stop() {
        io.close();
        closeBinding();
        core.close();
    }

    Fid writeFile(Fid parent, String name, int bytes, long seed) {
        Fid fid = mds.create(Caller.ROOT, parent, name, CreateSpec.builder(FileType.REGULAR).mode(0644).layout(STRIPED)
                .build()).attr().fid();
        byte[] data = new byte[bytes];
        new Random(seed).nextBytes(data);
        io.write(fid, 0, ByteBuffer.wrap(data), Durability.STABLE);
        io.commit(fid);
        files.put(fid, data);
        return fid;
    }

    void assertEveryFileIntact() {
        files.forEach((fid, data) -> {
            ByteBuffer back = ByteBuffer.allocate(data.length + 10);
            assertThat(io.read(fid, 0, back)).as("size of " + fid).isEqualTo(data.length);
            assertThat(java.util.Arrays.copyOf(back.array(), data.length)).as("bytes of " + fid).isEqualTo(data);
        });
    }

    /**
     * A file removed through the MDS alone (as by another gateway: the writer here is not told), its objects
     * destroyed by the destroyer, then written again through the object store by the writer that still holds
     * the layout: the orphans it returns.
     */
    List<ObjectRef> staleWrites(String name, long seed) {
        Fid fid = mds.create(Caller.ROOT, Fid.ROOT, name, CreateSpec.builder(FileType.REGULAR).mode(0644).layout(STRIPED)
                .build()).attr().fid();
        io.write(fid, 0, ByteBuffer.wrap(new byte[300_000]), Durability.STABLE);
        io.commit(fid);
        List<ObjectRef> held = mds.layout(fid).objects();
        mds.remove(Caller.ROOT, Fid.ROOT, name, RemoveKind.FILE);
        try (Destroyer d = new Destroyer(io)) {
            d.runOnce();
        }
        assertThat(mds.pendingDestroys(1000)).as("destroyed and acknowledged").isEmpty();
        assertThat(held).allMatch(o -> objects.stat(o).equals(ObjectStat.ABSENT));
        byte[] stale = new byte[100_000];
        new Random(seed).nextBytes(stale);
        for (ObjectRef o : held) {
            objects.write(o, 0, ByteBuffer.wrap(stale), Durability.STABLE);
        }
        return held;
    }

    OrphanScrub.Builder scrub() {
        return OrphanScrub.builder(mds, objects);
    }

    @Test
    void orphansAreDestroyedAndNothingElse() {
        Fid dirA = mds.create(Caller.ROOT, Fid.ROOT, "a", CreateSpec.directory(0755)).attr().fid();
        for (int i = 0; i < 12; i++) {
            writeFile(dirA, "f" + i, 150_000 + 977 * i, i);
        }
        // a staged copy under the hidden directory (a restripe or restore in flight): referenced by its inode
        Fid staging = HiddenDirectory.of(mds, "scrub-test", 0700);
        writeFile(staging, "copy", 200_000, 99);
        List<ObjectRef> orphans = new ArrayList<>(staleWrites("stale1", 7));
        orphans.addAll(staleWrites("stale2", 8));
        // a removed file whose objects are still queued for destruction (no destroyer ran since): the queue
        // references them
        Fid queuedFile = writeFile(Fid.ROOT, "queued", 250_000, 98);
        List<ObjectRef> queued = mds.layout(queuedFile).objects();
        files.remove(queuedFile);
        mds.remove(Caller.ROOT, Fid.ROOT, "queued", RemoveKind.FILE);
        // an object whose id the MDS had not handed out when the scrub took its view (a file created meanwhile)
        ObjectRef newer = new ObjectRef(1, mds.referencedObjects(1, 0, Long.MAX_VALUE, 1).allocated() + 1000);
        objects.write(newer, 0, ByteBuffer.wrap(new byte[] {1, 2, 3}), Durability.STABLE);

        long orphanBytes = orphans.stream().mapToLong(o -> objects.stat(o).bytesUsed()).sum();
        long held = objects.osts().stream().mapToLong(o -> listAll(o.index()).size()).sum();

        // a dry run changes nothing
        OrphanScrub.Report dry = scrub().dryRun(true).clock(LATER).build().run();
        assertThat(dry.orphans()).isEqualTo(orphans.size());
        assertThat(dry.destroyed()).isZero();
        assertThat(dry.bytesFreed()).isZero();
        assertThat(dry.osts()).flatExtracting(OrphanScrub.OstReport::sample)
                .containsExactlyInAnyOrderElementsOf(orphans.stream().map(ObjectRef::id).toList());
        assertThat(orphans).allMatch(o -> objects.stat(o).size() == 100_000);

        // orphans written within the grace period are left
        OrphanScrub.Report fresh = scrub().build().run();
        assertThat(fresh.recent()).isEqualTo(orphans.size());
        assertThat(fresh.orphans()).isZero();
        assertThat(fresh.destroyed()).isZero();
        assertThat(orphans).allMatch(o -> objects.stat(o).size() == 100_000);

        // an hour later they go; small pages make both sides of the merge turn pages
        OrphanScrub.Report done = scrub().clock(LATER).pageSizes(3, 2).build().run();
        assertThat(done.complete()).isTrue();
        assertThat(done.scanned()).isEqualTo(held);
        assertThat(done.orphans()).isEqualTo(orphans.size());
        assertThat(done.destroyed()).isEqualTo(orphans.size());
        assertThat(done.bytesFreed()).isEqualTo(orphanBytes).isPositive();
        assertThat(done.newer()).isEqualTo(1);
        assertThat(done.referenced()).isEqualTo(held - orphans.size() - 1);
        assertThat(done.scanned()).isEqualTo(done.referenced() + done.orphans() + done.recent() + done.newer());
        assertThat(orphans).allMatch(o -> objects.stat(o).equals(ObjectStat.ABSENT));

        assertEveryFileIntact();
        assertThat(queued).as("still queued for destruction").allMatch(o -> objects.stat(o).size() > 0);
        assertThat(objects.stat(newer).size()).as("allocated after the view").isEqualTo(3);

        OrphanScrub.Report again = scrub().clock(LATER).build().run();
        assertThat(again.orphans()).isZero();
        assertThat(again.scanned()).isEqualTo(held - orphans.size());
    }

    /**
     * Many files over every OST, scrubbed in small pages on both sides (many pages of the MDS's view, all served
     * from its one pass): the same report as pages of the default size, the stale objects destroyed and nothing
     * else; files kept in PENDING by an open mark, data-on-MDT files and released stubs are left as they are.
     */
    @Test
    void aScrubInSmallPagesOfManyFilesDecidesAsOneInLargePages() {
        Fid dir = mds.create(Caller.ROOT, Fid.ROOT, "many", CreateSpec.directory(0755)).attr().fid();
        for (int i = 0; i < 60; i++) {
            Fid f = mds.create(Caller.ROOT, dir, "f" + i, CreateSpec.builder(FileType.REGULAR).mode(0644)
                    .layout(LayoutTemplate.of(1 + i % 4, 64 * 1024, "")).build()).attr().fid();
            byte[] data = new byte[(1 + i % 4) * 64 * 1024 - i];
            new Random(i).nextBytes(data);
            io.write(f, 0, ByteBuffer.wrap(data), Durability.STABLE);
            io.commit(f);
            files.put(f, data);
        }
        // removed while a named gateway has them open: in PENDING, their objects referenced
        Opener gateway = new Opener("node-a", 1);
        List<ObjectRef> pendingObjects = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            Fid f = writeFile(dir, "open" + i, 200_000, 50 + i);
            mds.markOpen(gateway, f);
            mds.remove(Caller.ROOT, dir, "open" + i, RemoveKind.FILE);
            pendingObjects.addAll(mds.layout(f).objects());
        }
        // data on the MDT, and released stubs: no objects
        for (int i = 0; i < 5; i++) {
            byte[] data = ("small " + i).getBytes(java.nio.charset.StandardCharsets.UTF_8);
            Fid f = mds.putSmallFile(Caller.ROOT, new SmallFile(dir, List.of(), "small" + i, 0644, data, 64 << 10,
                    Map.of(), Map.of(), SmallFile.Expect.ANY)).attr().fid();
            files.put(f, data);
        }
        List<Fid> released = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            released.add(mds.hsmImport(Caller.ROOT, dir, "released" + i, new HsmImport.Spec(1, "s3://b/r" + i,
                    "etag:\"" + i + "\"", 1000, 1_600_000_000_000_000_000L, 0, 0, 0644, false)).attr().fid());
        }
        List<ObjectRef> orphans = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            orphans.addAll(staleWrites("stale" + i, 70 + i));
        }
        long held = objects.osts().stream().mapToLong(o -> listAll(o.index()).size()).sum();

        OrphanScrub.Report large = scrub().dryRun(true).clock(LATER).build().run();
        OrphanScrub.Report small = scrub().dryRun(true).clock(LATER).pageSizes(3, 5).build().run();
        assertThat(small.osts()).isEqualTo(large.osts());
        assertThat(large.orphans()).isEqualTo(orphans.size());
        assertThat(large.referenced()).isEqualTo(held - orphans.size());

        OrphanScrub.Report done = scrub().clock(LATER).pageSizes(2, 7).build().run();
        assertThat(done.complete()).isTrue();
        assertThat(done.scanned()).isEqualTo(held);
        assertThat(done.destroyed()).isEqualTo(orphans.size());
        assertThat(done.osts()).flatExtracting(OrphanScrub.OstReport::sample)
                .containsExactlyInAnyOrderElementsOf(orphans.stream().map(ObjectRef::id).toList());
        assertThat(orphans).allMatch(o -> objects.stat(o).equals(ObjectStat.ABSENT));
        assertThat(pendingObjects).as("objects of files in PENDING").allMatch(o -> objects.stat(o).size() > 0);
        assertEveryFileIntact();
        for (Fid f : released) {
            assertThat(mds.layout(f).isReleased()).isTrue();
            assertThat(mds.getattr(f).size()).isEqualTo(1000);
        }
    }

    @Test
    void onlyTheOstsAskedForAreScrubbedAndAnUnknownOneIsRefused() {
        writeFile(Fid.ROOT, "f", 300_000, 1);
        List<ObjectRef> orphans = staleWrites("gone", 2);
        OrphanScrub.Report r = scrub().clock(LATER).osts(Set.of(2)).build().run();
        assertThat(r.osts()).extracting(OrphanScrub.OstReport::ost).containsExactly(2);
        assertThat(r.destroyed()).isEqualTo(1);
        for (ObjectRef o : orphans) {
            assertThat(objects.stat(o).equals(ObjectStat.ABSENT)).as(o.toString()).isEqualTo(o.ost() == 2);
        }
        assertEveryFileIntact();
        assertThatThrownBy(() -> scrub().osts(Set.of(9)).build().run())
                .isInstanceOfSatisfying(NacreException.class, e -> {
                    assertThat(e.status()).isEqualTo(Status.INVALID);
                    assertThat(e.getMessage()).contains("OST0009 is not in the file system");
                });
    }

    List<ListedObject> listAll(int ost) {
        List<ListedObject> all = new ArrayList<>();
        long after = 0;
        while (true) {
            List<ListedObject> page = objects.list(ost, after, 100);
            all.addAll(page);
            if (page.size() < 100) {
                return all;
            }
            after = page.get(page.size() - 1).id();
        }
    }
}
