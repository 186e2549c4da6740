package io.nacre.engine.meta;

import io.nacre.engine.Fid;

/**
 * An inode's attributes as the MDS keeps them. Times are nanoseconds since the epoch. {@code change}
 * increases on every change to the inode (NFS's change attribute); {@code dataVersion} increases on
 * every change to the file's data (S3 ETags and HSM dirtiness key on it). {@code mode} holds the
 * permission bits only (07777); {@link FileType#modeBits()} gives the type bits.
 */
public record Attr(
        Fid fid,
        FileType type,
        int mode,
        int nlink,
        int uid,
        int gid,
        long size,
        long spaceUsed,
        int rdevMajor,
        int rdevMinor,
        long atime,
        long mtime,
        long ctime,
        long btime,
        long change,
        long dataVersion,
        HsmState hsm) {

    public boolean isDir() {
        return type == FileType.DIRECTORY;
    }

    public boolean isRegular() {
        return type == FileType.REGULAR;
    }

    public boolean isSymlink() {
        return type == FileType.SYMLINK;
    }

    /** st_mode: type and permission bits. */
    public int stMode() {
        return type.modeBits() | (mode & 07777);
    }
}
