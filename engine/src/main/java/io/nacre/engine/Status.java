package io.nacre.engine;

/**
 * The protocol-neutral cause of a failure. Each gateway maps these to its wire codes in one place
 * (NFS4ERR_*, S3 error codes, CLI messages). Named after the POSIX errno they stand for.
 */
public enum Status {
    /** ENOENT: no such name. */
    NOT_FOUND,
    /** EEXIST: the name is taken. */
    EXISTS,
    /** ENOTEMPTY: a directory to remove or replace still has entries. */
    NOT_EMPTY,
    /** ENOTDIR: a directory was needed. */
    NOT_DIR,
    /** EISDIR: a non-directory was needed. */
    IS_DIR,
    /** ESTALE: the Fid no longer names a file (it was removed). */
    STALE,
    /** EACCES: mode bits or ACLs refuse the access. */
    ACCESS,
    /** EPERM: only the owner (or root) may do this. */
    PERM,
    /** EINVAL: the request is malformed or makes no sense for this object. */
    INVALID,
    /** ENAMETOOLONG. */
    NAME_TOO_LONG,
    /** EFBIG: beyond the largest file or value we store. */
    TOO_BIG,
    /** EMLINK: too many hard links. */
    TOO_MANY_LINKS,
    /** ENOSPC: an OST, the MDT or a pool is full. */
    NO_SPACE,
    /** EROFS. */
    READ_ONLY,
    /** ENODATA: no such extended attribute. */
    NO_XATTR,
    /** EBUSY: in use (for example a layout being swapped, a request already running). */
    BUSY,
    /** EAGAIN: not now, try again (data being restored from the archive, no leader elected yet). */
    DELAY,
    /** ENOTSUP. */
    NOT_SUPPORTED,
    /** EIO: stored data failed its checksum; the data is not returned. */
    CORRUPT,
    /** EIO: a storage target or the metadata service could not complete the request. */
    IO,
    /** ETIMEDOUT / EHOSTDOWN: a service did not answer within its bound. */
    UNAVAILABLE,
}
