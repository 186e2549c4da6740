package io.nacre.engine.io;

import io.nacre.engine.Fid;

/**
 * Who must let go of a file's layout before its bytes move or go away: a pNFS metadata server recalls the
 * layouts its clients hold (they write straight to the OST objects) and refuses new ones until the change
 * is done. {@link FileIo} calls {@link #hold} before such a change (HSM release, restripe) and closes the result
 * after it.
 */
@FunctionalInterface
public interface LayoutGuard {

    /** Nobody holds layouts (no pNFS). */
    LayoutGuard NONE = (fid, why) -> () -> {
    };

    /**
     * Makes every holder give up the layout of {@code fid}; holds new grants until closed. Waits a bounded
     * time: a holder that has not given it up by then makes it fail with {@link io.nacre.engine.Status#DELAY}
     * (the change is not made; trying again later succeeds once the holder gave up or lost its layout).
     */
    Held hold(Fid fid, String why);

    /** Closing lets layouts of the file be granted again. */
    interface Held extends AutoCloseable {
        @Override
        void close();
    }
}
