package io.nacre.ost.oss;

import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpObject;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.ResponseHeaders;
import com.linecorp.armeria.server.ServiceRequestContext;
import io.nacre.engine.NacreException;
import io.nacre.engine.Status;
import io.nacre.engine.layout.ObjectRef;
import io.nacre.engine.store.Durability;
import io.nacre.engine.store.ObjectStore;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;

/**
 * The PUT of an object range: the request body is gathered on the event loop into one piece of up to
 * {@link OssProtocol#PIECE} bytes (aligned on PIECE in the object), which is stored on the blocking
 * executor while the body waits; only then is more body asked for. Every piece but the last is written
 * unstable; the last with the asked durability, and a STABLE write of several pieces ends with one sync.
 * If the OST restarted in between (its instance moved), earlier pieces may be lost: IO, send it again.
 */
final class OssWrite implements Subscriber<HttpObject> {

    private final ServiceRequestContext ctx;
    private final ObjectStore store;
    private final ObjectRef ref;
    private final long offset;
    private final long declared;
    private final Durability durability;
    private final CompletableFuture<HttpResponse> result = new CompletableFuture<>();

    private final byte[] buf;
    private Subscription subscription;
    private long pos;
    private int fill;
    private int want;
    private byte[] pending;
    private int pendingOffset;
    private long instance = -1;
    private int pieces;
    private boolean completed;
    private boolean storing;
    private boolean bodyDone;

    private OssWrite(ServiceRequestContext ctx, ObjectStore store, ObjectRef ref, long offset, long declared,
                     Durability durability) {
        this.ctx = ctx;
        this.store = store;
        this.ref = ref;
        this.offset = offset;
        this.declared = declared;
        this.durability = durability;
        this.pos = offset;
        // A small write needs no full piece; a body longer than declared just makes more pieces.
        long size = declared >= 0 ? Math.min(OssProtocol.PIECE, Math.max(1, declared)) : OssProtocol.PIECE;
        this.buf = new byte[(int) size];
        this.want = pieceSize(offset);
    }

    static HttpResponse serve(ServiceRequestContext ctx, com.linecorp.armeria.common.HttpRequest req,
                              ObjectStore store, ObjectRef ref, long offset, Durability durability) {
        OssWrite w = new OssWrite(ctx, store, ref, offset, req.headers().contentLength(), durability);
        req.subscribe(w, ctx.eventLoop());
        return HttpResponse.of(w.result);
    }

    private int pieceSize(long at) {
        return (int) Math.min(buf.length, OssProtocol.PIECE - Math.floorMod(at, (long) OssProtocol.PIECE));
    }

    @Override
    public void onSubscribe(Subscription s) {
        subscription = s;
        s.request(1);
    }

    @Override
    public void onNext(HttpObject o) {
        if (o instanceof HttpData d && !d.isEmpty()) {
            pending = d.array();
            pendingOffset = 0;
            drain();
        } else {
            subscription.request(1);
        }
    }

    /** Moves pending bytes into the piece; stores the piece when full. Runs on the event loop. */
    private void drain() {
        while (pending != null) {
            int n = Math.min(pending.length - pendingOffset, want - fill);
            System.arraycopy(pending, pendingOffset, buf, fill, n);
            fill += n;
            pendingOffset += n;
            if (pendingOffset == pending.length) {
                pending = null;
            }
            if (fill == want) {
                boolean last = declared >= 0 && pos + fill - offset >= declared;
                store(last, () -> {
                    if (last) {
                        finish();
                    } else {
                        drain();
                    }
                });
                return;
            }
        }
        if (bodyDone) {
            finishBody();
        } else {
            subscription.request(1);
        }
    }

    /** The body may end while a piece is being stored; then the store's continuation ends it. */
    @Override
    public void onComplete() {
        bodyDone = true;
        if (!storing) {
            finishBody();
        }
    }

    private void finishBody() {
        if (completed) {
            return;
        }
        if (fill > 0) {
            store(true, this::finish);
        } else {
            finish();
        }
    }

    @Override
    public void onError(Throwable t) {
        fail(new NacreException(Status.IO, ref + ": request body broke off: " + t, t));
    }

    /** Stores the piece on the blocking executor, then continues on the event loop. */
    private void store(boolean last, Runnable then) {
        Durability d = last ? durability : Durability.UNSTABLE;
        ByteBuffer piece = ByteBuffer.wrap(buf, 0, fill);
        storing = true;
        CompletableFuture.supplyAsync(() -> store.write(ref, pos, piece, d), ctx.blockingTaskExecutor())
                .whenCompleteAsync((i, t) -> {
                    storing = false;
                    if (t != null) {
                        fail(t);
                        return;
                    }
                    if (instance != -1 && i != instance) {
                        fail(new NacreException(Status.IO, ref + ": OST restarted during the write; send it again"));
                        return;
                    }
                    instance = i;
                    pieces++;
                    pos += fill;
                    fill = 0;
                    want = pieceSize(pos);
                    then.run();
                }, ctx.eventLoop());
    }

    private void finish() {
        if (completed) {
            return;
        }
        completed = true;
        CompletableFuture.supplyAsync(() -> {
            long i = instance;
            if (pieces == 0) {
                i = store.instance(ref.ost());
            } else if (durability == Durability.STABLE && (pieces > 1 || declared < 0)) {
                if (store.sync(ref) != instance) {
                    throw new NacreException(Status.IO, ref + ": OST restarted during the write; send it again");
                }
            }
            return HttpResponse.of(ResponseHeaders.builder(HttpStatus.OK)
                    .add(OssProtocol.INSTANCE, Long.toString(i)).build());
        }, ctx.blockingTaskExecutor()).whenComplete((r, t) -> result.complete(t == null ? r : OssService.error(t)));
    }

    private void fail(Throwable t) {
        if (completed) {
            return;
        }
        completed = true;
        pending = null;
        if (subscription != null) {
            subscription.cancel();
        }
        result.complete(OssService.error(t));
    }
}
