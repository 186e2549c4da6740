package io.nacre.engine.hsm;

import io.nacre.engine.Fid;
import io.nacre.engine.Status;

/** How an agent ends a request it was handed. */
public sealed interface HsmOutcome {

    /**
     * The data is in the archive. {@code dataVersion} is the file's data version read before its data:
     * when the file changed since, the copy is stale and the coordinator fails the request.
     */
    record Archived(String handle, String checksum, long size, long dataVersion) implements HsmOutcome {
    }

    /**
     * The data was copied back into the staged file {@code name} of directory {@code dir} (under
     * {@link Fid#HIDDEN}): the coordinator swaps its layout into the released file, atomically, and only
     * if the file has not changed meanwhile.
     */
    record Restored(Fid dir, String name) implements HsmOutcome {
    }

    /** The archive copy is gone. */
    record Removed() implements HsmOutcome {
    }

    /**
     * The attempt failed. The coordinator retries transient failures (IO, UNAVAILABLE, DELAY, BUSY) up to
     * its attempt limit; NOT_FOUND of a restore marks the file lost from the archive.
     */
    record Failed(Status status, String message) implements HsmOutcome {
    }
}
