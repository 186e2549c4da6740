package io.nacre.engine;

import java.util.Arrays;

/**
 * Who asks: a POSIX identity (uid, primary gid, supplementary groups) against which the MDS checks
 * mode bits. Gateways build it after their own mapping (AUTH_SYS with squashing, an S3 key's uid/gid).
 */
public final class Caller {

    public static final Caller ROOT = new Caller(0, 0, new int[0]);

    private final int uid;
    private final int gid;
    private final int[] groups;

    private Caller(int uid, int gid, int[] groups) {
        this.uid = uid;
        this.gid = gid;
        this.groups = groups;
    }

    public static Caller of(int uid, int gid, int... groups) {
        int[] g = groups.clone();
        Arrays.sort(g);
        return new Caller(uid, gid, g);
    }

    public int uid() {
        return uid;
    }

    public int gid() {
        return gid;
    }

    /** Supplementary groups, sorted; a copy. */
    public int[] groups() {
        return groups.clone();
    }

    public boolean isRoot() {
        return uid == 0;
    }

    /** True when {@code g} is the primary or a supplementary group. */
    public boolean inGroup(int g) {
        return g == gid || Arrays.binarySearch(groups, g) >= 0;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Caller c && c.uid == uid && c.gid == gid && Arrays.equals(c.groups, groups);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * uid + gid) + Arrays.hashCode(groups);
    }

    @Override
    public String toString() {
        return "Caller[uid=" + uid + ", gid=" + gid + ", groups=" + Arrays.toString(groups) + "]";
    }
}
