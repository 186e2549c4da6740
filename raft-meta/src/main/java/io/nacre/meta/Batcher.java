package io.nacre.meta;

import io.nacre.engine.NacreException;
import io.nacre.engine.Status;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.ratis.protocol.Message;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Group commit on the proposing side: namespace changes from concurrent callers queue up here and go to
 * the leader as one Raft request (one log entry) per batch. At most {@code inFlight} batches travel at
 * once; while they do, the next batch gathers, so under load an entry carries many operations and the
 * metadata rate is not capped at the Raft entry rate. Nothing waits to fill a batch: a caller that finds
 * a free slot sends at once, on its own thread, whatever is queued (often only its own change), and the
 * completion of a batch sends what gathered meanwhile.
 */
final class Batcher implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Batcher.class);

    /** Roughly what one operation adds to a request, beyond its bulk data. */
    private static final int OP_OVERHEAD = 200;

    private record Pending(Op op, CompletableFuture<Object> result) {
    }

    private final LeaderLink link;
    private final int maxOps;
    private final int maxBytes;
    private final Semaphore slots;
    private final ConcurrentLinkedQueue<Pending> queue = new ConcurrentLinkedQueue<>();
    /**
     * Sends the batches that gathered while others were in flight (not on Ratis's apply thread). One
     * platform thread: a virtual one woke a carrier of the virtual-thread scheduler per batch, and idle
     * carriers spin before they park (on a one-CPU VM, CPU the requests needed).
     */
    private final ExecutorService senders = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "mds-batcher");
        t.setDaemon(true);
        return t;
    });
    private final AtomicLong lateSends = new AtomicLong();
    private volatile boolean closed;

    Batcher(LeaderLink link, int inFlight, int maxOps, int maxBytes) {
        this.link = link;
        this.maxOps = maxOps;
        this.maxBytes = maxBytes;
        this.slots = new Semaphore(inFlight);
    }

    CompletableFuture<Object> submit(Op op) {
        CompletableFuture<Object> f = new CompletableFuture<>();
        if (closed) {
            f.completeExceptionally(closedError());
            return f;
        }
        queue.add(new Pending(op, f));
        if (closed) {
            failQueued();
        }
        dispatch();
        return f;
    }

    /**
     * Sends queued operations while a slot is free. Whoever queues takes a slot if one is free; whoever
     * frees one looks at the queue again, so nothing queued is left behind.
     */
    private void dispatch() {
        while (!queue.isEmpty() && slots.tryAcquire()) {
            List<Pending> batch = take();
            if (batch.isEmpty()) {
                slots.release();
                continue;
            }
            send(batch);
        }
    }

    /** Takes queued operations, oldest first, up to a count and a size. */
    private List<Pending> take() {
        List<Pending> batch = new ArrayList<>();
        int bytes = 0;
        while (batch.size() < maxOps) {
            Pending next = queue.peek();
            if (next == null || (!batch.isEmpty() && bytes + size(next.op()) > maxBytes)) {
                break;
            }
            next = queue.poll();
            if (next == null) {
                break;
            }
            batch.add(next);
            bytes += size(next.op());
        }
        return batch;
    }

    private static int size(Op op) {
        return OP_OVERHEAD + switch (op) {
            case Op.DomWrite d -> d.data() == null ? 0 : d.data().length;
            case Op.SetXattr x -> x.value() == null ? 0 : x.value().length;
            case Op.PutSmall p -> p.file().data().length
                    + p.file().xattrs().values().stream().mapToInt(v -> v.length).sum();
            case Op.Destroyed d -> 8 * d.ids().size();
            default -> 0;
        };
    }

    /**
     * Sends one batch in the slot its caller took; when the answer comes, completes every operation's future
     * with its result and frees the slot. Never fails itself.
     */
    private void send(List<Pending> batch) {
        List<Op> ops = new ArrayList<>(batch.size());
        int bytes = 0;
        for (Pending p : batch) {
            ops.add(p.op());
            bytes += size(p.op());
        }
        CompletableFuture<Message> reply;
        try {
            reply = link.submit(link.write(new BatchMessages.Request(ops, bytes)));
        } catch (RuntimeException e) {
            reply = CompletableFuture.failedFuture(e);
        }
        reply.whenComplete((content, error) -> {
            // A batch of one is a lone caller's (nobody else queued while the last batch flew): its slot is
            // freed before the caller learns its result, so that the caller, woken below, finds it free and
            // sends its next change itself. Freed after, the caller found it still taken about half the time
            // and queued, and the sender thread sent that change: one more thread hand-off per change. A
            // larger batch frees its slot only once all its callers know: their next changes, queued
            // meanwhile, then go together (freed first, the first caller woken sent a batch of its own and
            // the entries carried half as many operations under load).
            boolean alone = batch.size() == 1;
            if (alone) {
                slots.release();
            }
            finish(batch, content, error);
            if (!alone) {
                slots.release();
            }
            if (!queue.isEmpty() && !closed) {
                lateSends.incrementAndGet();
                senders.execute(this::dispatch);
            }
        });
    }

    private static void finish(List<Pending> batch, Message reply, Throwable error) {
        if (error == null) {
            try {
                // From the leader's apply in this JVM, the results themselves (see BatchMessages)
                List<Object> results = reply instanceof BatchMessages.Reply r ? r.take() : null;
                complete(batch, results != null ? results : Replies.decodeResults(reply.getContent().toByteArray()));
                return;
            } catch (RuntimeException e) {
                error = e;
            }
        }
        NacreException ne = Errors.fromRaft(error);
        LOG.debug("batch of {} operations failed: {}", batch.size(), ne.toString());
        for (Pending p : batch) {
            p.result().completeExceptionally(ne);
        }
    }

    /** How many times operations that gathered during a batch's flight went to the sender thread (for tests). */
    long lateSends() {
        return lateSends.get();
    }

    private static void complete(List<Pending> batch, List<Object> results) {
        if (results.size() != batch.size()) {
            throw new NacreException(Status.IO, "the metadata server answered " + results.size() + " results for "
                    + batch.size() + " operations");
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

    private static NacreException closedError() {
        return new NacreException(Status.UNAVAILABLE, "the metadata client is closed");
    }

    private void failQueued() {
        Pending p;
        while ((p = queue.poll()) != null) {
            p.result().completeExceptionally(closedError());
        }
    }

    /** Stops taking new work; what is queued fails with UNAVAILABLE. */
    void stop() {
        closed = true;
        failQueued();
    }

    @Override
    public void close() {
        stop();
        senders.shutdownNow();
    }
}
