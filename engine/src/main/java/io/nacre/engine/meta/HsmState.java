package io.nacre.engine.meta;

/**
 * A file's HSM flags, exactly Lustre's (hsm_states in lustre_user.h), and the archive id (1..32)
 * holding its copy, 0 for none.
 */
public record HsmState(int flags, int archiveId) {

    public static final int EXISTS = 0x1;
    public static final int DIRTY = 0x2;
    public static final int RELEASED = 0x4;
    public static final int ARCHIVED = 0x8;
    public static final int NORELEASE = 0x10;
    public static final int NOARCHIVE = 0x20;
    public static final int LOST = 0x40;

    /** Flags a file's owner may set or clear; the others are root's (or the coordinator's). */
    public static final int USER_SETTABLE = NORELEASE | NOARCHIVE | DIRTY;

    public static final HsmState NONE = new HsmState(0, 0);

    public boolean has(int flag) {
        return (flags & flag) != 0;
    }

    public HsmState with(int set, int clear) {
        return new HsmState((flags | set) & ~clear, archiveId);
    }

    /** Lustre's lfs hsm_state wording, e.g. "(0x0000000d) released exists archived, archive_id:1". */
    public String describe() {
        StringBuilder sb = new StringBuilder("(0x%08x)".formatted(flags));
        // lfs hsm_state's order: released first, then the other states, then the user-settable flags.
        String[] names = {"released", "exists", "dirty", "archived", "never_release", "never_archive", "lost_from_hsm"};
        int[] bits = {RELEASED, EXISTS, DIRTY, ARCHIVED, NORELEASE, NOARCHIVE, LOST};
        for (int i = 0; i < bits.length; i++) {
            if (has(bits[i])) {
                sb.append(' ').append(names[i]);
            }
        }
        if (archiveId != 0) {
            sb.append(", archive_id:").append(archiveId);
        }
        return sb.toString();
    }
}
