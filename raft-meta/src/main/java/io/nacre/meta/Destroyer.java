package io.nacre.meta;

import io.nacre.engine.NacreException;
import io.nacre.engine.meta.PendingDestroy;
import io.nacre.engine.store.ObjectStore;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drains the destroy queue's DESTROY entries on the leader, as Lustre's MDS destroys the OST objects of
 * unlinked files: each object is destroyed through the ObjectStore (destroying an absent object is a
 * no-op, so a crash between the destroy and its report only repeats it), then reported done. Punches are
 * left to the truncating caller, which must perform them before the file is written again.
 */
final class Destroyer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Destroyer.class);
    private static final int BATCH = 512;
    private static final long IDLE_MILLIS = 1000;

    private final NamespaceStateMachine stateMachine;
    private final ObjectStore store;
    private final BooleanSupplier leading;
    private final Supplier<MetadataClient> client;
    private final Thread thread;
    private volatile boolean closed;

    Destroyer(NamespaceStateMachine stateMachine, ObjectStore store, BooleanSupplier leading,
              Supplier<MetadataClient> client) {
        this.stateMachine = stateMachine;
        this.store = store;
        this.leading = leading;
        this.client = client;
        this.thread = Thread.ofVirtual().name("mds-destroyer").start(this::run);
    }

    private void run() {
        while (!closed) {
            boolean more = false;
            try {
                if (leading.getAsBoolean()) {
                    more = drainOnce();
                }
            } catch (NacreException e) {
                LOG.warn("destroying OST objects failed, will retry: {}", e.toString());
            }
            if (!more) {
                try {
                    Thread.sleep(IDLE_MILLIS);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }

    /** One batch; true when the queue may hold more. */
    boolean drainOnce() {
        List<PendingDestroy> todo = stateMachine.readLocal(tx -> tx.pendingDestroys(BATCH, true));
        List<Long> done = new ArrayList<>();
        for (PendingDestroy d : todo) {
            if (closed) {
                break;
            }
            try {
                store.destroy(d.object());
                done.add(d.id());
            } catch (NacreException e) {
                LOG.debug("destroy of {} ({}) failed: {}", d.object(), d.fid(), e.toString());
            }
        }
        if (!done.isEmpty()) {
            client.get().destroyed(done);
            LOG.debug("destroyed {} OST objects", done.size());
        }
        return todo.size() == BATCH && done.size() == todo.size();
    }

    @Override
    public void close() {
        closed = true;
        thread.interrupt();
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
