package io.nacre.meta;

import static org.assertj.core.api.Assertions.assertThat;

import io.nacre.engine.Caller;
import io.nacre.engine.Fid;
import io.nacre.engine.Status;
import io.nacre.engine.meta.Attr;
import io.nacre.engine.meta.CreateSpec;
import io.nacre.engine.meta.DirEntry;
import io.nacre.engine.meta.DirPage;
import io.nacre.engine.meta.FileType;
import io.nacre.engine.meta.MetadataService.RemoveKind;
import io.nacre.engine.meta.Results.Created;
import io.nacre.engine.meta.Results.Removed;
import io.nacre.engine.meta.Results.Renamed;
import io.nacre.engine.meta.SetAttr;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Names: create, link, remove, rename, readdir, list and resolve, with their POSIX errors, through a real MDS. */
class NamespaceTest extends ServerTestBase {

    @Test
    void createdFileHasCallerAsOwnerAndCanBeLookedUp() {
        Fid d = scratch();
        Created c = mds.create(ALICE, d, "f", CreateSpec.file(0640));
        Attr a = c.attr();
        assertThat(c.existed()).isFalse();
        assertThat(a.type()).isEqualTo(FileType.REGULAR);
        assertThat(a.mode()).isEqualTo(0640);
        assertThat(a.uid()).isEqualTo(1000);
        assertThat(a.gid()).isEqualTo(1000);
        assertThat(a.nlink()).isEqualTo(1);
        assertThat(a.size()).isZero();
        assertThat(a.ctime()).isEqualTo(a.btime());
        assertThat(c.dir().after()).isEqualTo(c.dir().before() + 1);
        assertThat(mds.lookup(ALICE, d, "f")).isEqualTo(a);
        assertThat(mds.getattr(a.fid())).isEqualTo(a);
        assertThat(a.fid().isReserved()).isFalse();
    }

    @Test
    void guardedCreateOfAnExistingNameFailsAndUncheckedReturnsTheFile() {
        Fid d = scratch();
        Fid f = file(ALICE, d, "f", 0644);
        assertStatus(Status.EXISTS, () -> mds.create(ALICE, d, "f", CreateSpec.file(0644)));
        Created again = mds.create(ALICE, d, "f", CreateSpec.builder(FileType.REGULAR).how(CreateSpec.How.UNCHECKED).build());
        assertThat(again.existed()).isTrue();
        assertThat(again.attr().fid()).isEqualTo(f);
        mkdir(ALICE, d, "sub", 0755);
        assertStatus(Status.IS_DIR, () -> mds.create(ALICE, d, "sub",
                CreateSpec.builder(FileType.REGULAR).how(CreateSpec.How.UNCHECKED).build()));
        assertStatus(Status.EXISTS, () -> mds.create(ALICE, d, "sub", CreateSpec.directory(0755)));
    }

    @Test
    void exclusiveCreateIsIdempotentForItsVerifierOnly() {
        Fid d = scratch();
        CreateSpec spec = CreateSpec.builder(FileType.REGULAR).exclusive(42).build();
        Created first = mds.create(ALICE, d, "x", spec);
        Created retry = mds.create(ALICE, d, "x", spec);
        assertThat(retry.existed()).isTrue();
        assertThat(retry.attr().fid()).isEqualTo(first.attr().fid());
        assertStatus(Status.EXISTS, () -> mds.create(ALICE, d, "x", CreateSpec.builder(FileType.REGULAR).exclusive(43).build()));
        file(ALICE, d, "plain", 0644);
        assertStatus(Status.EXISTS, () -> mds.create(ALICE, d, "plain", CreateSpec.builder(FileType.REGULAR).exclusive(0).build()));
    }

    @Test
    void badNamesAreRefusedWithClearErrors() {
        Fid d = scratch();
        assertStatus(Status.INVALID, () -> file(ALICE, d, "", 0644));
        assertStatus(Status.INVALID, () -> file(ALICE, d, ".", 0644));
        assertStatus(Status.INVALID, () -> file(ALICE, d, "..", 0644));
        assertStatus(Status.INVALID, () -> file(ALICE, d, "a/b", 0644));
        assertStatus(Status.INVALID, () -> file(ALICE, d, "a\0b", 0644));
        assertStatus(Status.NAME_TOO_LONG, () -> file(ALICE, d, "é".repeat(128), 0644));
        String longest = "n".repeat(255);
        file(ALICE, d, longest, 0644);
        assertThat(mds.lookup(ALICE, d, longest).type()).isEqualTo(FileType.REGULAR);
    }

    @Test
    void missingOrWrongParentsGiveStaleAndNotDir() {
        Fid d = scratch();
        Fid f = file(ALICE, d, "f", 0644);
        assertStatus(Status.STALE, () -> file(ALICE, new Fid(Fid.FIRST_NORMAL_SEQ + 99, 5, 0), "x", 0644));
        assertStatus(Status.NOT_DIR, () -> file(ALICE, f, "x", 0644));
        assertStatus(Status.NOT_FOUND, () -> mds.lookup(ALICE, d, "nope"));
        assertStatus(Status.NOT_DIR, () -> mds.lookup(ALICE, f, "x"));
    }

    @Test
    void rootLooksUpInAnyDirectoryWithTheErrorsInTheirOrder() {
        Fid d = scratch();
        Fid closed = mkdir(ALICE, d, "closed", 0000);
        Fid f = file(Caller.ROOT, closed, "f", 0600);
        Fid emptied = mkdir(ALICE, d, "emptied", 0755);
        mds.remove(ALICE, d, "emptied", RemoveKind.DIRECTORY);
        Fid file = file(ALICE, d, "file", 0644);
        // root searches a directory nobody may search; others may not
        assertThat(mds.lookup(Caller.ROOT, closed, "f")).isEqualTo(mds.getattr(f));
        assertStatus(Status.ACCESS, () -> mds.lookup(BOB, closed, "f"));
        assertStatus(Status.NOT_FOUND, () -> mds.lookup(Caller.ROOT, closed, "g"));
        // a directory that is gone is STALE, a file is no directory
        assertStatus(Status.STALE, () -> mds.lookup(Caller.ROOT, emptied, "f"));
        assertStatus(Status.NOT_DIR, () -> mds.lookup(Caller.ROOT, file, "f"));
    }

    @Test
    void createNeedsWriteAndSearchPermissionOnTheDirectory() {
        Fid d = scratch();
        Fid ro = mkdir(ALICE, d, "ro", 0555);
        Fid noSearch = mkdir(ALICE, d, "nx", 0766);
        assertStatus(Status.ACCESS, () -> file(BOB, ro, "f", 0644));
        assertStatus(Status.ACCESS, () -> file(BOB, noSearch, "f", 0644));
        assertStatus(Status.ACCESS, () -> mds.lookup(BOB, noSearch, "f"));
        // root writes anywhere
        file(Caller.ROOT, ro, "f", 0644);
        // the name exists: EXISTS wins over the missing write permission, as in Linux
        assertStatus(Status.EXISTS, () -> file(BOB, ro, "f", 0644));
    }

    @Test
    void setgidDirectoryGivesItsGroupAndPassesTheBitToSubdirectories() {
        Fid d = scratch();
        Fid shared = mkdir(ALICE, d, "shared", 0777);
        mds.setattr(ALICE, shared, SetAttr.builder().gid(2000).mode(02777).build());
        Attr f = mds.create(BOB, shared, "f", CreateSpec.file(0644)).attr();
        assertThat(f.gid()).isEqualTo(2000);
        Attr sub = mds.create(BOB, shared, "sub", CreateSpec.directory(0755)).attr();
        assertThat(sub.gid()).isEqualTo(2000);
        assertThat(sub.mode() & 02000).isEqualTo(02000);
        // a non-member creating a set-group-id file in that group loses the bit
        Attr sgid = mds.create(BOB, shared, "g", CreateSpec.file(02755)).attr();
        assertThat(sgid.mode() & 02000).isZero();
    }

    @Test
    void onlyRootCreatesFilesOwnedBySomeoneElse() {
        Fid d = scratch();
        CreateSpec forBob = CreateSpec.builder(FileType.REGULAR).initial(SetAttr.builder().uid(1001).gid(1001).build()).build();
        assertStatus(Status.PERM, () -> mds.create(ALICE, d, "f", forBob));
        Attr a = mds.create(Caller.ROOT, d, "f", forBob).attr();
        assertThat(a.uid()).isEqualTo(1001);
        assertThat(a.gid()).isEqualTo(1001);
        Attr times = mds.create(Caller.ROOT, d, "t", CreateSpec.builder(FileType.REGULAR)
                .initial(SetAttr.builder().mtime(1_000_000_000L).build()).build()).attr();
        assertThat(times.mtime()).isEqualTo(1_000_000_000L);
    }

    @Test
    void directoriesCountTheirSubdirectoriesInNlink() {
        Fid d = scratch();
        assertThat(attr(d).nlink()).isEqualTo(2);
        mkdir(ALICE, d, "a", 0755);
        mkdir(ALICE, d, "b", 0755);
        file(ALICE, d, "f", 0644);
        assertThat(attr(d).nlink()).isEqualTo(4);
        mds.remove(ALICE, d, "a", RemoveKind.DIRECTORY);
        assertThat(attr(d).nlink()).isEqualTo(3);
    }

    @Test
    void symlinksAndSpecialFiles() {
        Fid d = scratch();
        Attr l = mds.create(ALICE, d, "l", CreateSpec.symlink("../some/where")).attr();
        assertThat(l.type()).isEqualTo(FileType.SYMLINK);
        assertThat(l.size()).isEqualTo(13);
        assertThat(mds.readlink(l.fid())).isEqualTo("../some/where");
        Fid f = file(ALICE, d, "f", 0644);
        assertStatus(Status.INVALID, () -> mds.readlink(f));
        assertStatus(Status.NAME_TOO_LONG, () -> mds.create(ALICE, d, "long", CreateSpec.symlink("x".repeat(4097))));
        Attr dev = mds.create(Caller.ROOT, d, "null", CreateSpec.builder(FileType.CHAR).mode(0666).rdev(1, 3).build()).attr();
        assertThat(dev.type()).isEqualTo(FileType.CHAR);
        assertThat(dev.rdevMajor()).isEqualTo(1);
        assertThat(dev.rdevMinor()).isEqualTo(3);
        assertThat(mds.create(ALICE, d, "fifo", CreateSpec.builder(FileType.FIFO).build()).attr().stMode())
                .isEqualTo(0010644);
    }

    @Test
    void hardLinksShareTheInodeUntilTheLastNameGoes() {
        Fid d = scratch();
        Fid f = file(ALICE, d, "f", 0644);
        Created l = mds.link(ALICE, f, d, "g");
        assertThat(l.attr().nlink()).isEqualTo(2);
        assertThat(mds.lookup(ALICE, d, "g").fid()).isEqualTo(f);
        assertStatus(Status.EXISTS, () -> mds.link(ALICE, f, d, "g"));
        assertStatus(Status.PERM, () -> mds.link(ALICE, d, d, "dirlink"));
        Removed r1 = mds.remove(ALICE, d, "f", RemoveKind.FILE);
        assertThat(r1.attr().nlink()).isEqualTo(1);
        assertThat(r1.destroys()).isEmpty();
        assertThat(attr(f).nlink()).isEqualTo(1);
        Removed r2 = mds.remove(ALICE, d, "g", RemoveKind.FILE);
        assertThat(r2.attr().nlink()).isZero();
        assertThat(r2.destroys()).hasSize(1);
        assertStatus(Status.STALE, () -> mds.getattr(f));
    }

    @Test
    void removeKindsAndTheirErrors() {
        Fid d = scratch();
        Fid sub = mkdir(ALICE, d, "sub", 0755);
        file(ALICE, sub, "inner", 0644);
        file(ALICE, d, "f", 0644);
        assertStatus(Status.IS_DIR, () -> mds.remove(ALICE, d, "sub", RemoveKind.FILE));
        assertStatus(Status.NOT_DIR, () -> mds.remove(ALICE, d, "f", RemoveKind.DIRECTORY));
        assertStatus(Status.NOT_EMPTY, () -> mds.remove(ALICE, d, "sub", RemoveKind.ANY));
        assertStatus(Status.NOT_FOUND, () -> mds.remove(ALICE, d, "nope", RemoveKind.ANY));
        mds.remove(ALICE, sub, "inner", RemoveKind.ANY);
        Removed r = mds.remove(ALICE, d, "sub", RemoveKind.ANY);
        assertThat(r.attr().type()).isEqualTo(FileType.DIRECTORY);
        assertStatus(Status.STALE, () -> mds.getattr(sub));
        Fid priv = mkdir(ALICE, d, "private", 0755);
        file(ALICE, priv, "x", 0666);
        assertStatus(Status.ACCESS, () -> mds.remove(BOB, priv, "x", RemoveKind.ANY));
    }

    @Test
    void stickyDirectoryLetsOnlyOwnersRemove() {
        Fid d = scratch();
        Fid tmp = mkdir(ALICE, d, "tmp", 01777);
        file(BOB, tmp, "bobs", 0644);
        file(CAROL, tmp, "carols", 0644);
        assertStatus(Status.PERM, () -> mds.remove(CAROL, tmp, "bobs", RemoveKind.FILE));
        assertStatus(Status.PERM, () -> mds.rename(CAROL, tmp, "bobs", tmp, "mine"));
        assertStatus(Status.PERM, () -> mds.rename(BOB, tmp, "bobs", tmp, "carols"));
        mds.remove(BOB, tmp, "bobs", RemoveKind.FILE);
        mds.remove(ALICE, tmp, "carols", RemoveKind.FILE);
    }

    @Test
    void renameWithinAndAcrossDirectories() {
        Fid d = scratch();
        Fid a = mkdir(ALICE, d, "a", 0755);
        Fid b = mkdir(ALICE, d, "b", 0755);
        Fid f = file(ALICE, a, "f", 0644);
        Renamed r = mds.rename(ALICE, a, "f", a, "g");
        assertThat(r.renamed().fid()).isEqualTo(f);
        assertThat(r.replaced()).isNull();
        assertStatus(Status.NOT_FOUND, () -> mds.lookup(ALICE, a, "f"));
        Renamed across = mds.rename(ALICE, a, "g", b, "h");
        assertThat(across.from().after()).isGreaterThan(across.from().before());
        assertThat(across.to().after()).isGreaterThan(across.to().before());
        assertThat(mds.lookup(ALICE, b, "h").fid()).isEqualTo(f);
        Fid sub = mkdir(ALICE, a, "sub", 0755);
        mds.rename(ALICE, a, "sub", b, "sub2");
        assertThat(attr(a).nlink()).isEqualTo(2);
        assertThat(attr(b).nlink()).isEqualTo(3);
        assertThat(mds.resolve(ALICE, sub, "..").fid()).isEqualTo(b);
        assertStatus(Status.NOT_FOUND, () -> mds.rename(ALICE, a, "nope", b, "x"));
    }

    @Test
    void renameReplacesTargetsAsPosixSays() {
        Fid d = scratch();
        Fid f1 = file(ALICE, d, "f1", 0644);
        Fid f2 = file(ALICE, d, "f2", 0644);
        Renamed r = mds.rename(ALICE, d, "f1", d, "f2");
        assertThat(r.replaced().fid()).isEqualTo(f2);
        assertThat(r.replaced().nlink()).isZero();
        assertThat(r.destroys()).hasSize(1);
        assertThat(mds.lookup(ALICE, d, "f2").fid()).isEqualTo(f1);
        assertStatus(Status.STALE, () -> mds.getattr(f2));

        Fid full = mkdir(ALICE, d, "full", 0755);
        file(ALICE, full, "x", 0644);
        mkdir(ALICE, d, "empty", 0755);
        mkdir(ALICE, d, "src", 0755);
        assertStatus(Status.NOT_EMPTY, () -> mds.rename(ALICE, d, "src", d, "full"));
        assertStatus(Status.NOT_DIR, () -> mds.rename(ALICE, d, "src", d, "f2"));
        assertStatus(Status.IS_DIR, () -> mds.rename(ALICE, d, "f2", d, "empty"));
        long nlink = attr(d).nlink();
        mds.rename(ALICE, d, "src", d, "empty");
        assertThat(attr(d).nlink()).isEqualTo(nlink - 1);
    }

    @Test
    void aDirectoryCannotMoveUnderItself() {
        Fid d = scratch();
        Fid a = mkdir(ALICE, d, "a", 0755);
        Fid b = mkdir(ALICE, a, "b", 0755);
        Fid c = mkdir(ALICE, b, "c", 0755);
        assertStatus(Status.INVALID, () -> mds.rename(ALICE, d, "a", c, "a"));
        assertStatus(Status.INVALID, () -> mds.rename(ALICE, d, "a", a, "a2"));
        mds.rename(ALICE, b, "c", d, "c");
        assertThat(mds.resolve(ALICE, d, "c").fid()).isEqualTo(c);
    }

    @Test
    void renamingOneNameOntoAnotherOfTheSameInodeDoesNothing() {
        Fid d = scratch();
        Fid f = file(ALICE, d, "f", 0644);
        mds.link(ALICE, f, d, "g");
        Renamed r = mds.rename(ALICE, d, "f", d, "g");
        assertThat(r.replaced()).isNull();
        assertThat(mds.lookup(ALICE, d, "f").fid()).isEqualTo(f);
        assertThat(mds.lookup(ALICE, d, "g").fid()).isEqualTo(f);
        assertThat(attr(f).nlink()).isEqualTo(2);
    }

    @Test
    void movingADirectoryToAnotherParentNeedsWritePermissionOnIt() {
        Fid d = scratch();
        Fid a = mkdir(BOB, d, "a", 0777);
        Fid b = mkdir(BOB, d, "b", 0777);
        mkdir(ALICE, a, "locked", 0555);
        assertStatus(Status.ACCESS, () -> mds.rename(BOB, a, "locked", b, "locked"));
        mds.rename(BOB, a, "locked", a, "renamed");
    }

    @Test
    void readdirCookiesAreStableAndResumeExactlyOnce() {
        Fid d = scratch();
        for (int i = 0; i < 50; i++) {
            file(ALICE, d, "f" + i, 0644);
        }
        List<DirEntry> all = new ArrayList<>();
        long cookie = 0;
        DirPage p;
        do {
            p = mds.readdir(ALICE, d, cookie, 7);
            all.addAll(p.entries());
            if (!p.entries().isEmpty()) {
                cookie = p.entries().get(p.entries().size() - 1).cookie();
            }
        } while (!p.eof());
        assertThat(all).hasSize(50);
        assertThat(all).allSatisfy(e -> assertThat(e.cookie()).isGreaterThan(2));
        assertThat(all.stream().map(DirEntry::name).distinct().count()).isEqualTo(50);

        // entries removed and added in the middle of a listing do not disturb the others
        long resume = all.get(19).cookie();
        mds.remove(ALICE, d, all.get(19).name(), RemoveKind.FILE);
        mds.remove(ALICE, d, all.get(25).name(), RemoveKind.FILE);
        file(ALICE, d, "late", 0644);
        List<String> rest = new ArrayList<>();
        cookie = resume;
        do {
            p = mds.readdir(ALICE, d, cookie, 10);
            p.entries().forEach(e -> rest.add(e.name()));
            if (!p.entries().isEmpty()) {
                cookie = p.entries().get(p.entries().size() - 1).cookie();
            }
        } while (!p.eof());
        List<String> expected = new ArrayList<>(all.subList(20, 50).stream().map(DirEntry::name).toList());
        expected.remove(all.get(25).name());
        expected.add("late");
        assertThat(rest).containsExactlyElementsOf(expected);
        // the same cookies come back on a second listing
        assertThat(mds.readdir(ALICE, d, 0, 100).entries().get(0).cookie()).isEqualTo(all.get(0).cookie());
        assertStatus(Status.ACCESS, () -> mds.readdir(ALICE, mkdir(BOB, d, "noread", 0311), 0, 10));
        assertStatus(Status.INVALID, () -> mds.readdir(ALICE, d, 0, 0));
    }

    @Test
    void listGoesInByteOrderOfNamesAndResumesAfterAName() {
        Fid d = scratch();
        List<String> names = List.of("b", "a", "é", "Z", "a0", "aa", "z", "~", "0");
        for (String n : names) {
            file(ALICE, d, n, 0644);
        }
        List<String> sorted = new ArrayList<>(names);
        sorted.sort((x, y) -> java.util.Arrays.compareUnsigned(x.getBytes(StandardCharsets.UTF_8),
                y.getBytes(StandardCharsets.UTF_8)));
        DirPage all = mds.list(ALICE, d, "", 100);
        assertThat(all.eof()).isTrue();
        assertThat(all.entries().stream().map(DirEntry::name)).containsExactlyElementsOf(sorted);
        DirPage page = mds.list(ALICE, d, "a", 3);
        assertThat(page.entries().stream().map(DirEntry::name)).containsExactly("a0", "aa", "b");
        assertThat(page.eof()).isFalse();
        assertThat(mds.list(ALICE, d, "az", 100).entries().get(0).name()).isEqualTo("b");
        DirPage last = mds.list(ALICE, d, "z", 100);
        assertThat(last.entries().stream().map(DirEntry::name)).containsExactly("~", "é");
        assertThat(mds.list(ALICE, d, "é", 10).entries()).isEmpty();
        // cookies are readdir's
        DirEntry viaList = all.entries().get(0);
        assertThat(mds.readdir(ALICE, d, 0, 100).entries()).contains(viaList);
    }

    @Test
    void resolveWalksPathsWithoutFollowingSymlinks() {
        Fid d = scratch();
        Fid a = mkdir(ALICE, d, "a", 0755);
        Fid b = mkdir(ALICE, a, "b", 0755);
        Fid f = file(ALICE, b, "f", 0644);
        Fid l = mds.create(ALICE, a, "link", CreateSpec.symlink("b")).attr().fid();
        assertThat(mds.resolve(ALICE, d, "a/b/f").fid()).isEqualTo(f);
        assertThat(mds.resolve(ALICE, d, "").fid()).isEqualTo(d);
        assertThat(mds.resolve(ALICE, d, "a//b/./f").fid()).isEqualTo(f);
        assertThat(mds.resolve(ALICE, b, "../../a").fid()).isEqualTo(a);
        assertThat(mds.resolve(ALICE, d, "a/link").fid()).isEqualTo(l);
        assertStatus(Status.NOT_DIR, () -> mds.resolve(ALICE, d, "a/link/f"));
        assertStatus(Status.NOT_DIR, () -> mds.resolve(ALICE, d, "a/b/f/"));
        assertStatus(Status.NOT_FOUND, () -> mds.resolve(ALICE, d, "a/nope/f"));
        mds.setattr(ALICE, a, SetAttr.builder().mode(0700).build());
        assertStatus(Status.ACCESS, () -> mds.resolve(BOB, d, "a/b/f"));
        assertThat(mds.resolve(Caller.ROOT, d, "a/b/f").fid()).isEqualTo(f);
    }

    @Test
    void theRootAndHiddenDirectoriesExistFromTheStart() {
        Attr root = attr(Fid.ROOT);
        assertThat(root.isDir()).isTrue();
        assertThat(root.mode()).isEqualTo(0755);
        Attr hidden = attr(Fid.HIDDEN);
        assertThat(hidden.isDir()).isTrue();
        Set<String> rootNames = new HashSet<>();
        mds.readdir(Caller.ROOT, Fid.ROOT, 0, 4096).entries().forEach(e -> rootNames.add(e.name()));
        assertThat(rootNames).allSatisfy(n -> assertThat(n).startsWith("t"));
        Fid staged = file(Caller.ROOT, Fid.HIDDEN, "upload-1", 0600);
        assertThat(mds.lookup(Caller.ROOT, Fid.HIDDEN, "upload-1").fid()).isEqualTo(staged);
        assertThat(mds.fsid()).isNotZero();
    }
}
