package io.nacre.engine.hsm;

/** The bounds HSM values live in (Lustre's). */
public final class HsmLimits {

    /** Archive ids are 1..32, as Lustre's (one bit each in its agent registration). */
    public static final int MAX_ARCHIVE_ID = 32;
    /** The longest archive handle or checksum the coordinator keeps. */
    public static final int MAX_HANDLE = 4096;

    private HsmLimits() {
    }

    /** IllegalArgumentException unless 1..32. */
    public static int checkArchiveId(int id) {
        if (id < 1 || id > MAX_ARCHIVE_ID) {
            throw new IllegalArgumentException("archive id must be 1.." + MAX_ARCHIVE_ID + ": " + id);
        }
        return id;
    }
}
