package io.nacre.nfs.v41.pnfs;

import io.nacre.engine.Fid;
import io.nacre.engine.layout.ObjectRef;

/**
 * What a data-server filehandle names: one OST object of one file, at the layout generation the
 * metadata server handed it out for, under one grant (the id of the client's layout state, which
 * {@link LayoutFence} revokes).
 */
public record DsHandle(Fid fid, ObjectRef object, long layoutGeneration, long grant) {
}
