package io.nacre.engine.meta;

import io.nacre.engine.Fid;

/**
 * One record of the MDS changelog (Lustre's llog changelog): every namespace and data change, in the
 * order the MDS applied them. {@code parent}/{@code name} name the entry affected; for a rename the
 * source is in {@code sourceParent}/{@code sourceName}. Consumers read from their checkpoint.
 */
public record ChangelogRecord(long index, Type type, long time, int uid, int gid, Fid target, Fid parent,
                              String name, Fid sourceParent, String sourceName, long flags) {

    /** UNLNK and RENME (of a replaced file): the inode's last name went with it (Lustre's CLF_UNLINK_LAST). */
    public static final long UNLINK_LAST = 0x1;
    /** UNLNK and RENME: the inode had a copy in an HSM archive (Lustre's CLF_UNLINK_HSM_EXISTS). */
    public static final long UNLINK_HSM_EXISTS = 0x2;

    /** Record types, named as Lustre's CL_* (lfs changelog prints them). */
    public enum Type {
        MARK, CREAT, MKDIR, HLINK, SLINK, MKNOD, UNLNK, RMDIR, RENME, LYOUT, TRUNC, SATTR, XATTR, HSM, MTIME, CTIME
    }
}
