package io.nacre.nfs.v41.pnfs;

import io.nacre.engine.Fid;
import io.nacre.engine.layout.ObjectRef;

/**
 * What a data-server filehandle names: one OST object of one file, at the layout generation the
 * metadata server handed it out for, under one grant (the id of the client's layout state, which
 * {@link LayoutFence} revokes), and whether it came with a read layout ({@code readOnly}: the data
 * server refuses writes through it).
 */
public record DsHandle(Fid fid, ObjectRef object, long layoutGeneration, long grant, boolean readOnly) {

    /** A handle of a write layout. */
    public DsHandle(Fid fid, ObjectRef object, long layoutGeneration, long grant) {
        this(fid, object, layoutGeneration, grant, false);
    }
}
