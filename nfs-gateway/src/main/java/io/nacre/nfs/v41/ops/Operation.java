package io.nacre.nfs.v41.ops;

import io.nacre.nfs.v41.CompoundContext;
import io.nacre.nfs.v41.xdr.OpArgs;
import io.nacre.nfs.v41.xdr.OpRes;
import java.util.concurrent.CompletableFuture;

/**
 * One NFSv4.1 operation. It returns its result, or throws {@link io.nacre.nfs.v41.NfsException} (or the
 * core's {@link io.nacre.engine.NacreException}) to fail with a status.
 */
public interface Operation {
    OpRes apply(CompoundContext ctx, OpArgs args);

    /**
     * Starts the operation without blocking, for a thread that must not block (the RPC selector), when it
     * can: its result (or failure, as {@link #apply} throws it) comes through the future, which may complete
     * on a thread of the core that must not block either. Null when it cannot: then {@link #apply} runs on a
     * worker. Called only while the metadata service answers in this process
     * ({@link io.nacre.engine.meta.MetadataService#localReads()}).
     */
    default CompletableFuture<OpRes> applyAsync(CompoundContext ctx, OpArgs args) {
        return null;
    }
}
