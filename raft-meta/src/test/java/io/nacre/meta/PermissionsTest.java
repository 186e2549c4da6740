package io.nacre.meta;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nacre.engine.Caller;
import io.nacre.engine.Fid;
import io.nacre.engine.NacreException;
import io.nacre.engine.Status;
import io.nacre.engine.meta.Access;
import io.nacre.engine.meta.FileType;
import org.junit.jupiter.api.Test;

class PermissionsTest {

    private static final Caller OWNER = Caller.of(10, 10);
    private static final Caller MEMBER = Caller.of(11, 99, 20);
    private static final Caller OTHER = Caller.of(12, 12);

    private static int granted(Caller c, int mode) {
        return Permissions.granted(c, FileType.REGULAR, 10, 20, mode, Access.ALL);
    }

    private static Inode inode(FileType type, int uid, int gid, int mode) {
        Inode n = new Inode(Fid.ROOT, type);
        n.uid = uid;
        n.gid = gid;
        n.mode = mode;
        return n;
    }

    @Test
    void ownerGroupAndOtherClassesDoNotFallThrough() {
        // exhaustively over every permission triple: the caller's class alone decides
        for (int mode = 0; mode < 01000; mode++) {
            assertThat(granted(OWNER, mode)).isEqualTo((mode >> 6) & 7);
            assertThat(granted(MEMBER, mode)).isEqualTo((mode >> 3) & 7);
            assertThat(granted(OTHER, mode)).isEqualTo(mode & 7);
        }
        // an owner with no bits gets nothing even if "other" has all
        assertThat(granted(OWNER, 0007)).isZero();
    }

    @Test
    void supplementaryGroupsCount() {
        assertThat(Permissions.granted(Caller.of(50, 1, 7, 20, 30), FileType.REGULAR, 10, 20, 0070, Access.ALL))
                .isEqualTo(Access.ALL);
    }

    @Test
    void rootReadsAndWritesEverythingButExecutesOnlyWithSomeXBit() {
        for (int mode = 0; mode < 01000; mode++) {
            int g = Permissions.granted(Caller.ROOT, FileType.REGULAR, 10, 20, mode, Access.ALL);
            int expectX = (mode & 0111) != 0 ? Access.EXECUTE : 0;
            assertThat(g).isEqualTo(Access.READ | Access.WRITE | expectX);
        }
        assertThat(Permissions.granted(Caller.ROOT, FileType.DIRECTORY, 10, 20, 0, Access.EXECUTE))
                .isEqualTo(Access.EXECUTE);
    }

    @Test
    void grantedIsTheSubsetOfTheMask() {
        assertThat(Permissions.granted(OWNER, FileType.REGULAR, 10, 20, 0700, Access.READ)).isEqualTo(Access.READ);
    }

    @Test
    void stickyDirectoriesProtectOtherPeoplesEntries() {
        Inode dir = inode(FileType.DIRECTORY, 10, 10, 01777);
        Inode mine = inode(FileType.REGULAR, 11, 11, 0644);
        Permissions.requireSticky(MEMBER, dir, mine, "x");
        Permissions.requireSticky(OWNER, dir, mine, "x");
        Permissions.requireSticky(Caller.ROOT, dir, mine, "x");
        assertThatThrownBy(() -> Permissions.requireSticky(OTHER, dir, mine, "x"))
                .isInstanceOfSatisfying(NacreException.class, e -> assertThat(e.status()).isEqualTo(Status.PERM));
        Permissions.requireSticky(OTHER, inode(FileType.DIRECTORY, 10, 10, 0777), mine, "x");
    }

    @Test
    void setIdBitsAreKilledAsLinuxDoes() {
        assertThat(Permissions.killSetId(FileType.REGULAR, 06755)).isEqualTo(0755);
        assertThat(Permissions.killSetId(FileType.REGULAR, 06745)).isEqualTo(02745);
        assertThat(Permissions.killSetId(FileType.DIRECTORY, 06755)).isEqualTo(06755);
        assertThat(Permissions.chmodMode(OTHER, FileType.REGULAR, 20, 02755)).isEqualTo(0755);
        assertThat(Permissions.chmodMode(MEMBER, FileType.REGULAR, 20, 02755)).isEqualTo(02755);
        assertThat(Permissions.chmodMode(OTHER, FileType.DIRECTORY, 20, 02755)).isEqualTo(02755);
    }

    @Test
    void newInodesTakeTheSetgidDirectorysGroup() {
        Inode sgid = inode(FileType.DIRECTORY, 10, 20, 02775);
        Inode plain = inode(FileType.DIRECTORY, 10, 20, 0775);
        assertThat(Permissions.newGroup(OTHER, sgid)).isEqualTo(20);
        assertThat(Permissions.newGroup(OTHER, plain)).isEqualTo(12);
        assertThat(Permissions.newMode(OTHER, sgid, FileType.DIRECTORY, 0755, 20)).isEqualTo(02755);
        assertThat(Permissions.newMode(OTHER, plain, FileType.DIRECTORY, 0755, 12)).isEqualTo(0755);
        assertThat(Permissions.newMode(OTHER, sgid, FileType.REGULAR, 02755, 20)).isEqualTo(0755);
        assertThat(Permissions.newMode(MEMBER, sgid, FileType.REGULAR, 02755, 20)).isEqualTo(02755);
    }

    @Test
    void chownAndChgrpRules() {
        Inode f = inode(FileType.REGULAR, 10, 10, 0644);
        Permissions.checkChown(Caller.ROOT, f, 99);
        Permissions.checkChown(OWNER, f, 10);
        assertThatThrownBy(() -> Permissions.checkChown(OWNER, f, 11)).isInstanceOf(NacreException.class);
        assertThatThrownBy(() -> Permissions.checkChown(OTHER, f, 10)).isInstanceOf(NacreException.class);
        Permissions.checkChgrp(Caller.of(10, 10, 30), f, 30);
        Permissions.checkChgrp(OWNER, f, 10);
        assertThatThrownBy(() -> Permissions.checkChgrp(OWNER, f, 30)).isInstanceOf(NacreException.class);
        assertThatThrownBy(() -> Permissions.checkChgrp(MEMBER, f, 20)).isInstanceOf(NacreException.class);
    }

    @Test
    void timesRules() {
        Inode f = inode(FileType.REGULAR, 10, 20, 0664);
        Permissions.checkTimes(OWNER, f, true);
        Permissions.checkTimes(MEMBER, f, false);
        assertThatThrownBy(() -> Permissions.checkTimes(MEMBER, f, true))
                .isInstanceOfSatisfying(NacreException.class, e -> assertThat(e.status()).isEqualTo(Status.PERM));
        assertThatThrownBy(() -> Permissions.checkTimes(OTHER, f, false))
                .isInstanceOfSatisfying(NacreException.class, e -> assertThat(e.status()).isEqualTo(Status.ACCESS));
    }
}
