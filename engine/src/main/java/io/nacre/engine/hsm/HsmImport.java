package io.nacre.engine.hsm;

import io.nacre.engine.meta.Attr;

/** A released stub for an object that already is in an archive ({@code nacre hsm import}). */
public final class HsmImport {

    private HsmImport() {
    }

    /**
     * What the stub says: the archive and where the object is, its checksum (e.g. {@code etag:...}), size and
     * mtime, and the stub's owner and mode. With {@code refresh}, an existing stub of the same handle is
     * brought up to date when the object changed and the stub is still released and clean.
     */
    public record Spec(int archiveId, String handle, String checksum, long size, long mtime, int uid, int gid,
                       int mode, boolean refresh) {
        public Spec {
            HsmLimits.checkArchiveId(archiveId);
            if (handle == null || handle.isEmpty() || handle.length() > HsmLimits.MAX_HANDLE) {
                throw new IllegalArgumentException("an import needs a handle of 1.." + HsmLimits.MAX_HANDLE + " characters");
            }
            if (size < 0) {
                throw new IllegalArgumentException("size must be >= 0: " + size);
            }
            if ((mode & ~07777) != 0) {
                throw new IllegalArgumentException("mode takes permission bits only: " + Integer.toOctalString(mode));
            }
        }
    }

    /** What an import of one object did. */
    public enum Outcome {
        /** A new stub. */
        CREATED,
        /** The stub was refreshed from a changed object. */
        UPDATED,
        /** The stub already says this. */
        UNCHANGED,
        /** The name holds something else (a directory, a file of Nacre's own, a stub changed here): left alone. */
        SKIPPED,
    }

    /** The stub (or what holds its name) and what was done. */
    public record Result(Attr attr, Outcome outcome, String reason) {
        public Result {
            reason = reason == null ? "" : reason;
        }
    }
}
