package org.apache.ratis.statemachine.impl;

import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.statemachine.StateMachine;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;

/**
 * Nacre's: makes the leader's {@link TransactionContext} for a client request as {@link TransactionContext.Builder}
 * does, without its reflection. The builder finds the implementation's constructor through Ratis's reflection
 * cache and calls it reflectively for every change, about 4% of the NFS selector's CPU per create or unlink
 * under C1 (the guest's JIT); this class, in the implementation's package, calls the constructor directly.
 * Ratis casts what {@code startTransaction} returns to {@link TransactionContextImpl} anyway.
 */
public final class DirectTransactionContexts {

    private DirectTransactionContexts() {
    }

    /** What {@code newBuilder().setStateMachine(sm).setClientRequest(request).setLogData(logData)
     * .setStateMachineContext(context).build()} makes. */
    public static TransactionContext leader(StateMachine sm, RaftClientRequest request, ByteString logData,
                                            Object context) {
        return new TransactionContextImpl(request, sm, null, logData, null, context);
    }
}
