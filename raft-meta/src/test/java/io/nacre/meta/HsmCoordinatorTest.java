package io.nacre.meta;

import static org.assertj.core.api.Assertions.assertThat;

import io.nacre.engine.Caller;
import io.nacre.engine.Fid;
import io.nacre.engine.NacreException;
import io.nacre.engine.Status;
import io.nacre.engine.hsm.ArchiveCopy;
import io.nacre.engine.hsm.HsmAction;
import io.nacre.engine.hsm.HsmConfig;
import io.nacre.engine.hsm.HsmEvents;
import io.nacre.engine.hsm.HsmImport;
import io.nacre.engine.hsm.HsmOutcome;
import io.nacre.engine.hsm.HsmRequest;
import io.nacre.engine.hsm.HsmRequest.State;
import io.nacre.engine.hsm.HsmStatus;
import io.nacre.engine.hsm.HsmWork;
import io.nacre.engine.layout.Layout;
import io.nacre.engine.layout.ObjectRef;
import io.nacre.engine.meta.Attr;
import io.nacre.engine.meta.ChangelogRecord;
import io.nacre.engine.meta.ChangelogRecord.Type;
import io.nacre.engine.meta.CreateSpec;
import io.nacre.engine.meta.HsmState;
import io.nacre.engine.meta.MetadataService.RemoveKind;
import io.nacre.engine.meta.PendingDestroy;
import io.nacre.engine.meta.SetAttr;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The HSM coordinator in the MDS: flags, the request queue, release, the restore's layout swap, the catalog. */
class HsmCoordinatorTest extends ServerTestBase {

    static final String AGENT = "agent-a";

    @AfterEach
    void defaults() {
        mds.hsmConfigure(Caller.ROOT, HsmConfig.DEFAULT);
    }

    /** A file of {@code size} bytes (as written data) owned by alice. */
    static Fid dataFile(Fid dir, String name, long size) {
        Fid f = file(ALICE, dir, name, 0644);
        mds.dataWritten(f, size, SetAttr.SERVER_TIME);
        return f;
    }

    /** Archives through the queue as an agent would, and returns the completed request. */
    static HsmRequest archive(Fid f) {
        HsmRequest r = mds.hsmSubmit(Caller.ROOT, HsmAction.ARCHIVE, f, 0, 0);
        HsmWork w = fetchFor(r.id());
        Attr a = mds.getattr(f);
        return mds.hsmComplete(AGENT, w.requestId(), w.attempt(),
                new HsmOutcome.Archived("s3://b/" + f.toHex(), "sha256:00", a.size(), a.dataVersion()));
    }

    /** Fetches until the request with this id is handed out (other tests' leftovers are completed). */
    static HsmWork fetchFor(long id) {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            for (HsmWork w : mds.hsmFetch(AGENT, Set.of(1), 16)) {
                if (w.requestId() == id) {
                    return w;
                }
                mds.hsmComplete(AGENT, w.requestId(), w.attempt(), new HsmOutcome.Failed(Status.INVALID, "not this test's"));
            }
        }
        throw new AssertionError("request " + id + " was never handed out");
    }

    static List<ChangelogRecord> hsmRecords(long from, Fid f) {
        List<ChangelogRecord> found = new ArrayList<>();
        for (List<ChangelogRecord> page = mds.changelog(from, 4096); !page.isEmpty();
                page = mds.changelog(page.get(page.size() - 1).index() + 1, 4096)) {
            page.stream().filter(r -> r.type() == Type.HSM && f.equals(r.target())).forEach(found::add);
        }
        return found;
    }

    @Test
    void ownersSetTheirFlagsAndRootTheRest() {
        Fid d = scratch();
        Fid f = file(ALICE, d, "f", 0644);
        assertThat(mds.hsmSetState(ALICE, f, HsmState.NOARCHIVE | HsmState.NORELEASE, 0, 0).flags())
                .isEqualTo(HsmState.NOARCHIVE | HsmState.NORELEASE);
        assertStatus(Status.PERM, () -> mds.hsmSetState(BOB, f, HsmState.NORELEASE, 0, 0));
        assertStatus(Status.PERM, () -> mds.hsmSetState(ALICE, f, HsmState.EXISTS, 0, 0));
        assertStatus(Status.PERM, () -> mds.hsmSetState(ALICE, f, 0, 0, 3));
        assertStatus(Status.INVALID, () -> mds.hsmSetState(ALICE, f, HsmState.DIRTY, 0, 0));
        assertStatus(Status.INVALID, () -> mds.hsmSetState(Caller.ROOT, f, HsmState.RELEASED, 0, 0));
        HsmState s = mds.hsmSetState(Caller.ROOT, f, HsmState.EXISTS | HsmState.ARCHIVED, HsmState.NOARCHIVE, 2);
        assertThat(s.describe()).isEqualTo("(0x00000019) exists archived never_release, archive_id:2");
        assertThat(mds.hsmSetState(ALICE, f, HsmState.DIRTY, HsmState.NORELEASE, 0).describe())
                .isEqualTo("(0x0000000b) exists dirty archived, archive_id:2");
        assertStatus(Status.INVALID, () -> mds.hsmSetState(Caller.ROOT, mkdir(ALICE, d, "dir", 0755), HsmState.NOARCHIVE, 0, 0));
    }

    @Test
    void archivingSetsExistsAndArchivedAndWritesOrTruncatesMakeItDirty() {
        Fid d = scratch();
        Fid f = dataFile(d, "f", 1000);
        long from = mds.changelog(0, 1).isEmpty() ? 0 : mds.changelog(0, 1).get(0).index();
        HsmRequest r = mds.hsmSubmit(Caller.ROOT, HsmAction.ARCHIVE, f, 0, 0);
        assertThat(r.state()).isEqualTo(State.WAITING);
        assertThat(r.archiveId()).isEqualTo(1);
        assertThat(mds.hsmSubmit(Caller.ROOT, HsmAction.ARCHIVE, f, 0, 0).id()).as("the same request").isEqualTo(r.id());
        assertStatus(Status.PERM, () -> mds.hsmSubmit(ALICE, HsmAction.ARCHIVE, f, 0, 0));
        HsmWork w = fetchFor(r.id());
        assertThat(w.action()).isEqualTo(HsmAction.ARCHIVE);
        assertThat(w.attempt()).isEqualTo(1);
        assertThat(mds.hsmRequests(f)).singleElement().satisfies(q -> {
            assertThat(q.state()).isEqualTo(State.STARTED);
            assertThat(q.agent()).isEqualTo(AGENT);
        });
        Attr a = mds.getattr(f);
        HsmRequest done = mds.hsmComplete(AGENT, w.requestId(), w.attempt(),
                new HsmOutcome.Archived("s3://b/k", "sha256:ab", a.size(), a.dataVersion()));
        assertThat(done.state()).isEqualTo(State.SUCCEEDED);
        assertThat(mds.getattr(f).hsm().describe()).isEqualTo("(0x00000009) exists archived, archive_id:1");
        assertThat(mds.hsmCopy(f)).satisfies(c -> {
            assertThat(c.handle()).isEqualTo("s3://b/k");
            assertThat(c.size()).isEqualTo(1000);
        });
        assertThat(mds.hsmSubmit(Caller.ROOT, HsmAction.ARCHIVE, f, 0, 0)).as("already current").isNull();
        assertStatus(Status.STALE, () -> mds.hsmComplete(AGENT, w.requestId(), w.attempt(), new HsmOutcome.Removed()));
        assertThat(hsmRecords(from, f)).singleElement().satisfies(rec -> {
            assertThat(HsmEvents.event(rec.flags())).isEqualTo(HsmEvents.Event.ARCHIVE);
            assertThat(HsmEvents.error(rec.flags())).isZero();
        });

        mds.dataWritten(f, 10, SetAttr.SERVER_TIME);
        assertThat(mds.getattr(f).hsm().has(HsmState.DIRTY)).isTrue();
        archive(f);
        assertThat(mds.getattr(f).hsm().has(HsmState.DIRTY)).isFalse();
        mds.setattr(ALICE, f, SetAttr.builder().size(10).build());
        assertThat(mds.getattr(f).hsm().has(HsmState.DIRTY)).as("a truncate dirties too").isTrue();
    }

    @Test
    void aFileChangedDuringItsArchiveStaysDirtyAndTheRequestFails() {
        Fid f = dataFile(scratch(), "f", 100);
        HsmRequest r = mds.hsmSubmit(Caller.ROOT, HsmAction.ARCHIVE, f, 0, 0);
        HsmWork w = fetchFor(r.id());
        Attr before = mds.getattr(f);
        mds.dataWritten(f, 200, SetAttr.SERVER_TIME);
        HsmRequest done = mds.hsmComplete(AGENT, w.requestId(), w.attempt(),
                new HsmOutcome.Archived("s3://b/f", "sha256:00", before.size(), before.dataVersion()));
        assertThat(done.state()).isEqualTo(State.FAILED);
        assertThat(done.error()).isEqualTo(Status.BUSY);
        assertThat(mds.getattr(f).hsm().has(HsmState.DIRTY)).isTrue();
        assertStatus(Status.BUSY, () -> mds.hsmRelease(Caller.ROOT, f, -1));
    }

    @Test
    void aRestripedArchivedFileStaysArchivedCleanAndReleasable() {
        Fid d = scratch();
        Fid f = dataFile(d, "f", 5000);
        archive(f);
        Attr before = mds.getattr(f);
        Fid stage = LayoutSwapTest.staging(mds, "restripe-" + d.oid());
        LayoutSwapTest.withData(mds, stage, "copy", io.nacre.engine.layout.LayoutTemplate.of(2, 1 << 20, ""), 5000);
        mds.swapLayout(Caller.ROOT, f, before.dataVersion(), mds.layout(f).generation(), stage, "copy");
        Attr after = mds.getattr(f);
        assertThat(after.dataVersion()).isEqualTo(before.dataVersion());
        assertThat(after.hsm().has(HsmState.ARCHIVED)).isTrue();
        assertThat(after.hsm().has(HsmState.DIRTY)).isFalse();
        // the archive copy holds the same bytes: the file may be released
        assertThat(mds.hsmRelease(Caller.ROOT, f, after.dataVersion()).hsm().has(HsmState.RELEASED)).isTrue();
    }

    @Test
    void releaseDropsTheObjectsKeepsTheAttributesAndRefusesWhatItMust() {
        Fid d = scratch();
        Fid f = dataFile(d, "f", 5000);
        assertStatus(Status.INVALID, () -> mds.hsmRelease(Caller.ROOT, f, -1));
        archive(f);
        assertStatus(Status.PERM, () -> mds.hsmRelease(ALICE, f, -1));
        mds.hsmSetState(ALICE, f, HsmState.NORELEASE, 0, 0);
        assertStatus(Status.PERM, () -> mds.hsmRelease(Caller.ROOT, f, -1));
        mds.hsmSetState(ALICE, f, 0, HsmState.NORELEASE, 0);
        Attr before = mds.getattr(f);
        assertStatus(Status.BUSY, () -> mds.hsmRelease(Caller.ROOT, f, before.dataVersion() + 1));
        List<ObjectRef> objects = mds.layout(f).objects();
        assertThat(objects).isNotEmpty();

        Attr after = mds.hsmRelease(Caller.ROOT, f, before.dataVersion());
        assertThat(after.size()).isEqualTo(5000);
        assertThat(after.mtime()).isEqualTo(before.mtime());
        assertThat(after.uid()).isEqualTo(before.uid());
        assertThat(after.spaceUsed()).isZero();
        assertThat(after.hsm().describe()).isEqualTo("(0x0000000d) released exists archived, archive_id:1");
        Layout l = mds.layout(f);
        assertThat(l.isReleased()).isTrue();
        assertThat(l.generation()).isGreaterThan(0);
        assertThat(mds.pendingDestroys(100_000)).extracting(PendingDestroy::object).containsAll(objects);
        assertThat(mds.hsmCopy(f).template()).as("the shape kept for the restore").isNotNull();
        assertThat(mds.hsmRelease(Caller.ROOT, f, -1).hsm().has(HsmState.RELEASED)).as("again: nothing to do").isTrue();

        assertStatus(Status.DELAY, () -> mds.dataWritten(f, 10, SetAttr.SERVER_TIME));
        assertStatus(Status.DELAY, () -> mds.setattr(ALICE, f, SetAttr.builder().size(0).build()));
        assertStatus(Status.EXISTS, () -> mds.setLayout(Caller.ROOT, f, io.nacre.engine.layout.LayoutTemplate.DEFAULT));
        assertStatus(Status.INVALID, () -> mds.hsmSetState(ALICE, f, HsmState.NORELEASE, 0, 0));
        assertStatus(Status.BUSY, () -> mds.hsmSetState(Caller.ROOT, f, 0, HsmState.EXISTS, 0));
        assertStatus(Status.BUSY, () -> mds.hsmSubmit(Caller.ROOT, HsmAction.REMOVE, f, 0, 0));

        Fid dirty = dataFile(d, "dirty", 10);
        archive(dirty);
        mds.dataWritten(dirty, 20, SetAttr.SERVER_TIME);
        assertStatus(Status.BUSY, () -> mds.hsmRelease(Caller.ROOT, dirty, -1));
    }

    @Test
    void aRestoreSwapsTheStagedLayoutInAtomically() {
        Fid d = scratch();
        Fid f = dataFile(d, "f", 3000);
        archive(f);
        mds.hsmRelease(Caller.ROOT, f, -1);
        assertThat(mds.hsmSubmit(Caller.ROOT, HsmAction.ARCHIVE, f, 0, 0)).as("released: its copy is its data").isNull();
        assertStatus(Status.ACCESS, () -> mds.hsmSubmit(BOB, HsmAction.RESTORE, mds.create(ALICE, d, "private",
                CreateSpec.file(0600)).attr().fid(), 0, 0));
        HsmRequest r = mds.hsmSubmit(BOB, HsmAction.RESTORE, f, 0, 0);
        assertThat(r.uid()).isEqualTo(BOB.uid());
        HsmWork w = fetchFor(r.id());
        assertThat(w.copy().handle()).isEqualTo("s3://b/" + f.toHex());
        assertThat(w.copy().template()).isNotNull();

        Fid staging = stagingDir();
        Fid staged = mds.create(Caller.ROOT, staging, "r" + r.id(), CreateSpec.builder(io.nacre.engine.meta.FileType.REGULAR)
                .mode(0600).layout(w.copy().template()).build()).attr().fid();
        mds.dataWritten(staged, 2999, SetAttr.SERVER_TIME);
        HsmRequest wrong = mds.hsmComplete(AGENT, w.requestId(), w.attempt(), new HsmOutcome.Restored(staging, "r" + r.id()));
        assertThat(wrong.state()).as("sizes differ").isEqualTo(State.FAILED);
        assertThat(wrong.error()).isEqualTo(Status.CORRUPT);
        assertThat(mds.getattr(f).hsm().has(HsmState.RELEASED)).isTrue();

        HsmRequest r2 = mds.hsmSubmit(BOB, HsmAction.RESTORE, f, 0, 0);
        HsmWork w2 = fetchFor(r2.id());
        mds.dataWritten(staged, 3000, SetAttr.SERVER_TIME);
        List<ObjectRef> stagedObjects = mds.layout(staged).objects();
        long gen = mds.layout(f).generation();
        HsmRequest done = mds.hsmComplete(AGENT, w2.requestId(), w2.attempt(), new HsmOutcome.Restored(staging, "r" + r.id()));
        assertThat(done.state()).isEqualTo(State.SUCCEEDED);
        Attr a = mds.getattr(f);
        assertThat(a.hsm().describe()).isEqualTo("(0x00000009) exists archived, archive_id:1");
        assertThat(a.size()).isEqualTo(3000);
        assertThat(mds.layout(f).objects()).isEqualTo(stagedObjects);
        assertThat(mds.layout(f).generation()).isGreaterThan(gen);
        assertStatus(Status.STALE, () -> mds.getattr(staged));
        assertThat(mds.pendingDestroys(100_000)).extracting(PendingDestroy::object).doesNotContainAnyElementsOf(stagedObjects);
        assertThat(mds.hsmSubmit(Caller.ROOT, HsmAction.RESTORE, f, 0, 0)).as("not released any more").isNull();
        assertThat(mds.hsmSubmit(Caller.ROOT, HsmAction.ARCHIVE, f, 0, 0)).as("the copy is still current").isNull();
    }

    @Test
    void aStagedFileMustComeFromTheHiddenDirectory() {
        Fid d = scratch();
        Fid f = dataFile(d, "f", 10);
        archive(f);
        mds.hsmRelease(Caller.ROOT, f, -1);
        Fid visible = dataFile(d, "visible", 10);
        HsmRequest r = mds.hsmSubmit(Caller.ROOT, HsmAction.RESTORE, f, 0, 0);
        HsmWork w = fetchFor(r.id());
        HsmRequest done = mds.hsmComplete(AGENT, w.requestId(), w.attempt(), new HsmOutcome.Restored(d, "visible"));
        assertThat(done.state()).isEqualTo(State.FAILED);
        assertThat(mds.getattr(visible).size()).isEqualTo(10);
        assertThat(mds.getattr(f).hsm().has(HsmState.RELEASED)).isTrue();
    }

    static Fid stagingDir() {
        try {
            return mds.lookup(Caller.ROOT, Fid.HIDDEN, "hsm-test").fid();
        } catch (NacreException e) {
            return mds.create(Caller.ROOT, Fid.HIDDEN, "hsm-test", CreateSpec.directory(0700)).attr().fid();
        }
    }

    @Test
    void aSilentAgentsRequestGoesToAnotherAndTheFirstCannotCompleteIt() {
        mds.hsmConfigure(Caller.ROOT, new HsmConfig(Duration.ofSeconds(1), 5, Duration.ofMinutes(1), 1, 0));
        Fid f = dataFile(scratch(), "f", 10);
        HsmRequest r = mds.hsmSubmit(Caller.ROOT, HsmAction.ARCHIVE, f, 0, 0);
        HsmWork first = fetchFor(r.id());
        assertThat(mds.hsmProgress(AGENT, Map.of(r.id(), 5L))).isEmpty();
        HsmWork second = null;
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (second == null) {
            assertThat(System.nanoTime()).as("handed out again before the deadline").isLessThan(deadline);
            second = mds.hsmFetch("agent-b", Set.of(1), 16).stream().filter(w -> w.requestId() == r.id()).findFirst()
                    .orElse(null);
        }
        assertThat(second.attempt()).isEqualTo(2);
        assertThat(mds.hsmProgress(AGENT, Map.of(r.id(), 6L))).containsExactly(r.id());
        Attr a = mds.getattr(f);
        HsmOutcome ok = new HsmOutcome.Archived("s3://b/f", "sha256:00", a.size(), a.dataVersion());
        assertStatus(Status.STALE, () -> mds.hsmComplete(AGENT, first.requestId(), first.attempt(), ok));
        assertThat(mds.hsmComplete("agent-b", second.requestId(), second.attempt(), ok).state()).isEqualTo(State.SUCCEEDED);
        HsmStatus st = mds.hsmStatus(10);
        assertThat(st.agents()).extracting(HsmStatus.Agent::name).contains(AGENT, "agent-b");
    }

    @Test
    void transientFailuresAreRetriedAndAMissingCopyMarksTheFileLost() {
        Fid f = dataFile(scratch(), "f", 10);
        archive(f);
        mds.hsmRelease(Caller.ROOT, f, -1);
        HsmRequest r = mds.hsmSubmit(Caller.ROOT, HsmAction.RESTORE, f, 0, 0);
        HsmWork w = fetchFor(r.id());
        HsmRequest again = mds.hsmComplete(AGENT, w.requestId(), w.attempt(), new HsmOutcome.Failed(Status.IO, "network"));
        assertThat(again.state()).isEqualTo(State.WAITING);
        assertThat(again.notBefore()).isGreaterThan(again.submitted());
        assertThat(again.message()).isEqualTo("network");
        HsmWork w2 = fetchFor(r.id());
        assertThat(w2.attempt()).isEqualTo(2);
        HsmRequest lost = mds.hsmComplete(AGENT, w2.requestId(), w2.attempt(),
                new HsmOutcome.Failed(Status.NOT_FOUND, "no such key"));
        assertThat(lost.state()).isEqualTo(State.FAILED);
        assertThat(mds.getattr(f).hsm().has(HsmState.LOST)).isTrue();
        assertStatus(Status.IO, () -> mds.hsmSubmit(Caller.ROOT, HsmAction.RESTORE, f, 0, 0));
    }

    @Test
    void cancelStopsWaitingAndRunningRequests() {
        Fid d = scratch();
        Fid waiting = dataFile(d, "w", 10);
        Fid running = dataFile(d, "r", 10);
        HsmRequest rw = mds.hsmSubmit(Caller.ROOT, HsmAction.ARCHIVE, waiting, 0, System.currentTimeMillis() * 1_000_000
                + Duration.ofHours(1).toNanos());
        HsmRequest rr = mds.hsmSubmit(Caller.ROOT, HsmAction.ARCHIVE, running, 0, 0);
        HsmWork w = fetchFor(rr.id());
        assertThat(mds.hsmSubmit(Caller.ROOT, HsmAction.CANCEL, waiting, 0, 0).state()).isEqualTo(State.CANCELED);
        assertThat(mds.hsmSubmit(Caller.ROOT, HsmAction.CANCEL, running, 0, 0).id()).isEqualTo(rr.id());
        assertThat(mds.hsmProgress(AGENT, Map.of(rr.id(), 1L))).containsExactly(rr.id());
        assertStatus(Status.STALE, () -> mds.hsmComplete(AGENT, w.requestId(), w.attempt(), new HsmOutcome.Removed()));
        assertThat(mds.hsmRequests(waiting)).singleElement().extracting(HsmRequest::id, HsmRequest::state)
                .containsExactly(rw.id(), State.CANCELED);
        assertThat(mds.hsmSubmit(Caller.ROOT, HsmAction.CANCEL, waiting, 0, 0)).as("nothing left").isNull();
    }

    @Test
    void unlinkingAFileCancelsItsWaitingArchiveRequest() {
        Fid d = scratch();
        Fid f = dataFile(d, "f", 10);
        HsmRequest r = mds.hsmSubmit(Caller.ROOT, HsmAction.ARCHIVE, f, 0, System.currentTimeMillis() * 1_000_000
                + Duration.ofHours(1).toNanos());
        assertThat(r.state()).isEqualTo(State.WAITING);
        mds.remove(ALICE, d, "f", RemoveKind.FILE);
        assertThat(mds.hsmRequests(f)).singleElement().extracting(HsmRequest::id, HsmRequest::state)
                .containsExactly(r.id(), State.CANCELED);
    }

    @Test
    void anUnlinkedFilesCopyStaysInTheCatalogUntilRemovedByFid() {
        Fid d = scratch();
        Fid f = dataFile(d, "f", 10);
        archive(f);
        long from = mds.changelogRegister("hsm-unlink-test");
        try {
            mds.remove(ALICE, d, "f", RemoveKind.FILE);
            ChangelogRecord unlink = mds.changelog(from, 100).stream().filter(r -> r.type() == Type.UNLNK).findFirst()
                    .orElseThrow();
            assertThat(unlink.flags()).isEqualTo(ChangelogRecord.UNLINK_LAST | ChangelogRecord.UNLINK_HSM_EXISTS);
        } finally {
            mds.changelogDeregister("hsm-unlink-test");
        }
        ArchiveCopy tomb = mds.hsmCopy(f);
        assertThat(tomb.unlinked()).isPositive();
        assertThat(mds.hsmCatalog(null, 4096)).anySatisfy(e -> {
            assertThat(e.fid()).isEqualTo(f);
            assertThat(e.attr()).isNull();
        });
        assertStatus(Status.STALE, () -> mds.hsmSubmit(Caller.ROOT, HsmAction.ARCHIVE, f, 0, 0));
        HsmRequest rm = mds.hsmSubmit(Caller.ROOT, HsmAction.REMOVE, f, 0, 0);
        HsmWork w = fetchFor(rm.id());
        assertThat(w.copy().handle()).isEqualTo(tomb.handle());
        assertThat(mds.hsmComplete(AGENT, w.requestId(), w.attempt(), new HsmOutcome.Removed()).state())
                .isEqualTo(State.SUCCEEDED);
        assertThat(mds.hsmCopy(f)).isNull();
    }

    @Test
    void reArchivingUnderANewPathQueuesTheRemovalOfTheOldCopy() {
        Fid f = dataFile(scratch(), "f", 10);
        archive(f);
        String oldHandle = mds.hsmCopy(f).handle();
        mds.dataWritten(f, 20, SetAttr.SERVER_TIME);
        HsmRequest r = mds.hsmSubmit(Caller.ROOT, HsmAction.ARCHIVE, f, 0, 0);
        HsmWork w = fetchFor(r.id());
        assertThat(w.previous().handle()).isEqualTo(oldHandle);
        Attr a = mds.getattr(f);
        mds.hsmComplete(AGENT, w.requestId(), w.attempt(), new HsmOutcome.Archived("s3://b/renamed", "sha256:01", a.size(),
                a.dataVersion()));
        HsmRequest removal = mds.hsmRequests(f).stream().filter(q -> q.action() == HsmAction.REMOVE).findFirst().orElseThrow();
        assertThat(removal.handle()).isEqualTo(oldHandle);
        HsmWork rw = fetchFor(removal.id());
        assertThat(rw.copy().handle()).isEqualTo(oldHandle);
        mds.hsmComplete(AGENT, rw.requestId(), rw.attempt(), new HsmOutcome.Removed());
        assertThat(mds.getattr(f).hsm().has(HsmState.ARCHIVED)).as("the file's current copy stays").isTrue();
        assertThat(mds.hsmCopy(f).handle()).isEqualTo("s3://b/renamed");
    }

    @Test
    void importMakesReleasedStubsAndRefreshTakesChangedObjects() {
        Fid d = scratch();
        HsmImport.Spec spec = new HsmImport.Spec(1, "s3://src/a.bin", "etag:\"abc\"", 1234, 1_600_000_000_000_000_000L,
                1000, 1000, 0644, false);
        HsmImport.Result made = mds.hsmImport(Caller.ROOT, d, "a.bin", spec);
        assertThat(made.outcome()).isEqualTo(HsmImport.Outcome.CREATED);
        Attr a = made.attr();
        assertThat(a.size()).isEqualTo(1234);
        assertThat(a.mtime()).isEqualTo(1_600_000_000_000_000_000L);
        assertThat(a.hsm().describe()).isEqualTo("(0x0000000d) released exists archived, archive_id:1");
        assertThat(mds.layout(a.fid()).isReleased()).isTrue();
        assertThat(mds.hsmImport(Caller.ROOT, d, "a.bin", spec).outcome()).isEqualTo(HsmImport.Outcome.UNCHANGED);
        HsmImport.Spec changed = new HsmImport.Spec(1, "s3://src/a.bin", "etag:\"def\"", 99, 1_700_000_000_000_000_000L,
                1000, 1000, 0644, true);
        HsmImport.Result updated = mds.hsmImport(Caller.ROOT, d, "a.bin", changed);
        assertThat(updated.outcome()).isEqualTo(HsmImport.Outcome.UPDATED);
        assertThat(updated.attr().size()).isEqualTo(99);
        assertThat(mds.hsmCopy(a.fid()).checksum()).isEqualTo("etag:\"def\"");
        file(ALICE, d, "mine", 0644);
        assertThat(mds.hsmImport(Caller.ROOT, d, "mine", changed).outcome()).isEqualTo(HsmImport.Outcome.SKIPPED);
        assertStatus(Status.PERM, () -> mds.hsmImport(ALICE, d, "b", spec));
    }

    @Test
    void pathGivesTheNamesFromTheRoot() {
        Fid d = scratch();
        Fid sub = mkdir(ALICE, d, "sub", 0755);
        Fid f = file(ALICE, sub, "f", 0644);
        String dn = mds.path(d);
        assertThat(mds.path(f)).isEqualTo(dn + "/sub/f");
        mds.rename(ALICE, sub, "f", d, "g");
        assertThat(mds.path(f)).isEqualTo(dn + "/g");
        assertThat(mds.path(Fid.ROOT)).isEqualTo("/");
        assertStatus(Status.NOT_FOUND, () -> mds.path(stagingDir()));
    }

    @Test
    void aConsumerThatDoesNotClearHoldsEveryRecordPastTheWindow() throws Exception {
        long from = mds.changelogRegister("slow");
        try {
            Fid d = scratch();
            int n = Tx.CHANGELOG_WINDOW + 500;
            try (var pool = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
                for (int i = 0; i < n; i++) {
                    int k = i;
                    pool.submit(() -> mds.create(Caller.ROOT, d, "f" + k, CreateSpec.file(0644)));
                }
            }
            long seen = 0;
            long next = from;
            while (true) {
                List<ChangelogRecord> page = mds.changelog(next, 4096);
                if (page.isEmpty()) {
                    break;
                }
                seen += page.size();
                next = page.get(page.size() - 1).index() + 1;
            }
            assertThat(seen).isGreaterThanOrEqualTo(n + 1);
            HsmStatus.Consumer c = mds.hsmStatus(0).consumers().stream().filter(x -> x.name().equals("slow")).findFirst()
                    .orElseThrow();
            assertThat(c.behind()).isGreaterThanOrEqualTo(n);
            assertThat(c.oldestUnread()).isPositive();
        } finally {
            mds.changelogDeregister("slow");
        }
    }
}
