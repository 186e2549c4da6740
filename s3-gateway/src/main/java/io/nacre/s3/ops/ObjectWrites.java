package io.nacre.s3.ops;

import io.nacre.engine.Fid;
import io.nacre.engine.meta.Attr;
import io.nacre.engine.meta.SmallFile;
import io.nacre.s3.error.S3Error;
import io.nacre.s3.error.S3Exception;
import io.nacre.s3.fs.Namespace;
import io.nacre.s3.fs.ObjectMeta;
import io.nacre.s3.keys.KeyPath;
import java.util.Optional;
import java.util.Set;

/**
 * What PutObject, CopyObject and CompleteMultipartUpload share: the checks before any data moves
 * (conditions, conflicts, permission, unsupported headers), and publishing a staged file with its
 * metadata at the key.
 */
final class ObjectWrites {

    /** Storage classes S3 accepts; they all mean "on the OSTs" here. */
    static final Set<String> STORAGE_CLASSES = Set.of("STANDARD", "REDUCED_REDUNDANCY", "STANDARD_IA", "ONEZONE_IA",
            "INTELLIGENT_TIERING", "GLACIER", "DEEP_ARCHIVE", "OUTPOSTS", "GLACIER_IR", "SNOW", "EXPRESS_ONEZONE");

    private ObjectWrites() {
    }

    /** Refuses what a write asks for that is not done here (rather than pretend): SSE, unknown classes. */
    static void checkSupported(S3Request r) {
        String sc = r.header("x-amz-storage-class");
        if (sc != null && !STORAGE_CLASSES.contains(sc)) {
            throw new S3Exception(S3Error.INVALID_STORAGE_CLASS, "The storage class you specified is not valid")
                    .with("StorageClassRequested", sc);
        }
        if (r.header("x-amz-server-side-encryption") != null
                || r.header("x-amz-server-side-encryption-customer-algorithm") != null) {
            throw new S3Exception(S3Error.NOT_IMPLEMENTED,
                    "Server-side encryption is not implemented by this server").with("Header", "x-amz-server-side-encryption");
        }
        if (r.header("x-amz-object-lock-mode") != null || r.header("x-amz-object-lock-legal-hold") != null) {
            throw new S3Exception(S3Error.NOT_IMPLEMENTED, "Object Lock is not implemented by this server");
        }
    }

    /** The outcome of the checks before a write: what is on the key's path, and where to stage. */
    record Plan(Namespace.Preflight preflight, boolean onlyIfAbsent) {
        Fid layoutDir() {
            return preflight.deepestDir();
        }

        Optional<Attr> existing() {
            return preflight.existing();
        }
    }

    /**
     * Checks a write to the request's key before reading any data: path conflicts, permission, and
     * the conditional headers If-None-Match: * and If-Match.
     */
    static Plan plan(S3Request r) {
        Gateway gw = r.gateway();
        Namespace ns = gw.namespace();
        KeyPath key = r.keyPath();
        String ifNoneMatch = r.header("if-none-match");
        String ifMatch = r.header("if-match");
        Namespace.Preflight pre = ns.preflight(r.caller(), r.bucket(), key, ifNoneMatch != null || ifMatch != null);
        Optional<Attr> existing = pre.existing();
        boolean onlyIfAbsent = false;
        if (ifNoneMatch != null) {
            if (!ifNoneMatch.strip().equals("*")) {
                throw new S3Exception(S3Error.NOT_IMPLEMENTED, "If-None-Match on a write takes only '*'")
                        .with("Header", "If-None-Match");
            }
            if (existing.isPresent()) {
                throw Conditions.failed("If-None-Match");
            }
            onlyIfAbsent = true;
        }
        if (ifMatch != null) {
            Attr a = existing.orElseThrow(() -> new S3Exception(S3Error.NO_SUCH_KEY, "The specified key does not exist.")
                    .with("Key", key.key()));
            String etag = gw.meta().current(a.fid(), gw.namespace().io().getattr(a.fid())).etag();
            if (!Conditions.matches(ifMatch, etag)) {
                throw Conditions.failed("If-Match");
            }
        }
        return new Plan(pre, onlyIfAbsent);
    }

    /**
     * The conditions of a write published in one metadata change (a small object): If-None-Match: *
     * makes the key's absence a condition of the change; If-Match is checked against the current
     * object's ETag now (NoSuchKey, PreconditionFailed) and becomes the condition that the key still
     * holds that object at that data version when the change applies.
     */
    static SmallFile.Expect expectation(S3Request r) {
        String ifNoneMatch = r.header("if-none-match");
        String ifMatch = r.header("if-match");
        if (ifNoneMatch != null && !ifNoneMatch.strip().equals("*")) {
            throw new S3Exception(S3Error.NOT_IMPLEMENTED, "If-None-Match on a write takes only '*'")
                    .with("Header", "If-None-Match");
        }
        if (ifMatch != null) {
            Gateway gw = r.gateway();
            Attr a = gw.namespace().resolveKey(r.caller(), r.bucket(), r.keyPath());
            ObjectMeta m = gw.meta().current(a.fid(), gw.namespace().io().getattr(a.fid()));
            if (ifNoneMatch != null) {
                throw Conditions.failed("If-None-Match");
            }
            if (!Conditions.matches(ifMatch, m.etag())) {
                throw Conditions.failed("If-Match");
            }
            return SmallFile.Expect.match(a.fid(), m.dataVersion());
        }
        return ifNoneMatch != null ? SmallFile.Expect.ABSENT : SmallFile.Expect.ANY;
    }

    /**
     * Records the metadata on the staged file and publishes it at the key (discarding it on any
     * failure); an If-Match condition is checked again just before the rename.
     */
    static Attr publish(S3Request r, Namespace.Staged staged, ObjectMeta meta, Plan plan) {
        return publish(r, staged, meta, plan, false);
    }

    /** As {@link #publish(S3Request, Namespace.Staged, ObjectMeta, Plan)}; {@code metaStored}: already on the staged file. */
    static Attr publish(S3Request r, Namespace.Staged staged, ObjectMeta meta, Plan plan, boolean metaStored) {
        Gateway gw = r.gateway();
        try {
            if (!metaStored) {
                gw.meta().store(staged.fid(), meta);
            }
            String ifMatch = r.header("if-match");
            if (ifMatch != null) {
                Attr now = gw.namespace().preflight(r.caller(), r.bucket(), r.keyPath(), true).existing()
                        .orElseThrow(() -> Conditions.failed("If-Match"));
                if (!Conditions.matches(ifMatch, gw.meta().current(now.fid(), gw.namespace().io().getattr(now.fid())).etag())) {
                    throw Conditions.failed("If-Match");
                }
            }
            return gw.namespace().publish(r.caller(), plan.preflight(), r.keyPath(), staged, plan.onlyIfAbsent());
        } catch (RuntimeException e) {
            gw.namespace().discard(staged);
            throw e;
        }
    }
}
