package io.nacre.engine.meta;

import io.nacre.engine.Caller;

/**
 * Access bits for {@link MetadataService#access}, the rwx of the mode bits, and the POSIX rule that grants
 * them: one pure function, which the MDS applies and a gateway may apply to attributes the MDS just gave it
 * (an NFS ACCESS after an OPEN or LOOKUP of the same compound) instead of asking again.
 */
public final class Access {
    public static final int READ = 4;
    public static final int WRITE = 2;
    public static final int EXECUTE = 1;
    public static final int ALL = READ | WRITE | EXECUTE;

    private Access() {
    }

    /**
     * The subset of {@code mask} granted. The owner class applies when the caller owns the inode, else the
     * group class when the caller is in its group, else other (no fall-through, as POSIX). Root gets read
     * and write always, execute on directories always and on other files when any x bit is set.
     */
    public static int granted(Caller caller, FileType type, int uid, int gid, int mode, int mask) {
        if (caller.isRoot()) {
            int g = mask & (READ | WRITE);
            if ((mask & EXECUTE) != 0 && (type == FileType.DIRECTORY || (mode & 0111) != 0)) {
                g |= EXECUTE;
            }
            return g;
        }
        int bits;
        if (caller.uid() == uid) {
            bits = (mode >> 6) & 7;
        } else if (caller.inGroup(gid)) {
            bits = (mode >> 3) & 7;
        } else {
            bits = mode & 7;
        }
        return bits & mask;
    }

    /** {@link #granted(Caller, FileType, int, int, int, int)} on a file's attributes. */
    public static int granted(Caller caller, Attr a, int mask) {
        return granted(caller, a.type(), a.uid(), a.gid(), a.mode(), mask & ALL);
    }
}
