package io.nacre.engine.meta;

/** The kinds of inode, as POSIX (and NFS's nfs_ftype4) has them. */
public enum FileType {
    REGULAR, DIRECTORY, SYMLINK, BLOCK, CHAR, FIFO, SOCKET;

    /** The S_IFMT bits of st_mode for this type. */
    public int modeBits() {
        return switch (this) {
            case REGULAR -> 0100000;
            case DIRECTORY -> 0040000;
            case SYMLINK -> 0120000;
            case BLOCK -> 0060000;
            case CHAR -> 0020000;
            case FIFO -> 0010000;
            case SOCKET -> 0140000;
        };
    }
}
