package io.nacre.engine.meta;

import java.util.List;

/** Result records of namespace changes; the directory change numbers feed NFS's change_info4. */
public final class Results {

    private Results() {
    }

    /** A directory's change attribute just before and just after a change (atomic: nothing between). */
    public record DirChange(long before, long after) {
    }

    /**
     * A create (or link, or an UNCHECKED/EXCLUSIVE create that found its file): the inode's attributes,
     * the directory's change, and whether the inode already existed.
     */
    public record Created(Attr attr, DirChange dir, boolean existed) {
    }

    /**
     * A removed name: the inode's attributes after the unlink (nlink 0 when it was the last name) and,
     * when it was the last name, its OST objects, already queued for destruction.
     */
    public record Removed(Attr attr, DirChange dir, List<PendingDestroy> destroys) {
    }

    /** A rename: both directories' changes and the inode it replaced (null if none) with its objects. */
    public record Renamed(Attr renamed, DirChange from, DirChange to, Attr replaced, List<PendingDestroy> destroys) {
    }

    /**
     * A setattr: the new attributes and, for a truncate, the object punches queued. A layout swap
     * ({@link MetadataService#swapLayout}) answers the same: the file's attributes and its old objects'
     * destroys, queued.
     */
    public record AttrChange(Attr attr, List<PendingDestroy> punches) {
    }

    /**
     * A small file put in place ({@link MetadataService#putSmallFile}): the new file's attributes, the
     * file it replaced (null if none; nlink 0 when that was its last name) and that file's objects,
     * already queued for destruction.
     */
    public record SmallFilePut(Attr attr, Attr replaced, List<PendingDestroy> destroys) {
    }
}
