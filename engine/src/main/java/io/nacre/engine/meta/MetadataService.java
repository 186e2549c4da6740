package io.nacre.engine.meta;

import io.nacre.engine.Caller;
import io.nacre.engine.Fid;
import io.nacre.engine.NacreException;
import io.nacre.engine.hsm.HsmCoordinator;
import io.nacre.engine.layout.Layout;
import io.nacre.engine.layout.LayoutTemplate;
import io.nacre.engine.meta.Results.AttrChange;
import io.nacre.engine.meta.Results.Created;
import io.nacre.engine.meta.Results.Removed;
import io.nacre.engine.meta.Results.Renamed;
import io.nacre.engine.store.OstInfo;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * The namespace, as the MDS serves it to gateways, FileIo and tools: every change is replicated and
 * durable when the call returns; reads are linearizable. Permission checks (POSIX mode bits against
 * the {@link Caller}) happen here, so every front end enforces the same rules. Failures are
 * {@link io.nacre.engine.NacreException}s with a {@link io.nacre.engine.Status}: NOT_FOUND, EXISTS,
 * NOT_DIR, ACCESS, PERM, STALE (a Fid that no longer exists), UNAVAILABLE (no leader in time)...
 *
 * <p>Names are single path components: non-empty, at most {@link #NAME_MAX} bytes of UTF-8, without
 * '/' or NUL, and not "." or "..".
 *
 * <p>The HSM coordinator's calls ({@link HsmCoordinator}) are part of the same replicated service.
 */
public interface MetadataService extends HsmCoordinator, AutoCloseable {

    /** The longest name, in bytes of UTF-8 (NAME_MAX). */
    int NAME_MAX = 255;
    /** The longest symlink target, in bytes (PATH_MAX). */
    int PATH_MAX = 4096;
    /** The most hard links an inode may have. */
    int LINK_MAX = 65000;

    // ---- identity -------------------------------------------------------------------------------

    /** The file system's id, chosen when it was formatted and never changed. */
    long fsid();

    // ---- reads ------------------------------------------------------------------------------------

    /** The inode's attributes. STALE if it no longer exists. No permission is needed (as stat on a handle). */
    Attr getattr(Fid fid);

    /** The entry {@code name} of directory {@code dir}; needs search (x) on dir. */
    Attr lookup(Caller caller, Fid dir, String name);

    /**
     * Resolves a relative path of names separated by '/' from {@code dir}, without following symlinks
     * (a symlink in the middle gives NOT_DIR), checking search permission on every directory.
     * An empty path resolves to {@code dir} itself.
     */
    Attr resolve(Caller caller, Fid dir, String path);

    /**
     * Lustre's fid2path: the path of an inode from the root, "/" separated and starting with "/", through
     * its first name (a file with several links has several paths; this is one of them). NOT_FOUND when
     * the inode is not reachable from the root (under {@link Fid#HIDDEN}); STALE when it is gone.
     */
    String path(Fid fid);

    /** The subset of {@code mask} ({@link Access} bits) that the caller is granted on the inode. */
    int access(Caller caller, Fid fid, int mask);

    /**
     * Whether reads ({@link #getattr}, {@link #lookup}, {@link #access} and the like) are answered right now
     * in this process, without waiting on the network or another thread: a gateway may then make them on a
     * thread that must not block (an RPC selector). A hint, true only while it holds almost surely; false
     * by default.
     */
    default boolean localReads() {
        return false;
    }

    /** A symlink's target; INVALID when the inode is not a symlink. */
    String readlink(Fid fid);

    /**
     * Lists a directory from a cookie (0 from the start) in cookie order, at most {@code max}
     * entries, with their attributes; needs read (r) on dir. Cookies are stable: a listing resumed
     * from any cookie it handed out sees every entry that existed through the whole listing exactly once.
     */
    DirPage readdir(Caller caller, Fid dir, long cookie, int max);

    /**
     * Lists a directory in byte order of the names' UTF-8, starting after {@code startAfter} ("" from the
     * start), at most {@code max} entries; needs read (r) on dir. Cookies in the result are as readdir's.
     */
    DirPage list(Caller caller, Fid dir, String startAfter, int max);

    /** One extended attribute; needs read (r) on the inode for "user." names. */
    Optional<byte[]> getXattr(Caller caller, Fid fid, String name);

    /** Every extended attribute the caller may read, by name. */
    Map<String, byte[]> xattrs(Caller caller, Fid fid);

    /** The file's layout ({@link Layout#NONE} for directories, symlinks and files created with a delayed layout). */
    Layout layout(Fid fid);

    /**
     * The default layout template set on a directory, or empty; for {@link Fid#ROOT} with nothing set,
     * the file system's default.
     */
    Optional<LayoutTemplate> defaultLayout(Fid dir);

    FsStat statfs();

    /** The OSTs of the file system, in index order. */
    List<OstInfo> osts();

    // ---- namespace changes ------------------------------------------------------------------------

    /**
     * Creates an inode of any type under {@code dir}; needs write and search (wx) on dir. The owner is
     * the caller (root may set another in {@code spec.initial()}); the group is the caller's, or dir's
     * when dir has the set-group-id bit. A regular file gets its layout from spec, else dir's default,
     * else the file system's, and its first component is instantiated (unless delayLayout).
     * A new directory inherits its parent's default layout.
     */
    Created create(Caller caller, Fid dir, String name, CreateSpec spec);

    /**
     * {@link #create}, answered through a future, under the rules of {@link #removeAsync}: it completes with
     * what create returns once the change is durable, or fails with the {@link NacreException} create would
     * throw (bad arguments may throw at once); while {@link #localReads()} is true it returns without waiting
     * and the future may complete on a thread of the MDS that must not block. The default waits for create
     * on the calling thread.
     */
    default CompletableFuture<Created> createAsync(Caller caller, Fid dir, String name, CreateSpec spec) {
        return answered(() -> create(caller, dir, name, spec));
    }

    /** Adds a hard link to a non-directory; needs wx on dir. */
    Created link(Caller caller, Fid fid, Fid dir, String name);

    /** What {@link #remove} may remove. */
    enum RemoveKind {
        /** unlink(2): any non-directory; IS_DIR on a directory. */
        FILE,
        /** rmdir(2): an empty directory; NOT_DIR otherwise. */
        DIRECTORY,
        /** NFS REMOVE: either. */
        ANY
    }

    /**
     * Removes a name; needs wx on dir (and, with the sticky bit, ownership of dir or the entry). When it
     * was the inode's last name, the inode goes and its objects are queued for destruction.
     */
    Removed remove(Caller caller, Fid dir, String name, RemoveKind kind);

    /**
     * {@link #remove}, answered through a future: it completes with what remove returns once the change is
     * durable, or fails with the {@link NacreException} remove would throw (an implementation may throw one
     * for bad arguments at once). While {@link #localReads()} is true the call must return without waiting
     * (an implementation that may answer it true overrides this), so a gateway may make it on a thread that
     * must not block; the future may then complete on a thread of the MDS that must not block either: what
     * a gateway runs there must not wait, nor call this service for a change. The default waits for remove
     * on the calling thread.
     */
    default CompletableFuture<Removed> removeAsync(Caller caller, Fid dir, String name, RemoveKind kind) {
        return answered(() -> remove(caller, dir, name, kind));
    }

    /** A call made on this thread, its result or its {@link NacreException} as a completed future. */
    private static <T> CompletableFuture<T> answered(Supplier<T> call) {
        try {
            return CompletableFuture.completedFuture(call.get());
        } catch (NacreException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /**
     * rename(2), atomically: replaces an existing target as POSIX says (a file by a file; an empty
     * directory by a directory; NOT_EMPTY, IS_DIR, NOT_DIR otherwise), refuses to move a directory
     * under itself (INVALID), and is a no-op when source and target are the same inode.
     */
    Renamed rename(Caller caller, Fid fromDir, String fromName, Fid toDir, String toName);

    // ---- files held open by gateways (Lustre's open tracking on the MDT) ----------------------------

    /**
     * Marks a regular file open by a gateway (its first open there; {@link CreateSpec#openedBy} does it in the
     * create's change). While a file carries a mark, removing its last name (unlink, rename over it, a replace by
     * {@link #putSmallFile}) does not destroy it: the name goes (UNLNK with UNLINK_LAST, as ever) but the inode
     * lives on with no link, under {@link Fid#PENDING}, readable and writable by Fid, its objects kept, until its
     * last mark goes ({@link #unmarkOpen}, {@link #dropOpenMarks}), which destroys it then, its objects queued as an
     * unlink's are. A gateway holds one mark per file however often it opens it; marking again records the newer
     * instance. STALE when the file is gone, INVALID for a file that is not regular; NOT_SUPPORTED from services
     * that cannot (a gateway then keeps such files itself, see {@link io.nacre.engine.io.OpenFiles}).
     */
    default void markOpen(Opener opener, Fid fid) {
        throw new NacreException(io.nacre.engine.Status.NOT_SUPPORTED, "this metadata service keeps no open marks");
    }

    /**
     * Drops {@code gateway}'s mark of {@code fid} (its last close there); nothing when there is none or the file
     * is gone. True when that was the file's last mark and it had no name left: it went with it.
     */
    default boolean unmarkOpen(String gateway, Fid fid) {
        throw new NacreException(io.nacre.engine.Status.NOT_SUPPORTED, "this metadata service keeps no open marks");
    }

    /**
     * Drops {@code gateway}'s marks of {@code fids}, as {@link #unmarkOpen(String, Fid)} of each in turn would, in
     * as few changes as the service can (a gateway sends the unmarks that fell due together). Returns how many of
     * the files went with their mark.
     */
    default long unmarkOpen(String gateway, Collection<Fid> fids) {
        long went = 0;
        for (Fid f : fids) {
            if (unmarkOpen(gateway, f)) {
                went++;
            }
        }
        return went;
    }

    /**
     * Drops every mark of {@code gateway} but those its instance {@code keepInstance} made (0: every one): a
     * restarted gateway, once its clients had their grace to reclaim, drops what its previous instance left;
     * an administrator, the marks of a gateway that is gone for good. Files left without a mark and without a
     * name go, as at {@link #unmarkOpen}. Returns how many marks went.
     */
    default long dropOpenMarks(String gateway, long keepInstance) {
        throw new NacreException(io.nacre.engine.Status.NOT_SUPPORTED, "this metadata service keeps no open marks");
    }

    /**
     * Changes attributes with POSIX's rules (chmod and times by the owner, chown by root, chgrp by the
     * owner to one of their groups, clearing set-id bits as POSIX asks; size needs write). A size change
     * truncates: the objects to punch are queued and returned.
     */
    AttrChange setattr(Caller caller, Fid fid, SetAttr attrs);

    /** Sets an extended attribute; "user." names need write (w); other namespaces are root's. */
    void setXattr(Caller caller, Fid fid, String name, byte[] value, XattrFlag flag);

    /** Removes an extended attribute; NO_XATTR when absent. */
    void removeXattr(Caller caller, Fid fid, String name);

    // ---- layouts and data -------------------------------------------------------------------------

    /** Sets (or with null clears) a directory's default layout for new files; owner or root. */
    void setDefaultLayout(Caller caller, Fid dir, LayoutTemplate template);

    /**
     * Gives a regular file that has no objects yet a layout from a template (lfs setstripe on a new
     * file) and instantiates its first component; EXISTS when the file already has objects.
     */
    Layout setLayout(Caller caller, Fid file, LayoutTemplate template);

    /**
     * Lustre's layout swap, the last step of lfs migrate: gives {@code file} the layout of the donor, the
     * regular file {@code donorName} of directory {@code donorDir} (a directory of {@link Fid#HIDDEN}) whose
     * objects hold a copy of the file's data, in ONE replicated change, and only if nothing changed the
     * file's data or layout since the copy began: its data version must still be {@code dataVersion} and its
     * layout generation {@code generation}, else BUSY (a write, a truncate or another restripe came
     * between: copy again). The donor's inode and name go; the file's old objects are queued for
     * destruction and returned as the result's punches; the file keeps its size and times, its change and
     * data version move (ETags and caches see the new objects), and an HSM archive copy of the same data
     * stays valid. Needs ownership of the file or write on it. INVALID for a file or donor that is not a
     * plain regular file, a released file, or a donor larger than the file; NOT_SUPPORTED when either keeps
     * data on the MDT, and from services that cannot swap.
     */
    default AttrChange swapLayout(Caller caller, Fid file, long dataVersion, long generation, Fid donorDir,
                                  String donorName) {
        throw new io.nacre.engine.NacreException(io.nacre.engine.Status.NOT_SUPPORTED,
                "this metadata service cannot swap layouts");
    }

    /**
     * Makes sure every component of every mirror overlapping [offset, offset + length) has its OST
     * objects (PFL instantiation on first write); returns the resulting layout.
     */
    Layout instantiate(Fid file, long offset, long length);

    /**
     * Records that data was written up to {@code end} at time {@code mtime} (nanoseconds since the
     * epoch, or {@link SetAttr#SERVER_TIME}): size becomes max(size, end), mtime and ctime move, the
     * data version and change increase, and an archived file becomes HSM-dirty. Permission is checked
     * by whoever let the data be written.
     */
    Attr dataWritten(Fid file, long end, long mtime);

    /**
     * Moves the data of regular files {@code sources} into {@code target}, in order and without copying
     * (S3's CompleteMultipartUpload, whose parts are files): target, a regular file without objects,
     * gets the sources' RAID0 components one after the other, each source's shifted to start where the
     * previous source's bytes end and clipped to its size, the last extended to EOF; its size becomes
     * the sum of theirs and its data version moves. Every source is left empty (no layout, size 0), and
     * objects of a source beyond its size are queued for destruction, in the same replicated change.
     * Needs write on target and on every source. NOT_SUPPORTED when the layouts cannot be joined (a
     * source with mirrors, data-on-MDT or released components, uninstantiated components below its
     * size, or a size that is not a multiple of {@link io.nacre.engine.layout.Placement#STRIPE_ALIGN}
     * but for the last): the caller then copies the data instead.
     */
    default Attr concat(Caller caller, Fid target, List<Fid> sources) {
        throw new io.nacre.engine.NacreException(io.nacre.engine.Status.NOT_SUPPORTED,
                "this metadata service cannot join layouts; copy the data");
    }

    /**
     * Creates a small file with its data, its extended attributes and the directories leading to it, and
     * replaces whatever file held the name, all in ONE replicated change (S3's PutObject of a small body):
     * nobody sees the name without its data or metadata, and the replaced file goes as by rename(2) (its
     * objects are queued for destruction, its last name's changelog record says so). The checks are those
     * of create in every directory made and of rename over an existing file (wx on the directory, the
     * sticky bit); a directory on the path that is not one is NOT_DIR; a directory at the name is IS_DIR;
     * {@link SmallFile#expect} failing is EXISTS (ABSENT) or STALE (match). The new file's data version is
     * {@link #SMALL_FILE_DATA_VERSION}. NOT_SUPPORTED from services that cannot: callers then create,
     * write and rename.
     */
    default Results.SmallFilePut putSmallFile(io.nacre.engine.Caller caller, SmallFile file) {
        throw new io.nacre.engine.NacreException(io.nacre.engine.Status.NOT_SUPPORTED,
                "this metadata service cannot write a file in one change");
    }

    /** The data version of a file made by {@link #putSmallFile}. */
    long SMALL_FILE_DATA_VERSION = 1;

    /**
     * Resolves a path as {@link #resolve} does, checks the caller is granted every bit of {@code mask}
     * ({@link Access}) on what it names (ACCESS otherwise), and reads the named extended attributes (as
     * the service itself: whoever passed the check may see a gateway's metadata) and, when the whole
     * file is data-on-MDT and at most {@code maxData} bytes, its content: all in one read (S3's
     * GetObject of a small object).
     */
    default Fetched fetch(io.nacre.engine.Caller caller, Fid dir, String path, int mask, List<String> xattrNames,
                          int maxData) {
        Attr a = resolve(caller, dir, path);
        if (!caller.isRoot() && (access(caller, a.fid(), mask) & mask) != mask) {
            throw new io.nacre.engine.NacreException(io.nacre.engine.Status.ACCESS, "access denied to " + path);
        }
        Map<String, byte[]> x = new java.util.HashMap<>();
        for (String name : xattrNames) {
            getXattr(io.nacre.engine.Caller.ROOT, a.fid(), name).ifPresent(v -> x.put(name, v));
        }
        return new Fetched(a, x, null);
    }

    /** Reads the data-on-MDT bytes of a file at [offset, offset + length), short at the DoM end. */
    byte[] domRead(Fid file, long offset, int length);

    /** Writes data-on-MDT bytes; INVALID beyond the DoM component's end. Size is not changed (see dataWritten). */
    void domWrite(Fid file, long offset, byte[] data);

    // ---- destroy queue ----------------------------------------------------------------------------

    /** Up to {@code max} queued object destroys and punches, oldest first. */
    List<PendingDestroy> pendingDestroys(int max);

    /** Removes performed destroys/punches from the queue. */
    void destroyed(List<Long> ids);

    // ---- scrub (LFSCK's layout view) ----------------------------------------------------------------

    /** The most ids one {@link #referencedObjects} page holds. */
    int REFERENCED_MAX = 65_536;

    /**
     * The objects of OST {@code ost} that something still references, a page at a time, for an orphan scrub:
     * the ids, ascending, above {@code after} and below {@code below}, at most {@code max} (1 to
     * {@link #REFERENCED_MAX}), that the layout of any file (files under {@link Fid#HIDDEN} too: staged restripe
     * and restore copies, files removed while open) or a queued destroy or punch names, with the OST's
     * allocation mark, all from one consistent read of the namespace. Object ids are never reused and are handed
     * out only with the layout that names them, and a layout gives up an object only to another layout or to the
     * destroy queue in the same change: so an id below the mark that one page finds unreferenced stays so, and
     * pages read one after another give a scrub the same answers as one read would. A scan that asks for its
     * pages after the first below the first page's allocation mark (as a scrub does) lets a service answer them
     * all from the first page's pass over the namespace. NOT_SUPPORTED from services that cannot.
     */
    default ReferencedObjects referencedObjects(int ost, long after, long below, int max) {
        throw new io.nacre.engine.NacreException(io.nacre.engine.Status.NOT_SUPPORTED,
                "this metadata service cannot list referenced objects");
    }

    // ---- changelog --------------------------------------------------------------------------------

    /** Records from index {@code from} (inclusive), at most {@code max}. */
    List<ChangelogRecord> changelog(long from, int max);

    /**
     * Registers a changelog consumer (idempotent) and returns the index of the first record it has not
     * cleared. Records are kept until every registered consumer has cleared them.
     */
    long changelogRegister(String consumer);

    /** Tells the MDS a consumer has processed every record up to {@code index} (inclusive). */
    void changelogClear(String consumer, long index);

    /** Removes a consumer; its checkpoint no longer holds records back. */
    void changelogDeregister(String consumer);

    // ---- OSTs -------------------------------------------------------------------------------------

    /** Adds an OST to the file system, or updates its pools and node (same index). */
    void registerOst(OstInfo ost);

    @Override
    void close();
}
