package io.nacre.meta;

import static org.assertj.core.api.Assertions.assertThat;

import io.nacre.engine.Caller;
import io.nacre.engine.Fid;
import io.nacre.engine.Status;
import io.nacre.engine.meta.Access;
import io.nacre.engine.meta.Attr;
import io.nacre.engine.meta.CreateSpec;
import io.nacre.engine.meta.SetAttr;
import io.nacre.engine.meta.XattrFlag;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** setattr, extended attributes and access() with POSIX's rules, through a real MDS. */
class AttributesTest extends ServerTestBase {

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void chmodIsForTheOwnerAndRoot() {
        Fid f = file(ALICE, scratch(), "f", 0644);
        Attr before = attr(f);
        Attr a = mds.setattr(ALICE, f, SetAttr.builder().mode(0600).build()).attr();
        assertThat(a.mode()).isEqualTo(0600);
        assertThat(a.ctime()).isGreaterThanOrEqualTo(before.ctime());
        assertThat(a.change()).isGreaterThan(before.change());
        assertStatus(Status.PERM, () -> mds.setattr(BOB, f, SetAttr.builder().mode(0777).build()));
        assertThat(mds.setattr(Caller.ROOT, f, SetAttr.builder().mode(0755).build()).attr().mode()).isEqualTo(0755);
    }

    @Test
    void chownIsRootsAndChgrpTheOwnersToItsOwnGroups() {
        Fid f = file(ALICE, scratch(), "f", 0644);
        assertStatus(Status.PERM, () -> mds.setattr(ALICE, f, SetAttr.builder().uid(1001).build()));
        assertStatus(Status.PERM, () -> mds.setattr(BOB, f, SetAttr.builder().uid(1000).build()));
        assertThat(mds.setattr(ALICE, f, SetAttr.builder().uid(1000).build()).attr().uid()).isEqualTo(1000);
        assertThat(mds.setattr(ALICE, f, SetAttr.builder().gid(2000).build()).attr().gid()).isEqualTo(2000);
        assertStatus(Status.PERM, () -> mds.setattr(ALICE, f, SetAttr.builder().gid(3000).build()));
        assertStatus(Status.PERM, () -> mds.setattr(BOB, f, SetAttr.builder().gid(1001).build()));
        Attr a = mds.setattr(Caller.ROOT, f, SetAttr.builder().uid(1001).gid(1001).build()).attr();
        assertThat(a.uid()).isEqualTo(1001);
        assertThat(a.gid()).isEqualTo(1001);
    }

    @Test
    void ownershipChangesClearSetIdBits() {
        Fid d = scratch();
        Fid f = file(Caller.ROOT, d, "suid", 0755);
        mds.setattr(Caller.ROOT, f, SetAttr.builder().mode(06755).build());
        Attr a = mds.setattr(Caller.ROOT, f, SetAttr.builder().uid(1000).build()).attr();
        assertThat(a.mode()).isEqualTo(0755);
        // set-group-id without group execute marks mandatory locking and stays
        Fid g = file(Caller.ROOT, d, "lock", 0644);
        mds.setattr(Caller.ROOT, g, SetAttr.builder().mode(02644).build());
        assertThat(mds.setattr(Caller.ROOT, g, SetAttr.builder().gid(5).build()).attr().mode()).isEqualTo(02644);
        // directories keep their bits
        Fid sub = mkdir(Caller.ROOT, d, "sub", 02755);
        assertThat(mds.setattr(Caller.ROOT, sub, SetAttr.builder().uid(1000).build()).attr().mode()).isEqualTo(02755);
    }

    @Test
    void chmodBySomeoneOutsideTheGroupDropsSetGid() {
        Fid f = file(ALICE, scratch(), "f", 0644);
        mds.setattr(Caller.ROOT, f, SetAttr.builder().gid(3000).build());
        assertThat(mds.setattr(ALICE, f, SetAttr.builder().mode(02755).build()).attr().mode()).isEqualTo(0755);
        assertThat(mds.setattr(ALICE, f, SetAttr.builder().mode(04755).build()).attr().mode()).isEqualTo(04755);
    }

    @Test
    void truncateNeedsWritePermissionExceptForTheOwner() {
        Fid d = scratch();
        Fid f = file(ALICE, d, "f", 0444);
        mds.dataWritten(f, 5000, SetAttr.SERVER_TIME);
        Attr a = mds.setattr(ALICE, f, SetAttr.builder().size(100).build()).attr();
        assertThat(a.size()).isEqualTo(100);
        assertStatus(Status.ACCESS, () -> mds.setattr(BOB, f, SetAttr.builder().size(0).build()));
        Fid shared = file(ALICE, d, "shared", 0666);
        assertThat(mds.setattr(BOB, shared, SetAttr.builder().size(10).build()).attr().size()).isEqualTo(10);
        assertStatus(Status.IS_DIR, () -> mds.setattr(ALICE, d, SetAttr.builder().size(0).build()));
        Fid l = mds.create(ALICE, d, "l", CreateSpec.symlink("x")).attr().fid();
        assertStatus(Status.INVALID, () -> mds.setattr(ALICE, l, SetAttr.builder().size(0).build()));
    }

    @Test
    void truncateByANonRootWriterClearsSetuid() {
        Fid f = file(Caller.ROOT, scratch(), "f", 0777);
        mds.setattr(Caller.ROOT, f, SetAttr.builder().mode(04777).build());
        assertThat(mds.setattr(BOB, f, SetAttr.builder().size(0).build()).attr().mode()).isEqualTo(0777);
    }

    @Test
    void truncateMovesDataVersionAndMtime() {
        Fid f = file(ALICE, scratch(), "f", 0644);
        Attr w = mds.dataWritten(f, 1000, 5_000_000_000L);
        assertThat(w.mtime()).isEqualTo(5_000_000_000L);
        Attr t = mds.setattr(ALICE, f, SetAttr.builder().size(10).build()).attr();
        assertThat(t.dataVersion()).isGreaterThan(w.dataVersion());
        assertThat(t.mtime()).isGreaterThan(w.mtime());
        assertThat(t.size()).isEqualTo(10);
    }

    @Test
    void explicitTimesNeedOwnershipWhileNowNeedsWrite() {
        Fid d = scratch();
        Fid f = file(ALICE, d, "f", 0666);
        assertStatus(Status.PERM, () -> mds.setattr(BOB, f, SetAttr.builder().mtime(1).build()));
        Attr now = mds.setattr(BOB, f, SetAttr.builder().atimeNow().mtimeNow().build()).attr();
        assertThat(now.mtime()).isEqualTo(now.ctime());
        Fid ro = file(ALICE, d, "ro", 0644);
        assertStatus(Status.ACCESS, () -> mds.setattr(BOB, ro, SetAttr.builder().mtimeNow().build()));
        Attr explicit = mds.setattr(ALICE, ro, SetAttr.builder().atime(7).mtime(9).build()).attr();
        assertThat(explicit.atime()).isEqualTo(7);
        assertThat(explicit.mtime()).isEqualTo(9);
    }

    @Test
    void ctimeGuardRefusesAChangedFile() {
        Fid f = file(ALICE, scratch(), "f", 0644);
        long ctime = attr(f).ctime();
        assertStatus(Status.INVALID, () -> mds.setattr(ALICE, f, SetAttr.builder().mode(0600).guardCtime(ctime - 1).build()));
        assertThat(attr(f).mode()).isEqualTo(0644);
        assertThat(mds.setattr(ALICE, f, SetAttr.builder().mode(0600).guardCtime(ctime).build()).attr().mode())
                .isEqualTo(0600);
    }

    @Test
    void accessGivesTheGrantedBits() {
        Fid d = scratch();
        Fid f = file(ALICE, d, "f", 0640);
        assertThat(mds.access(ALICE, f, Access.ALL)).isEqualTo(Access.READ | Access.WRITE);
        assertThat(mds.access(CAROL, f, Access.ALL)).isZero();
        mds.setattr(ALICE, f, SetAttr.builder().gid(2000).build());
        assertThat(mds.access(CAROL, f, Access.ALL)).isEqualTo(Access.READ);
        assertThat(mds.access(Caller.ROOT, f, Access.ALL)).isEqualTo(Access.READ | Access.WRITE);
        mds.setattr(ALICE, f, SetAttr.builder().mode(0641).build());
        assertThat(mds.access(Caller.ROOT, f, Access.ALL)).isEqualTo(Access.ALL);
        assertThat(mds.access(BOB, f, Access.EXECUTE | Access.READ)).isEqualTo(Access.EXECUTE);
        assertThat(mds.access(Caller.ROOT, mkdir(ALICE, d, "sub", 0000), Access.EXECUTE)).isEqualTo(Access.EXECUTE);
    }

    @Test
    void userXattrsFollowFlagsAndPermissions() {
        Fid f = file(ALICE, scratch(), "f", 0644);
        mds.setXattr(ALICE, f, "user.color", b("blue"), XattrFlag.CREATE);
        assertStatus(Status.EXISTS, () -> mds.setXattr(ALICE, f, "user.color", b("red"), XattrFlag.CREATE));
        assertStatus(Status.NO_XATTR, () -> mds.setXattr(ALICE, f, "user.size", b("1"), XattrFlag.REPLACE));
        mds.setXattr(ALICE, f, "user.color", b("red"), XattrFlag.REPLACE);
        mds.setXattr(ALICE, f, "user.empty", new byte[0], XattrFlag.EITHER);
        assertThat(mds.getXattr(BOB, f, "user.color")).hasValueSatisfying(v -> assertThat(v).isEqualTo(b("red")));
        assertThat(mds.getXattr(BOB, f, "user.none")).isEmpty();
        assertThat(mds.xattrs(ALICE, f)).containsOnlyKeys("user.color", "user.empty");
        assertStatus(Status.ACCESS, () -> mds.setXattr(BOB, f, "user.x", b("1"), XattrFlag.EITHER));
        mds.removeXattr(ALICE, f, "user.color");
        assertStatus(Status.NO_XATTR, () -> mds.removeXattr(ALICE, f, "user.color"));
        mds.setattr(ALICE, f, SetAttr.builder().mode(0600).build());
        assertStatus(Status.ACCESS, () -> mds.getXattr(BOB, f, "user.empty"));
        assertThat(mds.xattrs(BOB, f)).isEmpty();
    }

    @Test
    void otherXattrNamespacesAreRootsAndNamesAreChecked() {
        Fid f = file(ALICE, scratch(), "f", 0644);
        assertStatus(Status.PERM, () -> mds.setXattr(ALICE, f, "trusted.hsm", b("1"), XattrFlag.EITHER));
        mds.setXattr(Caller.ROOT, f, "trusted.hsm", b("1"), XattrFlag.EITHER);
        mds.setXattr(Caller.ROOT, f, "security.label", b("s0"), XattrFlag.EITHER);
        assertStatus(Status.PERM, () -> mds.getXattr(ALICE, f, "trusted.hsm"));
        Map<String, byte[]> seen = mds.xattrs(ALICE, f);
        assertThat(seen).containsOnlyKeys("security.label");
        assertThat(mds.xattrs(Caller.ROOT, f)).containsOnlyKeys("security.label", "trusted.hsm");
        assertStatus(Status.NOT_SUPPORTED, () -> mds.setXattr(ALICE, f, "color", b("x"), XattrFlag.EITHER));
        assertStatus(Status.TOO_BIG, () -> mds.setXattr(ALICE, f, "user.big", new byte[65537], XattrFlag.EITHER));
        assertStatus(Status.NAME_TOO_LONG, () -> mds.setXattr(ALICE, f, "user." + "n".repeat(251), b("x"),
                XattrFlag.EITHER));
    }

    @Test
    void xattrsGoWithTheirFile() {
        Fid d = scratch();
        Fid f = file(ALICE, d, "f", 0644);
        mds.setXattr(ALICE, f, "user.a", b("1"), XattrFlag.EITHER);
        mds.remove(ALICE, d, "f", io.nacre.engine.meta.MetadataService.RemoveKind.FILE);
        Fid g = file(ALICE, d, "f", 0644);
        assertThat(mds.xattrs(ALICE, g)).isEmpty();
        assertStatus(Status.STALE, () -> mds.xattrs(ALICE, f));
    }
}
