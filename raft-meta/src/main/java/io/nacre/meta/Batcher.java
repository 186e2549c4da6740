package io.nacre.meta;

import io.nacre.engine.NacreException;
import io.nacre.engine.Status;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Group commit on the proposing side: namespace changes from concurrent callers queue up here, and each
 * sender takes everything queued (up to a count and a size) as one Raft request, which the leader turns
 * into one log entry. While a sender's entry is in flight the next batch accumulates, so under load an
 * entry carries many operations and the metadata rate is not capped at the Raft entry rate.
 */
final class Batcher implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Batcher.class);

    /** Roughly what one operation adds to a request, beyond its bulk data. */
    private static final int OP_OVERHEAD = 200;

    private record Pending(Op op, CompletableFuture<Object> result) {
    }

    private final RaftClient raft;
    private final int maxOps;
    private final int maxBytes;
    private final LinkedBlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
    private final List<Thread> senders = new ArrayList<>();
    private volatile boolean closed;

    Batcher(RaftClient raft, int senders, int maxOps, int maxBytes) {
        this.raft = raft;
        this.maxOps = maxOps;
        this.maxBytes = maxBytes;
        for (int i = 0; i < senders; i++) {
            this.senders.add(Thread.ofPlatform().daemon().name("mds-batcher-" + i).start(this::run));
        }
    }

    CompletableFuture<Object> submit(Op op) {
        CompletableFuture<Object> f = new CompletableFuture<>();
        if (closed) {
            f.completeExceptionally(new NacreException(Status.UNAVAILABLE, "the metadata client is closed"));
            return f;
        }
        queue.add(new Pending(op, f));
        if (closed) {
            failQueued();
        }
        return f;
    }

    private void run() {
        while (!closed) {
            Pending first;
            try {
                first = queue.poll(200, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                break;
            }
            if (first == null) {
                continue;
            }
            List<Pending> batch = new ArrayList<>();
            batch.add(first);
            int bytes = size(first.op());
            while (batch.size() < maxOps && bytes < maxBytes) {
                Pending next = queue.peek();
                if (next == null || bytes + size(next.op()) > maxBytes) {
                    break;
                }
                next = queue.poll();
                if (next == null) {
                    break;
                }
                batch.add(next);
                bytes += size(next.op());
            }
            send(batch);
        }
        failQueued();
    }

    private static int size(Op op) {
        return OP_OVERHEAD + switch (op) {
            case Op.DomWrite d -> d.data() == null ? 0 : d.data().length;
            case Op.SetXattr x -> x.value() == null ? 0 : x.value().length;
            case Op.Destroyed d -> 8 * d.ids().size();
            default -> 0;
        };
    }

    private void send(List<Pending> batch) {
        List<Op> ops = new ArrayList<>(batch.size());
        for (Pending p : batch) {
            ops.add(p.op());
        }
        List<Object> results;
        try {
            RaftClientReply reply = raft.io().send(Message.valueOf(UnsafeByteOperations.unsafeWrap(Op.encodeBatch(0, ops))));
            if (!reply.isSuccess()) {
                throw Errors.fromRaft(reply.getException());
            }
            results = Replies.decodeResults(reply.getMessage().getContent().toByteArray());
            if (results.size() != batch.size()) {
                throw new NacreException(Status.IO, "the metadata server answered " + results.size() + " results for "
                        + batch.size() + " operations");
            }
        } catch (IOException | RuntimeException e) {
            NacreException ne = e instanceof NacreException n ? n : Errors.fromRaft(e);
            LOG.debug("batch of {} operations failed: {}", batch.size(), ne.toString());
            for (Pending p : batch) {
                p.result().completeExceptionally(ne);
            }
            return;
        }
        for (int i = 0; i < batch.size(); i++) {
            Object r = results.get(i);
            if (r instanceof NacreException ne) {
                batch.get(i).result().completeExceptionally(ne);
            } else {
                batch.get(i).result().complete(r);
            }
        }
    }

    private void failQueued() {
        Pending p;
        while ((p = queue.poll()) != null) {
            p.result().completeExceptionally(new NacreException(Status.UNAVAILABLE, "the metadata client is closed"));
        }
    }

    /** Stops taking new work; what is queued fails with UNAVAILABLE. */
    void stop() {
        closed = true;
    }

    @Override
    public void close() {
        closed = true;
        for (Thread t : senders) {
            try {
                t.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        failQueued();
    }
}
