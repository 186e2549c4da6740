package io.nacre.s3.fs;

import static java.util.Objects.requireNonNull;

import io.nacre.engine.Caller;
import io.nacre.engine.Fid;
import io.nacre.engine.NacreException;
import io.nacre.engine.Status;
import io.nacre.engine.io.FileIo;
import io.nacre.engine.layout.LayoutTemplate;
import io.nacre.engine.meta.Access;
import io.nacre.engine.meta.Attr;
import io.nacre.engine.meta.CreateSpec;
import io.nacre.engine.meta.Fetched;
import io.nacre.engine.meta.FileType;
import io.nacre.engine.meta.MetadataService;
import io.nacre.engine.meta.Results;
import io.nacre.engine.meta.SetAttr;
import io.nacre.engine.meta.SmallFile;
import io.nacre.engine.meta.XattrFlag;
import io.nacre.s3.error.ErrorMapping;
import io.nacre.s3.error.S3Error;
import io.nacre.s3.error.S3Exception;
import io.nacre.s3.keys.BucketNames;
import io.nacre.s3.keys.KeyPath;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * S3 buckets and keys on the namespace: a bucket is a directory below the root, a key a path below
 * it. New objects are staged as files in a hidden directory (reachable only by Fid) and published
 * with one rename once their data is durable and verified, so no reader ever sees half an object;
 * directories on a key's path are created on demand, marked implicit, and removed again when their
 * last key goes (directories made over NFS or by a "dir/" key are not).
 */
public final class Namespace {

    private static final Logger LOG = LoggerFactory.getLogger(Namespace.class);

    /** Marks a directory the gateway made only because keys live below it. */
    public static final String IMPLICIT_XATTR = "trusted.nacre.s3.implicit";
    /** A bucket's canned ACL ("public-read"); absent means private. */
    public static final String ACL_XATTR = "trusted.nacre.s3.acl";
    /** Present on a bucket in HSM glacier mode (see ArchivedObjects); {@code nacre hsm s3-glacier} sets it. */
    public static final String GLACIER_XATTR = "trusted.nacre.s3.glacier";
    /** On an object: the expiry (epoch second) its last RestoreObject asked for, shown in x-amz-restore. */
    public static final String RESTORE_EXPIRY_XATTR = "trusted.nacre.s3.restore-expiry";

    /** The directory under {@link Fid#HIDDEN} holding the gateway's staging and uploads. */
    static final String S3_DIR = "s3";
    static final String STAGING_DIR = "staging";
    static final String UPLOADS_DIR = "uploads";

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final byte[] TRUE = {1};

    private final MetadataService mds;
    private final FileIo io;
    private final Fid staging;
    private final Fid uploads;

    private Namespace(MetadataService mds, FileIo io, Fid staging, Fid uploads) {
        this.mds = mds;
        this.io = io;
        this.staging = staging;
        this.uploads = uploads;
    }

    /** Opens the namespace, making the gateway's hidden directories on first use. */
    public static Namespace open(MetadataService mds, FileIo io) {
        requireNonNull(mds, "mds");
        requireNonNull(io, "io");
        Fid s3 = mkdirRoot(mds, Fid.HIDDEN, S3_DIR);
        return new Namespace(mds, io, mkdirRoot(mds, s3, STAGING_DIR), mkdirRoot(mds, s3, UPLOADS_DIR));
    }

    private static Fid mkdirRoot(MetadataService mds, Fid parent, String name) {
        try {
            return mds.create(Caller.ROOT, parent, name, CreateSpec.directory(0700)).attr().fid();
        } catch (NacreException e) {
            if (e.status() == Status.EXISTS) {
                return mds.lookup(Caller.ROOT, parent, name).fid();
            }
            throw e;
        }
    }

    public MetadataService mds() {
        return mds;
    }

    public FileIo io() {
        return io;
    }

    /** The hidden directory where objects are staged before they are published. */
    public Fid stagingDir() {
        return staging;
    }

    /** The hidden directory holding multipart uploads. */
    public Fid uploadsDir() {
        return uploads;
    }

    // ---- buckets ---------------------------------------------------------------------------------

    /** The bucket's directory; NoSuchBucket when it is absent or not a directory. */
    public Attr bucket(Caller caller, String name) {
        if (!BucketNames.isValid(name)) {
            throw noSuchBucket(name);
        }
        try {
            Attr a = mds.lookup(caller, Fid.ROOT, name);
            if (!a.isDir()) {
                throw noSuchBucket(name);
            }
            return a;
        } catch (NacreException e) {
            throw ErrorMapping.toS3(e, ErrorMapping.Target.BUCKET).with("BucketName", name);
        }
    }

    /** The canned ACL of a bucket: "public-read" or "private". */
    public String bucketAcl(Fid bucket) {
        return mds.getXattr(Caller.ROOT, bucket, ACL_XATTR).map(b -> new String(b, java.nio.charset.StandardCharsets.UTF_8))
                .orElse("private");
    }

    public void setBucketAcl(Fid bucket, String acl) {
        if (acl.equals("private")) {
            try {
                mds.removeXattr(Caller.ROOT, bucket, ACL_XATTR);
            } catch (NacreException e) {
                if (e.status() != Status.NO_XATTR) {
                    throw e;
                }
            }
        } else {
            mds.setXattr(Caller.ROOT, bucket, ACL_XATTR, acl.getBytes(java.nio.charset.StandardCharsets.UTF_8),
                    XattrFlag.EITHER);
        }
    }

    // ---- reading keys ----------------------------------------------------------------------------

    /** Throws AccessDenied unless the caller has every bit of {@code mask} on the inode. */
    public void checkAccess(Caller caller, Fid fid, int mask) {
        if (caller.isRoot()) {
            return; // root reads and writes anything and searches every directory (x is only asked of directories)
        }
        if ((mds.access(caller, fid, mask) & mask) != mask) {
            throw new S3Exception(S3Error.ACCESS_DENIED, "Access Denied");
        }
    }

    /** Whether a directory is only implied by the keys below it (made by the gateway for them). */
    public boolean isImplicit(Fid dir) {
        try {
            return mds.getXattr(Caller.ROOT, dir, IMPLICIT_XATTR).isPresent();
        } catch (NacreException e) {
            if (e.status() == Status.STALE || e.status() == Status.NOT_FOUND) {
                return true; // gone meanwhile: it is no key
            }
            throw e;
        }
    }

    // ---- writing keys ----------------------------------------------------------------------------

    /**
     * What is on a key's path before a write: the bucket's name, the key's directory when it exists
     * (null when some of it is still to be made), the deepest directory that exists (where the staged
     * file takes its layout from), and, when asked for, the key's entry.
     */
    public record Preflight(String bucketName, Fid parent, Fid deepestDir, Optional<Attr> existing) {
    }

    /**
     * Checks before any data is read that a key can be written: no file on its path, the caller may
     * create in the deepest existing directory, and (with {@code lookAtKey}) the key does not name a
     * directory holding keys. The common case (the key's directory exists) is one metadata read.
     */
    public Preflight preflight(Caller caller, String bucketName, KeyPath key, boolean lookAtKey) {
        List<String> parents = key.directory() ? key.segments() : key.parents();
        if (!BucketNames.isValid(bucketName)) {
            throw noSuchBucket(bucketName);
        }
        Attr parent;
        try {
            parent = mds.resolve(caller, Fid.ROOT, parents.isEmpty() ? bucketName : bucketName + "/" + String.join("/", parents));
        } catch (NacreException e) {
            if (e.status() == Status.NOT_FOUND || e.status() == Status.NOT_DIR) {
                return walkPreflight(caller, bucketName, key, lookAtKey);
            }
            throw ErrorMapping.toS3(e, ErrorMapping.Target.OBJECT);
        }
        if (!parent.isDir()) {
            return walkPreflight(caller, bucketName, key, lookAtKey);
        }
        try {
            if (key.directory()) {
                return new Preflight(bucketName, parent.fid(), parent.fid(), Optional.of(parent));
            }
            checkAccess(caller, parent.fid(), Access.WRITE | Access.EXECUTE);
            return new Preflight(bucketName, parent.fid(), parent.fid(),
                    lookAtKey ? entry(caller, parent.fid(), key) : Optional.empty());
        } catch (NacreException e) {
            throw ErrorMapping.toS3(e, ErrorMapping.Target.OBJECT);
        }
    }

    /** The slow preflight, directory by directory from the bucket: the key's directory is (partly) missing. */
    private Preflight walkPreflight(Caller caller, String bucketName, KeyPath key, boolean lookAtKey) {
        Fid dir = bucket(caller, bucketName).fid();
        List<String> parents = key.directory() ? key.segments() : key.parents();
        try {
            for (String seg : parents) {
                Attr a;
                try {
                    a = mds.lookup(caller, dir, seg);
                } catch (NacreException e) {
                    if (e.status() == Status.NOT_FOUND) {
                        checkAccess(caller, dir, Access.WRITE | Access.EXECUTE);
                        return new Preflight(bucketName, null, dir, Optional.empty());
                    }
                    throw e;
                }
                if (!a.isDir()) {
                    throw parentIsObject(key);
                }
                dir = a.fid();
            }
            if (key.directory()) {
                return new Preflight(bucketName, dir, dir, Optional.of(mds.getattr(dir)));
            }
            checkAccess(caller, dir, Access.WRITE | Access.EXECUTE);
            return new Preflight(bucketName, dir, dir, lookAtKey ? entry(caller, dir, key) : Optional.empty());
        } catch (NacreException e) {
            throw ErrorMapping.toS3(e, ErrorMapping.Target.OBJECT);
        }
    }

    /** The key's own entry in its directory, if any; a directory there is ObjectExistsAsDirectory. */
    private Optional<Attr> entry(Caller caller, Fid dir, KeyPath key) {
        try {
            Attr existing = mds.lookup(caller, dir, key.name());
            if (existing.isDir()) {
                throw objectExistsAsDirectory(key);
            }
            return Optional.of(existing);
        } catch (NacreException e) {
            if (e.status() == Status.NOT_FOUND) {
                return Optional.empty();
            }
            throw e;
        }
    }

    static S3Exception objectExistsAsDirectory(KeyPath key) {
        return new S3Exception(S3Error.OBJECT_EXISTS_AS_DIRECTORY, "The key '" + key.key()
                + "' names a directory (keys exist below '" + key.key() + "/'); an object cannot replace it");
    }

    static S3Exception noSuchBucket(String name) {
        return new S3Exception(S3Error.NO_SUCH_BUCKET, "The specified bucket does not exist").with("BucketName", name);
    }

    /**
     * The file (or, for a "dir/" key, the directory) a key of a bucket names, in one metadata read;
     * NoSuchBucket or NoSuchKey when there is none.
     */
    public Attr resolveKey(Caller caller, String bucketName, KeyPath key) {
        if (!BucketNames.isValid(bucketName)) {
            throw noSuchBucket(bucketName);
        }
        Attr a;
        try {
            a = mds.resolve(caller, Fid.ROOT, bucketName + "/" + key.relativePath());
        } catch (NacreException e) {
            if (e.status() == Status.NOT_FOUND || e.status() == Status.NOT_DIR || e.status() == Status.IS_DIR) {
                bucket(caller, bucketName); // NoSuchBucket rather than NoSuchKey when it is the bucket that is missing
            }
            throw ErrorMapping.toS3(e, ErrorMapping.Target.KEY_READ);
        }
        if (key.directory() ? !a.isDir() : !a.isRegular()) {
            throw ErrorMapping.toS3(new NacreException(Status.NOT_FOUND, key.key()), ErrorMapping.Target.KEY_READ);
        }
        return a;
    }

    /**
     * Makes sure the directories leading to a key exist, creating missing ones as implicit; returns
     * the deepest. A file on the path is ParentIsObject.
     */
    public Fid ensureDirectories(Caller caller, Fid bucket, KeyPath key, List<String> segments) {
        Fid dir = bucket;
        for (String seg : segments) {
            dir = ensureDirectory(caller, dir, seg, key);
        }
        return dir;
    }

    private Fid ensureDirectory(Caller caller, Fid dir, String name, KeyPath key) {
        for (int attempt = 0; ; attempt++) {
            try {
                Attr a = mds.lookup(caller, dir, name);
                if (!a.isDir()) {
                    throw parentIsObject(key);
                }
                return a.fid();
            } catch (NacreException e) {
                if (e.status() != Status.NOT_FOUND || attempt > 3) {
                    throw ErrorMapping.toS3(e, ErrorMapping.Target.OBJECT);
                }
            }
            try {
                Attr made = mds.create(caller, dir, name, CreateSpec.directory(0755)).attr();
                mds.setXattr(Caller.ROOT, made.fid(), IMPLICIT_XATTR, TRUE, XattrFlag.EITHER);
                return made.fid();
            } catch (NacreException e) {
                if (e.status() != Status.EXISTS) {
                    throw ErrorMapping.toS3(e, ErrorMapping.Target.OBJECT);
                }
                // made meanwhile by another request: look it up again
            }
        }
    }

    private static S3Exception parentIsObject(KeyPath key) {
        return new S3Exception(S3Error.PARENT_IS_OBJECT, "A prefix of the key '" + key.key()
                + "' (up to a '/') is an object, so no key can be stored below it");
    }

    /** A staged file: its name in the staging directory, its Fid, and its data version when made. */
    public record Staged(String name, Fid fid, long createdDataVersion) {
    }

    /**
     * Creates an empty staged file owned by the caller, with the layout a file created in {@code dir}
     * would get (so publishing it there is only a rename).
     */
    public Staged stage(Caller owner, Fid layoutDir) {
        return stage(owner, layoutFor(layoutDir));
    }

    /** Creates an empty staged file owned by the caller, with the given layout. */
    public Staged stage(Caller owner, LayoutTemplate layout) {
        String name = "put-" + HexFormat.of().formatHex(randomBytes(16));
        CreateSpec.Builder spec = CreateSpec.builder(FileType.REGULAR)
                .mode(0644)
                .initial(SetAttr.builder().uid(owner.uid()).gid(owner.gid()).build());
        spec.layout(layout);
        Attr a = mds.create(Caller.ROOT, staging, name, spec.build()).attr();
        return new Staged(name, a.fid(), a.dataVersion());
    }

    /** Creates an empty staged file owned by the caller, without a layout yet (see {@code MetadataService.concat}). */
    public Staged stageWithoutLayout(Caller owner) {
        String name = "put-" + HexFormat.of().formatHex(randomBytes(16));
        CreateSpec spec = CreateSpec.builder(FileType.REGULAR)
                .mode(0644)
                .initial(SetAttr.builder().uid(owner.uid()).gid(owner.gid()).build())
                .delayLayout(true)
                .build();
        Attr a = mds.create(Caller.ROOT, staging, name, spec).attr();
        return new Staged(name, a.fid(), a.dataVersion());
    }

    /** Default layouts looked up lately, by directory: setstripe takes effect within this time. */
    private static final long LAYOUT_CACHE_NANOS = 2_000_000_000L;

    /** A directory's layout for new files; {@code chosen}: set on it (or inherited from a parent), not the file system's. */
    private record CachedLayout(LayoutTemplate template, boolean chosen, long until) {
    }

    private final java.util.concurrent.ConcurrentHashMap<Fid, CachedLayout> layouts =
            new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * The layout template new files in {@code dir} get: its default, else the file system's. Cached
     * for a moment: it is read on every PUT and changes rarely.
     */
    public LayoutTemplate layoutFor(Fid dir) {
        return cachedLayout(dir).template();
    }

    /** What a large object gets where nobody chose a layout: a 1 MiB stripe on every OST (lfs setstripe -c -1). */
    static final LayoutTemplate WIDE = LayoutTemplate.of(LayoutTemplate.ALL_OSTS, 1 << 20, "");

    /**
     * The layout of a new object of {@code size} bytes (-1 when unknown) in {@code dir}: as
     * {@link #layoutFor(Fid)}, except that an object of at least {@code wideFrom} bytes (0: never) is
     * striped over every OST when its directory has no layout of its own and the file system's is the
     * default of defaults (one stripe, which would put all its bytes behind one OST).
     */
    public LayoutTemplate layoutFor(Fid dir, long size, long wideFrom) {
        CachedLayout c = cachedLayout(dir);
        return wideFrom > 0 && size >= wideFrom && !c.chosen() && c.template().equals(LayoutTemplate.DEFAULT)
                ? WIDE : c.template();
    }

    private CachedLayout cachedLayout(Fid dir) {
        long now = System.nanoTime();
        CachedLayout c = layouts.get(dir);
        if (c != null && now - c.until() < 0) {
            return c;
        }
        if (layouts.size() > 10_000) {
            layouts.clear();
        }
        c = lookUpLayout(dir, now + LAYOUT_CACHE_NANOS);
        layouts.put(dir, c);
        return c;
    }

    private CachedLayout lookUpLayout(Fid dir, long until) {
        try {
            Optional<LayoutTemplate> t = mds.defaultLayout(dir);
            if (t.isPresent()) {
                return new CachedLayout(t.get(), !dir.equals(Fid.ROOT), until);
            }
        } catch (NacreException e) {
            if (e.status() != Status.STALE && e.status() != Status.NOT_FOUND) {
                throw e;
            }
        }
        return new CachedLayout(mds.defaultLayout(Fid.ROOT).orElse(LayoutTemplate.DEFAULT), false, until);
    }

    /** Removes a staged file that will not be published (its objects are queued for destruction). */
    public void discard(Staged s) {
        try {
            mds.remove(Caller.ROOT, staging, s.name(), MetadataService.RemoveKind.FILE);
        } catch (NacreException e) {
            if (e.status() != Status.NOT_FOUND) {
                LOG.warn("could not remove staged file {} ({}): {}", s.name(), s.fid(), e.toString());
            }
        }
    }

    /**
     * Publishes a staged file at a key with one rename (replacing an older object), creating the
     * directories on the way when the preflight found them missing. With {@code onlyIfAbsent}
     * (If-None-Match: *) it is linked instead, which fails if the key exists: PreconditionFailed. A
     * directory in the way is ObjectExistsAsDirectory. Returns the published file's attributes.
     */
    public Attr publish(Caller caller, Preflight pre, KeyPath key, Staged s, boolean onlyIfAbsent) {
        Fid known = pre.parent();
        for (int attempt = 0; ; attempt++) {
            Fid dir = known != null ? known
                    : ensureDirectories(caller, bucket(caller, pre.bucketName()).fid(), key, key.parents());
            if (known == null) {
                checkAccess(caller, dir, Access.WRITE | Access.EXECUTE);
            }
            try {
                if (onlyIfAbsent) {
                    Attr linked = mds.link(Caller.ROOT, s.fid(), dir, key.name()).attr();
                    discard(s);
                    return linked;
                }
                // the object replaced stays readable by NFS clients that have it open, until they close it
                io.keepIfOpen(Caller.ROOT, dir, key.name());
                return mds.rename(Caller.ROOT, staging, s.name(), dir, key.name()).renamed();
            } catch (NacreException e) {
                if (onlyIfAbsent && e.status() == Status.EXISTS) {
                    throw new S3Exception(S3Error.PRECONDITION_FAILED,
                            "At least one of the pre-conditions you specified did not hold").with("Condition", "If-None-Match");
                }
                if (e.status() == Status.IS_DIR || e.status() == Status.NOT_EMPTY || e.status() == Status.EXISTS) {
                    throw objectExistsAsDirectory(key);
                }
                // The directory was removed meanwhile (its last key went): make it again.
                if ((e.status() == Status.STALE || e.status() == Status.NOT_FOUND) && attempt < 3) {
                    known = null;
                    continue;
                }
                throw ErrorMapping.toS3(e, ErrorMapping.Target.OBJECT);
            }
        }
    }

    // ---- small objects: one metadata change, one metadata read -------------------------------------

    /** Bucket Fids looked up lately, by name; an entry proven stale by the MDS is dropped and looked up again. */
    private final java.util.concurrent.ConcurrentHashMap<String, Fid> bucketFids = new java.util.concurrent.ConcurrentHashMap<>();

    private Fid bucketFid(Caller caller, String name) {
        Fid f = bucketFids.get(name);
        if (f != null) {
            return f;
        }
        if (bucketFids.size() > 10_000) {
            bucketFids.clear();
        }
        f = bucket(caller, name).fid();
        bucketFids.put(name, f);
        return f;
    }

    /**
     * Publishes a small object (its bytes verified) at a key in ONE metadata change: the file with its
     * data on the MDT ({@code domSize}-byte data-on-MDT component, then the directory's striping), its
     * xattrs, the implicit directories its key needs, and the replace of the object there (see
     * {@link MetadataService#putSmallFile}). {@code expect} carries If-None-Match: * (absent) or an
     * If-Match already checked against the object's ETag (its Fid and data version): failing either is
     * PreconditionFailed. Returns null when the metadata service cannot do it (write it the long way).
     */
    public Results.SmallFilePut putSmall(Caller caller, String bucketName, KeyPath key, byte[] data, int domSize,
                                         Map<String, byte[]> xattrs, SmallFile.Expect expect) {
        if (!BucketNames.isValid(bucketName)) {
            throw noSuchBucket(bucketName);
        }
        for (int attempt = 0; ; attempt++) {
            Fid bucket = bucketFid(caller, bucketName);
            SmallFile file = new SmallFile(bucket, key.parents(), key.name(), 0644, data, domSize, xattrs,
                    Map.of(IMPLICIT_XATTR, TRUE), expect);
            try {
                return mds.putSmallFile(caller, file);
            } catch (NacreException e) {
                switch (e.status()) {
                    case NOT_SUPPORTED -> {
                        return null;
                    }
                    case STALE -> {
                        // The bucket we knew went (maybe made again), or the If-Match object changed.
                        bucketFids.remove(bucketName, bucket);
                        Fid now = bucket(caller, bucketName).fid();
                        if (!now.equals(bucket) && attempt < 2) {
                            continue;
                        }
                        if (expect.fid() != null) {
                            throw new S3Exception(S3Error.PRECONDITION_FAILED,
                                    "At least one of the pre-conditions you specified did not hold").with("Condition", "If-Match");
                        }
                        throw ErrorMapping.toS3(e, ErrorMapping.Target.OBJECT);
                    }
                    case EXISTS -> throw new S3Exception(S3Error.PRECONDITION_FAILED,
                            "At least one of the pre-conditions you specified did not hold").with("Condition", "If-None-Match");
                    case IS_DIR -> throw objectExistsAsDirectory(key);
                    case NOT_DIR -> throw parentIsObject(key);
                    default -> throw ErrorMapping.toS3(e, ErrorMapping.Target.OBJECT);
                }
            }
        }
    }

    /**
     * A key's file (or "dir/" key's directory) checked readable by the caller, with the requested
     * xattrs and, for a small object whose bytes live on the MDT, its bytes: one metadata read.
     * NoSuchBucket, NoSuchKey or AccessDenied as {@link #resolveKey} and {@link #checkAccess}.
     */
    public Fetched fetchKey(Caller caller, String bucketName, KeyPath key, List<String> xattrs, int maxData) {
        if (!BucketNames.isValid(bucketName)) {
            throw noSuchBucket(bucketName);
        }
        Fetched f;
        try {
            f = mds.fetch(caller, Fid.ROOT, bucketName + "/" + key.relativePath(), Access.READ, xattrs, maxData);
        } catch (NacreException e) {
            if (e.status() == Status.NOT_FOUND || e.status() == Status.NOT_DIR || e.status() == Status.IS_DIR) {
                bucket(caller, bucketName); // NoSuchBucket rather than NoSuchKey when it is the bucket that is missing
            }
            throw ErrorMapping.toS3(e, ErrorMapping.Target.KEY_READ);
        }
        Attr a = f.attr();
        if (key.directory() ? !a.isDir() : !a.isRegular()) {
            throw ErrorMapping.toS3(new NacreException(Status.NOT_FOUND, key.key()), ErrorMapping.Target.KEY_READ);
        }
        return f;
    }

    /** Makes the directory a "dir/" key names (and the ones above it); an existing one becomes explicit. */
    public Attr makeDirectoryKey(Caller caller, Fid bucket, KeyPath key) {
        Fid parent = ensureDirectories(caller, bucket, key, key.parents());
        Fid dir = ensureDirectory(caller, parent, key.name(), key);
        try {
            mds.removeXattr(Caller.ROOT, dir, IMPLICIT_XATTR);
        } catch (NacreException e) {
            if (e.status() != Status.NO_XATTR) {
                throw ErrorMapping.toS3(e, ErrorMapping.Target.OBJECT);
            }
        }
        return mds.getattr(dir);
    }

    // ---- removing keys ---------------------------------------------------------------------------

    /**
     * Deletes a key; a key that does not exist is no error (S3 semantics). A "dir/" key removes its
     * directory when empty, else only makes it implicit (it stops being a key; the keys below stay).
     * Implicit directories left empty are removed, up to the bucket.
     */
    public void deleteKey(Caller caller, String bucketName, KeyPath key) {
        if (!BucketNames.isValid(bucketName)) {
            throw noSuchBucket(bucketName);
        }
        List<String> parents = key.parents();
        Attr parent;
        try {
            parent = mds.resolve(caller, Fid.ROOT, parents.isEmpty() ? bucketName : bucketName + "/" + String.join("/", parents));
        } catch (NacreException e) {
            if (e.status() == Status.NOT_FOUND || e.status() == Status.NOT_DIR) {
                bucket(caller, bucketName); // NoSuchBucket if that is what is missing; otherwise nothing to delete
                return;
            }
            throw ErrorMapping.toS3(e, ErrorMapping.Target.OBJECT);
        }
        if (!parent.isDir()) {
            if (parents.isEmpty()) {
                throw noSuchBucket(bucketName);
            }
            return;
        }
        Fid dir = parent.fid();
        try {
            if (key.directory()) {
                Attr d = mds.lookup(caller, dir, key.name());
                if (!d.isDir()) {
                    return;
                }
                try {
                    mds.remove(caller, dir, key.name(), MetadataService.RemoveKind.DIRECTORY);
                } catch (NacreException e) {
                    if (e.status() != Status.NOT_EMPTY) {
                        throw e;
                    }
                    mds.setXattr(Caller.ROOT, d.fid(), IMPLICIT_XATTR, TRUE, XattrFlag.EITHER);
                    return;
                }
            } else {
                // a file an NFS client has open stays its until the close
                io.remove(caller, dir, key.name(), MetadataService.RemoveKind.FILE);
            }
        } catch (NacreException e) {
            if (e.status() == Status.NOT_FOUND || e.status() == Status.NOT_DIR || e.status() == Status.IS_DIR
                    || e.status() == Status.STALE) {
                return;
            }
            throw ErrorMapping.toS3(e, ErrorMapping.Target.OBJECT);
        }
        if (!parents.isEmpty() && isImplicit(dir)) {
            pruneImplicit(caller, bucketName, key);
        }
    }

    /** The directories of a key's path, from its bucket down, as far as they exist. */
    private List<Fid> chain(Caller caller, String bucketName, KeyPath key) {
        List<Fid> chain = new ArrayList<>();
        Fid d = bucket(caller, bucketName).fid();
        chain.add(d);
        for (String seg : key.parents()) {
            try {
                Attr a = mds.lookup(Caller.ROOT, d, seg);
                if (!a.isDir()) {
                    break;
                }
                d = a.fid();
                chain.add(d);
            } catch (NacreException e) {
                break;
            }
        }
        return chain;
    }

    private void pruneImplicit(Caller caller, String bucketName, KeyPath key) {
        pruneImplicit(chain(caller, bucketName, key), key);
    }

    /** Removes empty implicit directories from the deepest of the chain up (never the bucket, chain[0]). */
    void pruneImplicit(List<Fid> chain, KeyPath key) {
        for (int i = chain.size() - 1; i >= 1; i--) {
            Fid d = chain.get(i);
            if (!isImplicit(d)) {
                return;
            }
            try {
                mds.remove(Caller.ROOT, chain.get(i - 1), key.segments().get(i - 1), MetadataService.RemoveKind.DIRECTORY);
            } catch (NacreException e) {
                if (e.status() == Status.NOT_EMPTY || e.status() == Status.NOT_FOUND || e.status() == Status.STALE) {
                    return;
                }
                LOG.warn("could not remove the empty implicit directory {}: {}", d, e.toString());
                return;
            }
        }
    }

    /** Removes staged files last changed before {@code cutoffNanos} (left by requests that died); returns how many. */
    public int removeStagedBefore(long cutoffNanos) {
        int n = 0;
        String after = "";
        while (true) {
            io.nacre.engine.meta.DirPage page = mds.list(Caller.ROOT, staging, after, 1000);
            for (io.nacre.engine.meta.DirEntry e : page.entries()) {
                after = e.name();
                if (e.attr().ctime() < cutoffNanos && e.attr().mtime() < cutoffNanos) {
                    discard(new Staged(e.name(), e.attr().fid(), e.attr().dataVersion()));
                    n++;
                }
            }
            if (page.eof() || page.entries().isEmpty()) {
                return n;
            }
        }
    }

    static byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        RANDOM.nextBytes(b);
        return b;
    }
}
