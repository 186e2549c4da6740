package io.nacre.meta;

import io.nacre.engine.NacreException;
import io.nacre.engine.Status;
import io.nacre.engine.layout.Layout;
import io.nacre.engine.meta.Attr;
import io.nacre.engine.meta.Results.AttrChange;
import io.nacre.engine.meta.Results.Created;
import io.nacre.engine.meta.Results.Removed;
import io.nacre.engine.meta.Results.Renamed;
import io.nacre.engine.meta.Results.SmallFilePut;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Replies from the state machine: for a batch of operations one result per operation (a value or an
 * error with its Status), for a query one result. Errors travel as data, not as Ratis exceptions, so a
 * reply can mix successes and failures and the client rethrows each as the NacreException it was.
 */
final class Replies {

    private static final int OK = 0;
    private static final int ERROR = 1;
    private static final int RETRY = 2;

    /** The server cannot answer yet and the client should ask again (never surfaced to callers). */
    static final class RetryLater extends NacreException {
        RetryLater(String message) {
            super(Status.UNAVAILABLE, message);
        }
    }

    private static final int VOID = 0;
    private static final int LONG = 1;
    private static final int CREATED = 2;
    private static final int REMOVED = 3;
    private static final int RENAMED = 4;
    private static final int ATTR_CHANGE = 5;
    private static final int LAYOUT = 6;
    private static final int ATTR = 7;
    private static final int SMALL_FILE_PUT = 8;
    private static final int HSM = 40;

    private Replies() {
    }

    static void writeError(Out out, NacreException e) {
        out.u8(ERROR);
        Codec.writeEnum(out, e.status());
        out.str(e.getMessage());
    }

    /** One operation's result: a value of the types operations return, or a NacreException. */
    static void writeResult(Out out, Object r) {
        if (r instanceof NacreException e) {
            writeError(out, e);
            return;
        }
        out.u8(OK);
        switch (r) {
            case null -> out.u8(VOID);
            case Long l -> out.u8(LONG).i64(l);
            case Created c -> {
                out.u8(CREATED);
                Codec.writeCreated(out, c);
            }
            case Removed rm -> {
                out.u8(REMOVED);
                Codec.writeRemoved(out, rm);
            }
            case Renamed rn -> {
                out.u8(RENAMED);
                Codec.writeRenamed(out, rn);
            }
            case AttrChange a -> {
                out.u8(ATTR_CHANGE);
                Codec.writeAttrChange(out, a);
            }
            case Layout l -> {
                out.u8(LAYOUT);
                Codec.writeLayout(out, l);
            }
            case Attr a -> {
                out.u8(ATTR);
                Codec.writeAttr(out, a);
            }
            case SmallFilePut p -> {
                out.u8(SMALL_FILE_PUT);
                Codec.writeSmallFilePut(out, p);
            }
            default -> {
                if (!HsmCodec.isResult(r)) {
                    throw new IllegalStateException("no reply form for " + r.getClass());
                }
                out.u8(HSM);
                HsmCodec.writeResult(out, r);
            }
        }
    }

    /** Reads one operation's result: the value, or a NacreException object (not thrown). */
    static Object readResult(In in) {
        if (in.u8() == ERROR) {
            return readError(in);
        }
        int tag = in.u8();
        return switch (tag) {
            case VOID -> null;
            case LONG -> in.i64();
            case CREATED -> Codec.readCreated(in);
            case REMOVED -> Codec.readRemoved(in);
            case RENAMED -> Codec.readRenamed(in);
            case ATTR_CHANGE -> Codec.readAttrChange(in);
            case LAYOUT -> Codec.readLayout(in);
            case ATTR -> Codec.readAttr(in);
            case SMALL_FILE_PUT -> Codec.readSmallFilePut(in);
            case HSM -> HsmCodec.readResult(in);
            default -> throw new NacreException(Status.INVALID, "malformed metadata reply: result tag " + tag);
        };
    }

    private static NacreException readError(In in) {
        Status s = Codec.readEnum(in, Status.class);
        return new NacreException(s, in.str());
    }

    static byte[] encodeResults(Object[] results) {
        Out out = new Out(64 * results.length + 8);
        out.i32(results.length);
        for (Object r : results) {
            writeResult(out, r);
        }
        return out.toByteArray();
    }

    static List<Object> decodeResults(byte[] b) {
        In in = new In(b);
        int n = in.count();
        List<Object> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(readResult(in));
        }
        in.expectEnd();
        return out;
    }

    /** A query's reply: OK and the result as the query writes it, or an error. */
    static byte[] queryOk(Query q, Object result) {
        Out out = new Out();
        out.u8(OK);
        q.writeResult(out, result);
        return out.toByteArray();
    }

    static byte[] queryError(NacreException e) {
        Out out = new Out();
        writeError(out, e);
        return out.toByteArray();
    }

    static byte[] retryLater(String why) {
        return new Out().u8(RETRY).str(why).toByteArray();
    }

    /** Decodes a query's reply with the query's own reader; throws the error it carries. */
    static <T> T decodeQuery(byte[] b, Function<In, T> read) {
        In in = new In(b);
        int kind = in.u8();
        if (kind == RETRY) {
            throw new RetryLater(in.str());
        }
        if (kind == ERROR) {
            throw readError(in);
        }
        T t = read.apply(in);
        in.expectEnd();
        return t;
    }
}
