package io.nacre.s3.ops;

import com.linecorp.armeria.common.ResponseHeadersBuilder;
import io.nacre.engine.Caller;
import io.nacre.engine.Fid;
import io.nacre.engine.NacreException;
import io.nacre.engine.Status;
import io.nacre.engine.hsm.HsmAction;
import io.nacre.engine.meta.Attr;
import io.nacre.engine.meta.HsmState;
import io.nacre.engine.meta.XattrFlag;
import io.nacre.s3.error.S3Error;
import io.nacre.s3.error.S3Exception;
import io.nacre.s3.fs.Namespace;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * How S3 shows HSM (objects whose data may be only in the archive). By default a GET of a released
 * object asks for its restore and waits up to {@link Gateway#restoreWait()}, then answers 503 SlowDown
 * with Retry-After (clients retry). A bucket in glacier mode (xattr {@link Namespace#GLACIER_XATTR} on its
 * directory, set with {@code nacre hsm s3-glacier BUCKET on}) behaves as AWS's GLACIER storage class
 * instead: archived objects list as GLACIER, a GET of a released one is 403 InvalidObjectState until a
 * RestoreObject brings it back, and HEAD/GET carry {@code x-amz-restore}.
 */
final class ArchivedObjects {

    /** How often a waiting GET looks at its restore again. */
    private static final long POLL_NANOS = 100_000_000L;

    private ArchivedObjects() {
    }

    static boolean archived(Attr a) {
        return a.isRegular() && a.hsm().has(HsmState.EXISTS) && a.hsm().has(HsmState.ARCHIVED);
    }

    static boolean released(Attr a) {
        return a.isRegular() && a.hsm().has(HsmState.RELEASED);
    }

    /** Whether the request's bucket is in glacier mode. */
    static boolean glacier(S3Request r) {
        Fid bucket = r.bucketAttr().fid();
        return r.gateway().namespace().mds().getXattr(Caller.ROOT, bucket, Namespace.GLACIER_XATTR).isPresent();
    }

    /** The storage class an object lists with. */
    static String storageClass(Attr a, boolean glacier) {
        return glacier && archived(a) ? "GLACIER" : "STANDARD";
    }

    /**
     * Before the body of a GET of a released object: in glacier mode InvalidObjectState; otherwise queue
     * its restore and wait for it (bounded), returning the attributes once the data is back, or SlowDown.
     * The handler runs on a virtual thread: the wait holds no platform thread.
     */
    static Attr readable(S3Request r, Attr a, boolean glacier) {
        if (glacier) {
            throw new S3Exception(S3Error.INVALID_OBJECT_STATE, "The operation is not valid for the object's storage "
                    + "class").with("StorageClass", "GLACIER");
        }
        Fid fid = a.fid();
        var io = r.gateway().namespace().io();
        long deadline = System.nanoTime() + r.gateway().restoreWait().toNanos();
        while (true) {
            try {
                io.read(fid, 0, ByteBuffer.allocate(1)); // queues the restore once (FileIo), or reads: it is back
                return io.getattr(fid);
            } catch (NacreException e) {
                if (e.status() != Status.DELAY) {
                    throw e;
                }
            }
            if (System.nanoTime() - deadline >= 0) {
                throw new S3Exception(S3Error.SLOW_DOWN, "The object is being restored from the archive; retry shortly");
            }
            LockSupport.parkNanos(POLL_NANOS);
        }
    }

    /** x-amz-storage-class and x-amz-restore of an archived object in a glacier bucket. */
    static void headers(S3Request r, Attr a, boolean glacier, ResponseHeadersBuilder h) {
        if (!glacier || !archived(a)) {
            return;
        }
        h.add("x-amz-storage-class", "GLACIER");
        if (released(a)) {
            if (restoring(r, a.fid())) {
                h.add("x-amz-restore", "ongoing-request=\"true\"");
                return;
            }
            // No restore under way: none asked for, or it finished since the attributes were read.
            if (released(r.gateway().namespace().io().getattr(a.fid()))) {
                return;
            }
        }
        Instant expiry = restoreExpiry(r, a.fid());
        h.add("x-amz-restore", "ongoing-request=\"false\"" + (expiry == null ? ""
                : ", expiry-date=\"" + Responses.httpDate(expiry.getEpochSecond() * 1_000_000_000L) + "\""));
    }

    static boolean restoring(S3Request r, Fid fid) {
        return r.gateway().namespace().mds().hsmRequests(fid).stream()
                .anyMatch(q -> q.action() == HsmAction.RESTORE && q.state().active());
    }

    /**
     * Notes the expiry a RestoreObject asked for: now plus its days, rounded up to the next midnight UTC
     * (as AWS does). Nacre keeps restored data until it is released again (policy or admin); the date is
     * what the client asked for, shown in x-amz-restore.
     */
    static void noteExpiry(S3Request r, Fid fid, int days) {
        Instant at = r.gateway().clock().instant().plus(Duration.ofDays(days)).truncatedTo(ChronoUnit.DAYS)
                .plus(Duration.ofDays(1));
        r.gateway().namespace().mds().setXattr(Caller.ROOT, fid, Namespace.RESTORE_EXPIRY_XATTR,
                Long.toString(at.getEpochSecond()).getBytes(StandardCharsets.US_ASCII), XattrFlag.EITHER);
    }

    private static Instant restoreExpiry(S3Request r, Fid fid) {
        return r.gateway().namespace().mds().getXattr(Caller.ROOT, fid, Namespace.RESTORE_EXPIRY_XATTR)
                .flatMap(b -> {
                    try {
                        return java.util.Optional.of(Instant.ofEpochSecond(
                                Long.parseLong(new String(b, StandardCharsets.US_ASCII))));
                    } catch (NumberFormatException e) {
                        return java.util.Optional.empty(); // not ours to fail a HEAD over
                    }
                }).orElse(null);
    }
}
