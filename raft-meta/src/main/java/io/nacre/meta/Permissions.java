package io.nacre.meta;

import io.nacre.engine.Caller;
import io.nacre.engine.NacreException;
import io.nacre.engine.Status;
import io.nacre.engine.meta.Access;
import io.nacre.engine.meta.FileType;

/**
 * POSIX permission rules, pure: which of rwx a caller gets from an inode's owner, group and mode, and
 * the owner-only and set-id rules of chmod, chown and friends (as Linux applies them).
 */
final class Permissions {

    private Permissions() {
    }

    /** The subset of {@code mask} (Access bits) granted: the rule is {@link Access#granted}, shared with the gateways. */
    static int granted(Caller caller, FileType type, int uid, int gid, int mode, int mask) {
        return Access.granted(caller, type, uid, gid, mode, mask);
    }

    static int granted(Caller caller, Inode n, int mask) {
        return granted(caller, n.type, n.uid, n.gid, n.mode, mask);
    }

    /**
     * Throws ACCESS unless every bit of {@code mask} is granted; the message says what was attempted
     * ({@code verb}, and the {@code name} concerned if any), built only on failure.
     */
    static void require(Caller caller, Inode n, int mask, String verb, String name) {
        if (granted(caller, n, mask) != mask) {
            String what = name == null ? verb : verb + " '" + Names.printable(name) + "'";
            throw new NacreException(Status.ACCESS, what + ": permission denied (" + describe(mask) + " needed on "
                    + n.fid + ", mode " + Integer.toOctalString(n.mode) + " owner " + n.uid + ":" + n.gid
                    + ", caller uid " + caller.uid() + ")");
        }
    }

    /** Owner-only operations (chmod, explicit times, default layouts): PERM unless owner or root. */
    static void requireOwner(Caller caller, Inode n, String what) {
        if (!caller.isRoot() && caller.uid() != n.uid) {
            throw new NacreException(Status.PERM, what + ": only the owner (uid " + n.uid + ") or root may do this, not uid "
                    + caller.uid());
        }
    }

    /**
     * The sticky-directory rule for removing or replacing an entry: in a directory with S_ISVTX only the
     * owner of the entry, the owner of the directory or root may. PERM otherwise (as Linux).
     */
    static void requireSticky(Caller caller, Inode dir, Inode entry, String name) {
        if ((dir.mode & Inode.S_ISVTX) != 0 && !caller.isRoot() && caller.uid() != dir.uid && caller.uid() != entry.uid) {
            throw new NacreException(Status.PERM, "'" + name + "' is in a sticky directory and belongs to uid "
                    + entry.uid + ", not to uid " + caller.uid());
        }
    }

    /**
     * The group of a new inode: the directory's when it has set-group-id (BSD semantics), else the caller's
     * primary group.
     */
    static int newGroup(Caller caller, Inode dir) {
        return (dir.mode & Inode.S_ISGID) != 0 ? dir.gid : caller.gid();
    }

    /**
     * The mode of a new inode: a directory created in a set-group-id directory inherits S_ISGID; a
     * non-directory gets S_ISGID only if its creator is in its group or is root (Linux inode_init_owner).
     */
    static int newMode(Caller caller, Inode dir, FileType type, int mode, int gid) {
        if (type == FileType.DIRECTORY) {
            return (dir.mode & Inode.S_ISGID) != 0 ? mode | Inode.S_ISGID : mode;
        }
        if ((mode & Inode.S_ISGID) != 0 && !caller.isRoot() && !caller.inGroup(gid)) {
            return mode & ~Inode.S_ISGID;
        }
        return mode;
    }

    /** chmod by a non-root caller outside the file's group drops S_ISGID on non-directories (POSIX). */
    static int chmodMode(Caller caller, FileType type, int gid, int mode) {
        if (type != FileType.DIRECTORY && (mode & Inode.S_ISGID) != 0 && !caller.isRoot() && !caller.inGroup(gid)) {
            return mode & ~Inode.S_ISGID;
        }
        return mode;
    }

    /**
     * What a change of owner or group, or a write/truncate by a non-root caller, leaves of the set-id bits
     * of a non-directory: S_ISUID goes, S_ISGID goes when group execute is set (else it marks mandatory locking).
     */
    static int killSetId(FileType type, int mode) {
        if (type == FileType.DIRECTORY) {
            return mode;
        }
        int m = mode & ~Inode.S_ISUID;
        if ((m & Inode.S_IXGRP) != 0) {
            m &= ~Inode.S_ISGID;
        }
        return m;
    }

    /** chown: only root may change the owner; the owner may "change" it to itself. */
    static void checkChown(Caller caller, Inode n, int newUid) {
        if (caller.isRoot()) {
            return;
        }
        if (caller.uid() == n.uid && newUid == n.uid) {
            return;
        }
        throw new NacreException(Status.PERM, "only root may change the owner of " + n.fid + " (uid " + n.uid + " to "
                + newUid + ")");
    }

    /** chgrp: root, or the owner to a group it belongs to (or to the current group). */
    static void checkChgrp(Caller caller, Inode n, int newGid) {
        if (caller.isRoot()) {
            return;
        }
        if (caller.uid() == n.uid && (newGid == n.gid || caller.inGroup(newGid))) {
            return;
        }
        throw new NacreException(Status.PERM, "uid " + caller.uid() + " may not change the group of " + n.fid
                + " to " + newGid + " (must own the file and belong to the group)");
    }

    /**
     * Setting times: explicit values need the owner or root (PERM); "now" for both also suits anyone with
     * write permission (utimes(NULL)), ACCESS otherwise.
     */
    static void checkTimes(Caller caller, Inode n, boolean explicit) {
        if (caller.isRoot() || caller.uid() == n.uid) {
            return;
        }
        if (explicit) {
            throw new NacreException(Status.PERM, "only the owner (uid " + n.uid + ") or root may set explicit times on "
                    + n.fid);
        }
        require(caller, n, Access.WRITE, "set times", null);
    }

    static String describe(int mask) {
        return ((mask & Access.READ) != 0 ? "r" : "") + ((mask & Access.WRITE) != 0 ? "w" : "")
                + ((mask & Access.EXECUTE) != 0 ? "x" : "");
    }
}
