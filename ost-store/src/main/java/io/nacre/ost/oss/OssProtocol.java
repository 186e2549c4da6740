package io.nacre.ost.oss;

import com.linecorp.armeria.common.HttpStatus;
import io.nacre.engine.NacreException;
import io.nacre.engine.Status;
import io.nacre.engine.store.ListedObject;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * The OSS wire protocol, shared by {@link OssService} and {@link RemoteObjectStore}. HTTP/2, one path
 * per operation, numbers in decimal:
 * <pre>
 * GET    /ost/v1/osts                                  -> body: one "index TAB pool,pool" line per OST
 * GET    /ost/v1/{ost}/instance                        -> nacre-instance
 * GET    /ost/v1/{ost}/usage                           -> nacre-bytes-total, -used, -free, nacre-objects
 * GET    /ost/v1/{ost}/objects/{id}?offset=O&amp;length=L  -> body: the bytes (fewer at the end); trailer nacre-status
 * PUT    /ost/v1/{ost}/objects/{id}?offset=O&amp;durability=STABLE|UNSTABLE, body: the bytes -> nacre-instance
 * POST   /ost/v1/{ost}/objects/{id}/sync               -> nacre-instance
 * POST   /ost/v1/{ost}/objects/{id}/truncate?size=N
 * DELETE /ost/v1/{ost}/objects/{id}
 * GET    /ost/v1/{ost}/objects/{id}/stat               -> nacre-size, nacre-bytes-used
 * GET    /ost/v1/{ost}/objects?after=A&amp;max=N           -> body: up to N objects with ids above A, ascending,
 *                                                         each id, size, bytes used, last write (ms): 4 x 8 bytes
 * POST   /ost/v1/fence?grant=G                         (pNFS: refuse data-server handles of grant G from now on)
 * </pre>
 * Every request but a read may ask for keep-alives ({@code nacre-keepalive: MILLIS}): until its answer is
 * ready the OSS sends a {@code 102 Processing} that often, with {@code nacre-backlog: BYTES}.
 * Failures answer an HTTP status with header {@code nacre-status} naming the {@link Status} and the
 * message as text body, so the client rethrows the same Status. A read that fails after its first
 * bytes were sent says so in its trailers ({@code nacre-status} other than OK).
 */
final class OssProtocol {

    static final String PREFIX = "/ost/v1";
    static final String STATUS = "nacre-status";
    static final String AUTH = "nacre-auth";
    static final String INSTANCE = "nacre-instance";
    static final String SIZE = "nacre-size";
    static final String BYTES_USED = "nacre-bytes-used";
    static final String BYTES_TOTAL = "nacre-bytes-total";
    static final String BYTES_FREE = "nacre-bytes-free";
    static final String OBJECTS = "nacre-objects";
    /** Usage: what destroys and truncates taken are still to give back (OstUsage.bytesFreeing); absent: 0. */
    static final String BYTES_FREEING = "nacre-bytes-freeing";
    /** Usage: the file system an OST lives on ("machine:device", absent when unknown), see OstUsage. */
    static final String DEVICE = "nacre-device";
    static final String GROWTH = "nacre-growth";
    static final String DEVICE_FREE = "nacre-device-free";
    static final String OK = "OK";
    /**
     * Request header: the client wants a {@code 102 Processing} informational answer this often
     * (milliseconds) until the answer is ready, as a sign that the node is alive and working. Each one
     * carries {@link #BACKLOG}.
     */
    static final String KEEPALIVE = "nacre-keepalive";
    /** In each 102: the bytes the OST may have to flush or checkpoint first (see Ost#backlog). */
    static final String BACKLOG = "nacre-backlog";
    /**
     * The slowest flush or transfer a deadline allows for (1 MiB/s): a call whose work grows with the OST's
     * backlog or its own bytes may take that long on top of its base bound, at both ends (the client gives
     * up then; the server's request timeout is stretched the same way, from a base at least as long).
     */
    static final long MIN_RATE = 1 << 20;
    /** The shortest and longest keep-alive period a server accepts. */
    static final long MIN_KEEPALIVE_MILLIS = 20;
    static final long MAX_KEEPALIVE_MILLIS = 60_000;

    /** Writes are stored in pieces of this size, aligned on it, so server memory per request is bounded. */
    static final int PIECE = 1 << 20;
    /**
     * HTTP/2 tuning for bulk transfers, both ends: 256 KiB frames (the default 16 KiB costs a wake-up of
     * the event loop per frame), 2 MiB per stream and 8 MiB per connection in flight, which also bounds
     * what either end may have to buffer.
     */
    static final int MAX_FRAME = 256 << 10;
    static final int STREAM_WINDOW = 2 << 20;
    static final int CONNECTION_WINDOW = 8 << 20;

    /** Bytes of one object in a listing's body: id, size, bytes used, last write time, each 8 bytes big-endian. */
    static final int LISTED_BYTES = 32;

    /** Longest error message kept from a response body. */
    static final int MAX_MESSAGE = 4096;

    /** {@code baseMillis} plus {@code bytes} at {@link #MIN_RATE}. */
    static long boundMillis(long baseMillis, long bytes) {
        return baseMillis + Math.max(0, bytes) * 1000 / MIN_RATE;
    }

    private OssProtocol() {
    }

    static String objectPath(int ost, long id) {
        return PREFIX + "/" + ost + "/objects/" + id;
    }

    static String listPath(int ost, long after, int max) {
        return PREFIX + "/" + ost + "/objects?after=" + after + "&max=" + max;
    }

    /** A listing's body (see {@link #LISTED_BYTES}). */
    static byte[] encodeListing(List<ListedObject> page) {
        ByteBuffer b = ByteBuffer.allocate(page.size() * LISTED_BYTES);
        for (ListedObject o : page) {
            b.putLong(o.id()).putLong(o.size()).putLong(o.bytesUsed()).putLong(o.lastWriteMillis());
        }
        return b.array();
    }

    static List<ListedObject> decodeListing(byte[] body) {
        if (body.length % LISTED_BYTES != 0) {
            throw new NacreException(Status.IO, "OSS listing of " + body.length + " bytes: not whole objects");
        }
        ByteBuffer b = ByteBuffer.wrap(body);
        List<ListedObject> out = new ArrayList<>(body.length / LISTED_BYTES);
        while (b.hasRemaining()) {
            out.add(new ListedObject(b.getLong(), b.getLong(), b.getLong(), b.getLong()));
        }
        return out;
    }

    static HttpStatus httpStatus(Status s) {
        return switch (s) {
            case NOT_FOUND, STALE -> HttpStatus.NOT_FOUND;
            case INVALID, NAME_TOO_LONG, NOT_DIR, IS_DIR -> HttpStatus.BAD_REQUEST;
            case ACCESS -> HttpStatus.UNAUTHORIZED;
            case PERM, READ_ONLY -> HttpStatus.FORBIDDEN;
            case EXISTS, NOT_EMPTY, BUSY, TOO_MANY_LINKS -> HttpStatus.CONFLICT;
            case TOO_BIG -> HttpStatus.REQUEST_ENTITY_TOO_LARGE;
            case NO_SPACE, NO_XATTR -> HttpStatus.INSUFFICIENT_STORAGE;
            case NOT_SUPPORTED -> HttpStatus.NOT_IMPLEMENTED;
            case DELAY, UNAVAILABLE -> HttpStatus.SERVICE_UNAVAILABLE;
            case CORRUPT, IO -> HttpStatus.INTERNAL_SERVER_ERROR;
        };
    }

    /** The Status an answer carries; from the HTTP status alone when the header is missing (a proxy, say). */
    static Status status(String header, HttpStatus http) {
        if (header != null) {
            try {
                return Status.valueOf(header);
            } catch (IllegalArgumentException e) {
                return Status.IO;
            }
        }
        return switch (http.code()) {
            case 400 -> Status.INVALID;
            case 401, 403 -> Status.ACCESS;
            case 404 -> Status.NOT_FOUND;
            case 413 -> Status.TOO_BIG;
            case 503, 504 -> Status.UNAVAILABLE;
            case 507 -> Status.NO_SPACE;
            default -> Status.IO;
        };
    }

    static long parseLong(String name, String value) {
        if (value == null) {
            throw new NacreException(Status.INVALID, "missing parameter " + name);
        }
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw new NacreException(Status.INVALID, "parameter " + name + " is not a number: " + value);
        }
    }
}
