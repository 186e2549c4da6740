package io.nacre.nfs.v41.ops;

import io.nacre.nfs.v41.CompoundContext;
import io.nacre.nfs.v41.xdr.OpArgs;
import io.nacre.nfs.v41.xdr.OpRes;

/**
 * One NFSv4.1 operation. It returns its result, or throws {@link io.nacre.nfs.v41.NfsException} (or the
 * core's {@link io.nacre.engine.NacreException}) to fail with a status.
 */
public interface Operation {
    OpRes apply(CompoundContext ctx, OpArgs args);
}
