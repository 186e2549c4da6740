package io.nacre.engine.hsm;

import io.nacre.engine.Status;

/**
 * The flags of HSM changelog records, laid out as Lustre's (so that {@code lfs changelog} readers know
 * them): bits 0-6 the error (an errno, 0 for success), bits 7-9 the event, bit 10 "dirty".
 */
public final class HsmEvents {

    /** What happened to the file (Lustre's hsm_event). */
    public enum Event {
        ARCHIVE, RESTORE, CANCEL, RELEASE, REMOVE, STATE;

        public int code() {
            return ordinal();
        }
    }

    public static final long DIRTY = 1L << 10;

    private HsmEvents() {
    }

    public static long flags(Event event, int errno, boolean dirty) {
        return (errno & 0x7f) | ((long) event.code() << 7) | (dirty ? DIRTY : 0);
    }

    public static Event event(long flags) {
        int code = (int) ((flags >>> 7) & 0x7);
        Event[] all = Event.values();
        if (code >= all.length) {
            throw new IllegalArgumentException("no HSM event " + code);
        }
        return all[code];
    }

    public static int error(long flags) {
        return (int) (flags & 0x7f);
    }

    public static boolean dirty(long flags) {
        return (flags & DIRTY) != 0;
    }

    /** The Linux errno a Status stands for (what Lustre puts in the record), 0 for none. */
    public static int errno(Status s) {
        if (s == null) {
            return 0;
        }
        return switch (s) {
            case NOT_FOUND -> 2;          // ENOENT
            case PERM -> 1;               // EPERM
            case IO, CORRUPT -> 5;        // EIO
            case DELAY -> 11;             // EAGAIN
            case ACCESS -> 13;            // EACCES
            case BUSY -> 16;              // EBUSY
            case EXISTS -> 17;            // EEXIST
            case NOT_DIR -> 20;           // ENOTDIR
            case IS_DIR -> 21;            // EISDIR
            case INVALID -> 22;           // EINVAL
            case TOO_BIG -> 27;           // EFBIG
            case NO_SPACE -> 28;          // ENOSPC
            case READ_ONLY -> 30;         // EROFS
            case TOO_MANY_LINKS -> 31;    // EMLINK
            case NAME_TOO_LONG -> 36;     // ENAMETOOLONG
            case NOT_EMPTY -> 39;         // ENOTEMPTY
            case NO_XATTR -> 61;          // ENODATA
            case NOT_SUPPORTED -> 95;     // EOPNOTSUPP
            case STALE -> 116;            // ESTALE
            case UNAVAILABLE -> 110;      // ETIMEDOUT
        };
    }

    /** ECANCELED, for cancelled requests. */
    public static final int ECANCELED = 125;
}
