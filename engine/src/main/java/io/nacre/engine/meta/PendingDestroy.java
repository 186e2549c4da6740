package io.nacre.engine.meta;

import io.nacre.engine.Fid;
import io.nacre.engine.layout.ObjectRef;

/**
 * An entry of the MDS's logged destroy queue: destroy an OST object ({@code keepBytes} < 0) or punch
 * it down to {@code keepBytes} (truncate). Whoever performs it reports back with
 * {@link MetadataService#destroyed}; until then it stays queued, so a crash never orphans an object.
 */
public record PendingDestroy(long id, Fid fid, ObjectRef object, long keepBytes) {

    public static final long DESTROY = -1;

    public boolean isDestroy() {
        return keepBytes < 0;
    }
}
