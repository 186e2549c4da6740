package io.nacre.meta;

import io.nacre.engine.Caller;
import io.nacre.engine.Fid;
import io.nacre.engine.NacreException;
import io.nacre.engine.Status;
import io.nacre.engine.layout.Component;
import io.nacre.engine.layout.Extent;
import io.nacre.engine.layout.Layout;
import io.nacre.engine.layout.LayoutTemplate;
import io.nacre.engine.layout.ObjectRef;
import io.nacre.engine.layout.Placement;
import io.nacre.engine.layout.Striping;
import io.nacre.engine.meta.Access;
import io.nacre.engine.meta.ChangelogRecord;
import io.nacre.engine.meta.ChangelogRecord.Type;
import io.nacre.engine.meta.CreateSpec;
import io.nacre.engine.meta.FileType;
import io.nacre.engine.meta.HsmState;
import io.nacre.engine.meta.MetadataService;
import io.nacre.engine.meta.PendingDestroy;
import io.nacre.engine.meta.Results.AttrChange;
import io.nacre.engine.meta.Results.Created;
import io.nacre.engine.meta.Results.DirChange;
import io.nacre.engine.meta.Results.Removed;
import io.nacre.engine.meta.Results.Renamed;
import io.nacre.engine.meta.Results.SmallFilePut;
import io.nacre.engine.meta.SetAttr;
import io.nacre.engine.meta.SmallFile;
import io.nacre.engine.store.OstInfo;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The namespace operations: every check, then every change, of each {@link Op}. The same code serves the
 * leader's validation before proposing (a read transaction: {@link Tx#dryRun()} is true, and each
 * operation returns right after its checks) and the state machine's apply (the write transaction, where
 * the checks run again because concurrent proposals may have raced; there the leader's plan for new
 * objects is checked too). Checks come strictly before the first write, so an operation that fails
 * leaves nothing behind. Nothing here reads a clock or a random source: the time is the entry's.
 */
final class Namespace {

    private Namespace() {
    }

    /** Applies (or, in a read transaction, checks) one operation; returns its result (null for none). */
    static Object apply(Tx tx, long now, Op op) {
        if (!(op instanceof Op.Format) && !(op instanceof Op.Rejected) && !tx.formatted()) {
            throw new NacreException(Status.DELAY, "the file system is not formatted yet");
        }
        return switch (op) {
            case Op.Format f -> format(tx, now, f.fsid());
            case Op.Create c -> create(tx, now, c);
            case Op.Link l -> link(tx, now, l);
            case Op.Remove r -> remove(tx, now, r);
            case Op.Rename r -> rename(tx, now, r);
            case Op.SetAttrs s -> setattr(tx, now, s);
            case Op.SetXattr x -> setXattr(tx, now, x);
            case Op.RemoveXattr x -> removeXattr(tx, now, x);
            case Op.SetDefaultLayout d -> setDefaultLayout(tx, now, d);
            case Op.SetLayout l -> setLayout(tx, now, l);
            case Op.Instantiate i -> instantiate(tx, now, i);
            case Op.DataWritten d -> dataWritten(tx, now, d);
            case Op.Barrier b -> null; // changes nothing; the state machine answers it with its entry's index
            case Op.DomWrite d -> domWrite(tx, d);
            case Op.Destroyed d -> destroyed(tx, d);
            case Op.ChangelogRegister r -> changelogRegister(tx, r.consumer());
            case Op.ChangelogClear c -> changelogClear(tx, c.consumer(), c.index());
            case Op.ChangelogDeregister d -> changelogDeregister(tx, d.consumer());
            case Op.RegisterOst r -> registerOst(tx, r.ost());
            case Op.Hsm h -> Coordinator.apply(tx, now, h.op());
            case Op.Concat c -> concat(tx, now, c);
            case Op.SwapLayout w -> swapLayout(tx, now, w);
            case Op.PutSmall p -> putSmall(tx, now, p);
            case Op.MarkOpen m -> OpenMarks.mark(tx, m);
            case Op.UnmarkOpen u -> OpenMarks.unmark(tx, now, u);
            case Op.UnmarkOpens u -> OpenMarks.unmarkAll(tx, now, u);
            case Op.DropOpenMarks d -> OpenMarks.dropAll(tx, now, d);
            case Op.Rejected r -> throw new NacreException(r.status(), r.message());
        };
    }

    // ---- format -----------------------------------------------------------------------------------

    private static Long format(Tx tx, long now, long fsid) {
        if (tx.formatted()) {
            return tx.fsid();
        }
        if (tx.dryRun()) {
            return fsid;
        }
        for (Fid f : List.of(Fid.ROOT, Fid.HIDDEN)) {
            Inode n = new Inode(f, FileType.DIRECTORY);
            // The hidden directory is like /tmp without read: anyone may stage files there (by Fid, as
            // gateways do for uploads and unlinked-open files), nobody but root may list it, and the
            // sticky bit keeps users from removing each other's.
            n.mode = f.equals(Fid.ROOT) ? 0755 : 01733;
            n.nlink = 2;
            n.atime = n.mtime = n.ctime = n.btime = now;
            n.change = 1;
            n.parent = f;
            n.nextCookie = Inode.FIRST_COOKIE;
            tx.put(n);
            tx.countNewInode();
        }
        tx.put(OpenMarks.newPendingDirectory(now));
        tx.countNewInode();
        tx.putMetaLong("fsid", fsid == 0 ? 1 : fsid);
        tx.putMetaLong("format.time", now);
        tx.changelog(Type.MARK, now, Caller.ROOT, Fid.ROOT, null, "format", null, null, 0);
        return tx.fsid();
    }

    // ---- create and link --------------------------------------------------------------------------

    private static Created create(Tx tx, long now, Op.Create op) {
        Caller c = op.caller();
        CreateSpec spec = op.spec();
        Names.checkName(op.name());
        if (spec.type() == FileType.SYMLINK) {
            Names.checkSymlinkTarget(spec.symlinkTarget());
        }
        Inode dir = changeableDir(tx, op.dir());
        Permissions.require(c, dir, Access.EXECUTE, "lookup of", op.name());
        Tx.Dentry existing = tx.dentry(dir.fid, op.name());
        if (existing != null) {
            return createExisting(tx, dir, existing, op);
        }
        Permissions.require(c, dir, Access.WRITE | Access.EXECUTE, "create", op.name());
        if (spec.type() == FileType.DIRECTORY && dir.nlink >= MetadataService.LINK_MAX) {
            throw new NacreException(Status.TOO_MANY_LINKS, "directory " + dir.fid + " has " + dir.nlink
                    + " links, the most there can be");
        }
        SetAttr init = spec.initial();
        int uid = c.uid();
        int gid = Permissions.newGroup(c, dir);
        if (init.uid() != null && init.uid() != uid) {
            if (!c.isRoot()) {
                throw new NacreException(Status.PERM, "only root may create a file owned by someone else (uid "
                        + init.uid() + ")");
            }
            uid = init.uid();
        }
        if (init.gid() != null && init.gid() != gid) {
            if (!c.isRoot() && !c.inGroup(init.gid())) {
                throw new NacreException(Status.PERM, "uid " + c.uid() + " is not in group " + init.gid());
            }
            gid = init.gid();
        }
        if (init.size() != null && init.size() != 0) {
            throw new NacreException(Status.INVALID, "a new file starts empty: set its size after creating it");
        }
        int mode = Permissions.newMode(c, dir, spec.type(), init.mode() != null ? init.mode() : spec.mode(), gid);
        boolean objects = spec.type() == FileType.REGULAR && !spec.delayLayout();
        if (tx.dryRun()) {
            return null;
        }
        if (objects) {
            checkPlan(tx, op.layout(), op.osts());
        }

        Inode n = new Inode(tx.allocFid(), spec.type());
        n.mode = mode;
        n.uid = uid;
        n.gid = gid;
        n.atime = time(init.atime(), now);
        n.mtime = time(init.mtime(), now);
        n.ctime = now;
        n.btime = now;
        n.change = 1;
        n.parent = dir.fid;
        switch (spec.type()) {
            case DIRECTORY -> {
                n.nlink = 2;
                n.nextCookie = Inode.FIRST_COOKIE;
                // A new directory copies its parent's default; the root's is the file system's, which
                // applies to every directory without one anyway and must stay changeable in one place.
                n.defaultLayout = spec.layout() != null ? spec.layout()
                        : dir.fid.equals(Fid.ROOT) ? null : dir.defaultLayout;
            }
            case SYMLINK -> {
                n.nlink = 1;
                n.target = spec.symlinkTarget();
                n.size = spec.symlinkTarget().getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
            }
            case BLOCK, CHAR -> {
                n.nlink = 1;
                n.rdevMajor = spec.rdevMajor();
                n.rdevMinor = spec.rdevMinor();
            }
            default -> n.nlink = 1;
        }
        if (spec.how() == CreateSpec.How.EXCLUSIVE) {
            n.hasVerifier = true;
            n.verifier = spec.verifier();
        }
        if (objects) {
            n.setLayout(buildLayout(tx, op.layout(), 1, op.osts()));
        }
        tx.put(n);
        tx.countNewInode();
        if (spec.openedBy() != null) {
            OpenMarks.put(tx, n.fid, spec.openedBy());
        }
        long before = dir.change;
        tx.addDentry(dir, op.name(), n);
        if (n.isDir()) {
            dir.nlink++;
        }
        dir.touchDir(now);
        tx.put(dir);
        Type type = switch (spec.type()) {
            case REGULAR -> Type.CREAT;
            case DIRECTORY -> Type.MKDIR;
            case SYMLINK -> Type.SLINK;
            default -> Type.MKNOD;
        };
        tx.changelog(type, now, c, n.fid, dir.fid, op.name(), null, null, 0);
        return new Created(n.attr(), new DirChange(before, dir.change), false);
    }

    /** A create that found the name taken: GUARDED fails; UNCHECKED and a matching EXCLUSIVE return the file. */
    private static Created createExisting(Tx tx, Inode dir, Tx.Dentry existing, Op.Create op) {
        Inode ex = tx.need(existing.fid());
        CreateSpec spec = op.spec();
        String what = "'" + Names.printable(op.name()) + "' exists in " + dir.fid;
        switch (spec.how()) {
            case GUARDED -> throw new NacreException(Status.EXISTS, what);
            case UNCHECKED -> {
                if (ex.isDir()) {
                    throw new NacreException(Status.IS_DIR, what + " and is a directory");
                }
                if (!ex.isRegular()) {
                    throw new NacreException(Status.EXISTS, what + " and is not a regular file");
                }
            }
            case EXCLUSIVE -> {
                if (!ex.isRegular() || !ex.hasVerifier || ex.verifier != spec.verifier()) {
                    throw new NacreException(Status.EXISTS, what + " (not created with this verifier)");
                }
            }
        }
        if (spec.openedBy() != null && !tx.dryRun()) {
            OpenMarks.put(tx, ex.fid, spec.openedBy());
        }
        return new Created(ex.attr(), new DirChange(dir.change, dir.change), true);
    }

    /**
     * A directory whose entries an operation is to change: not {@link Fid#PENDING}, whose entries come and go
     * only with the open marks of the files they name (PERM, for root too).
     */
    private static Inode changeableDir(Tx tx, Fid fid) {
        Inode dir = tx.needDir(fid);
        if (fid.equals(Fid.PENDING)) {
            throw new NacreException(Status.PERM, Fid.PENDING + " holds removed files that gateways have open: "
                    + "only their last close changes it");
        }
        return dir;
    }

    private static long time(Long requested, long now) {
        return requested == null || requested == SetAttr.SERVER_TIME ? now : requested;
    }

    private static Created link(Tx tx, long now, Op.Link op) {
        Caller c = op.caller();
        Names.checkName(op.name());
        Inode dir = changeableDir(tx, op.dir());
        Inode n = tx.need(op.fid());
        if (n.isDir()) {
            throw new NacreException(Status.PERM, "hard links to directories are not allowed (" + n.fid + ")");
        }
        if (n.nlink == 0) {
            // removed while open (in PENDING): as link(2) of an unlinked file, ENOENT
            throw new NacreException(Status.NOT_FOUND, n.fid + " was removed: it has no name to link to");
        }
        Permissions.require(c, dir, Access.EXECUTE, "lookup of", op.name());
        if (tx.dentry(dir.fid, op.name()) != null) {
            throw new NacreException(Status.EXISTS, "'" + Names.printable(op.name()) + "' exists in " + dir.fid);
        }
        Permissions.require(c, dir, Access.WRITE | Access.EXECUTE, "link", op.name());
        if (n.nlink >= MetadataService.LINK_MAX) {
            throw new NacreException(Status.TOO_MANY_LINKS, n.fid + " has " + n.nlink + " links, the most there can be");
        }
        if (tx.dryRun()) {
            return null;
        }
        n.nlink++;
        n.touchCtime(now);
        tx.put(n);
        long before = dir.change;
        tx.addDentry(dir, op.name(), n);
        dir.touchDir(now);
        tx.put(dir);
        tx.changelog(Type.HLINK, now, c, n.fid, dir.fid, op.name(), null, null, 0);
        return new Created(n.attr(), new DirChange(before, dir.change), false);
    }

    // ---- a small file in one change ----------------------------------------------------------------

    /**
     * A small file written whole (MetadataService.putSmallFile): every check first (the parents' path,
     * create permission where directories are to be made, the name's condition, a rename's checks over
     * the file it replaces), then the changes, reusing remove's and create's: the replaced file's last
     * link goes with its objects queued (UNLNK record), missing directories are made (MKDIR) with their
     * xattrs, the file is created (CREAT) with its data-on-MDT layout, bytes, size and xattrs.
     */
    private static SmallFilePut putSmall(Tx tx, long now, Op.PutSmall op) {
        Caller c = op.caller();
        SmallFile f = op.file();
        Names.checkName(f.name());
        f.parents().forEach(Names::checkName);
        for (Map<String, byte[]> xs : List.of(f.xattrs(), f.dirXattrs())) {
            xs.forEach((k, v) -> {
                Names.checkXattrName(k);
                Names.checkXattrValue(v);
            });
        }
        Inode dir = changeableDir(tx, f.dir());
        int missing = f.parents().size(); // index of the first parent to create
        for (int i = 0; i < f.parents().size(); i++) {
            String seg = f.parents().get(i);
            Permissions.require(c, dir, Access.EXECUTE, "lookup of", seg);
            Tx.Dentry d = tx.dentry(dir.fid, seg);
            if (d == null) {
                Permissions.require(c, dir, Access.WRITE | Access.EXECUTE, "create", seg);
                if (dir.nlink >= MetadataService.LINK_MAX) {
                    throw new NacreException(Status.TOO_MANY_LINKS, "directory " + dir.fid + " has " + dir.nlink
                            + " links, the most there can be");
                }
                missing = i;
                break;
            }
            Inode next = tx.need(d.fid());
            if (!next.isDir()) {
                throw new NacreException(Status.NOT_DIR, "'" + Names.printable(seg) + "' in " + dir.fid
                        + " is not a directory");
            }
            dir = next;
        }
        Tx.Dentry existing = null;
        Inode old = null;
        if (missing == f.parents().size()) {
            Permissions.require(c, dir, Access.EXECUTE, "lookup of", f.name());
            existing = tx.dentry(dir.fid, f.name());
            Permissions.require(c, dir, Access.WRITE | Access.EXECUTE, "create", f.name());
            if (existing != null) {
                old = tx.need(existing.fid());
                if (old.isDir()) {
                    throw new NacreException(Status.IS_DIR, "'" + Names.printable(f.name()) + "' in " + dir.fid
                            + " is a directory");
                }
                Permissions.requireSticky(c, dir, old, f.name());
            }
        }
        SmallFile.Expect expect = f.expect();
        if (expect.absent() && old != null) {
            throw new NacreException(Status.EXISTS, "'" + Names.printable(f.name()) + "' exists in " + dir.fid);
        }
        if (expect.fid() != null && (old == null || !old.fid.equals(expect.fid())
                || old.dataVersion != expect.dataVersion())) {
            throw new NacreException(Status.STALE, "'" + Names.printable(f.name()) + "' no longer holds "
                    + expect.fid() + " at data version " + expect.dataVersion());
        }
        if (tx.dryRun()) {
            return null;
        }
        LayoutTemplate layout = op.layout();
        if (layout == null || !layout.entries().get(0).dataOnMdt()
                || layout.entries().get(0).end() != f.domSize()) {
            throw new NacreException(Status.INVALID, "a small file's layout must be decided by the leader, data-on-MDT first");
        }
        List<PendingDestroy> destroys = List.of();
        if (old != null) {
            tx.removeDentry(dir, f.name(), existing);
            destroys = dropLink(tx, now, dir, old);
            dir.touchDir(now);
            tx.put(dir);
            tx.changelog(Type.UNLNK, now, c, old.fid, dir.fid, f.name(), null, null,
                    old.nlink == 0 ? ChangelogRecord.UNLINK_LAST | Coordinator.unlinkFlags(old) : 0);
        }
        Fid parent = dir.fid;
        for (int i = missing; i < f.parents().size(); i++) {
            String seg = f.parents().get(i);
            Fid made = create(tx, now, new Op.Create(c, parent, seg, CreateSpec.directory(0755), null, null)).attr().fid();
            f.dirXattrs().forEach((k, v) -> tx.putXattr(made, k, v));
            parent = made;
        }
        CreateSpec spec = CreateSpec.builder(FileType.REGULAR).mode(f.mode()).build();
        Fid fid = create(tx, now, new Op.Create(c, parent, f.name(), spec, layout, List.of())).attr().fid();
        Inode n = tx.need(fid);
        n.size = f.data().length;
        n.dataVersion = MetadataService.SMALL_FILE_DATA_VERSION;
        if (f.data().length > 0) {
            tx.putDom(fid, f.data());
        }
        f.xattrs().forEach((k, v) -> tx.putXattr(fid, k, v));
        tx.put(n);
        return new SmallFilePut(n.attr(), old == null ? null : old.attr(), destroys);
    }

    // ---- remove and rename --------------------------------------------------------------------------

    private static Removed remove(Tx tx, long now, Op.Remove op) {
        Caller c = op.caller();
        Names.checkName(op.name());
        Inode dir = changeableDir(tx, op.dir());
        Permissions.require(c, dir, Access.EXECUTE, "lookup of", op.name());
        Tx.Dentry e = tx.dentry(dir.fid, op.name());
        if (e == null) {
            throw new NacreException(Status.NOT_FOUND, "no '" + Names.printable(op.name()) + "' in " + dir.fid);
        }
        Permissions.require(c, dir, Access.WRITE | Access.EXECUTE, "remove", op.name());
        Inode n = tx.need(e.fid());
        switch (op.kind()) {
            case FILE -> {
                if (n.isDir()) {
                    throw new NacreException(Status.IS_DIR, "'" + Names.printable(op.name()) + "' is a directory");
                }
            }
            case DIRECTORY -> {
                if (!n.isDir()) {
                    throw new NacreException(Status.NOT_DIR, "'" + Names.printable(op.name()) + "' is not a directory");
                }
            }
            case ANY -> {
            }
        }
        if (n.isDir() && tx.hasEntries(n.fid)) {
            throw new NacreException(Status.NOT_EMPTY, "directory '" + Names.printable(op.name()) + "' is not empty");
        }
        Permissions.requireSticky(c, dir, n, op.name());
        if (tx.dryRun()) {
            return null;
        }
        long before = dir.change;
        tx.removeDentry(dir, op.name(), e);
        List<PendingDestroy> destroys = dropLink(tx, now, dir, n);
        dir.touchDir(now);
        tx.put(dir);
        tx.changelog(n.isDir() ? Type.RMDIR : Type.UNLNK, now, c, n.fid, dir.fid, op.name(), null, null,
                n.nlink == 0 ? ChangelogRecord.UNLINK_LAST | Coordinator.unlinkFlags(n) : 0);
        return new Removed(n.attr(), new DirChange(before, dir.change), destroys);
    }

    /**
     * Drops one link of {@code n} whose entry in {@code dir} was just removed: a directory goes (its
     * parent loses the ".." link), a file loses a link and, with the last one, goes with its objects
     * queued for destruction, unless a gateway holds it open: then it goes to {@link Fid#PENDING} until its
     * last open mark goes ({@link OpenMarks}). The caller puts dir.
     */
    private static List<PendingDestroy> dropLink(Tx tx, long now, Inode dir, Inode n) {
        if (n.isDir()) {
            dir.nlink--;
            n.nlink = 0;
            tx.deleteInode(n);
            return List.of();
        }
        n.nlink--;
        n.touchCtime(now);
        if (n.nlink > 0) {
            tx.put(n);
            return List.of();
        }
        if (n.isRegular() && OpenMarks.marked(tx, n.fid)) {
            OpenMarks.keep(tx, now, n);
            return List.of();
        }
        return destroyFile(tx, now, n);
    }

    /** A file without links goes: its objects are queued for destruction, HSM is told, the inode is deleted. */
    static List<PendingDestroy> destroyFile(Tx tx, long now, Inode n) {
        List<PendingDestroy> destroys = new ArrayList<>();
        for (ObjectRef o : n.layout().objects()) {
            destroys.add(tx.queueDestroy(n.fid, o, PendingDestroy.DESTROY));
        }
        if (n.isRegular()) {
            Coordinator.unlinked(tx, now, n);
        }
        tx.deleteInode(n);
        return destroys;
    }

    private static Renamed rename(Tx tx, long now, Op.Rename op) {
        Caller c = op.caller();
        Names.checkName(op.fromName());
        Names.checkName(op.toName());
        boolean sameDir = op.fromDir().equals(op.toDir());
        Inode fd = changeableDir(tx, op.fromDir());
        Inode td = sameDir ? fd : changeableDir(tx, op.toDir());
        Permissions.require(c, fd, Access.EXECUTE, "lookup of", op.fromName());
        Permissions.require(c, td, Access.EXECUTE, "lookup of", op.toName());
        Tx.Dentry se = tx.dentry(fd.fid, op.fromName());
        if (se == null) {
            throw new NacreException(Status.NOT_FOUND, "no '" + Names.printable(op.fromName()) + "' in " + fd.fid);
        }
        Permissions.require(c, fd, Access.WRITE | Access.EXECUTE, "rename from", null);
        Permissions.require(c, td, Access.WRITE | Access.EXECUTE, "rename into", null);
        Inode src = tx.need(se.fid());
        Tx.Dentry de = tx.dentry(td.fid, op.toName());
        if (de != null && de.fid().equals(se.fid())) {
            // POSIX: two names of the same inode; rename does nothing and succeeds.
            return new Renamed(src.attr(), new DirChange(fd.change, fd.change), new DirChange(td.change, td.change),
                    null, List.of());
        }
        Permissions.requireSticky(c, fd, src, op.fromName());
        Inode dst = de == null ? null : tx.need(de.fid());
        if (src.isDir()) {
            if (!sameDir) {
                checkNotUnder(tx, src.fid, td.fid);
                // The directory's ".." changes: that needs write permission on the directory itself.
                Permissions.require(c, src, Access.WRITE, "move a directory to another parent", null);
            }
            if (dst != null && !dst.isDir()) {
                throw new NacreException(Status.NOT_DIR, "cannot replace non-directory '" + Names.printable(op.toName())
                        + "' with a directory");
            }
            if (dst != null && tx.hasEntries(dst.fid)) {
                throw new NacreException(Status.NOT_EMPTY, "cannot replace directory '" + Names.printable(op.toName())
                        + "': not empty");
            }
            if (dst == null && !sameDir && td.nlink >= MetadataService.LINK_MAX) {
                throw new NacreException(Status.TOO_MANY_LINKS, "directory " + td.fid + " has too many links");
            }
        } else if (dst != null && dst.isDir()) {
            throw new NacreException(Status.IS_DIR, "cannot replace directory '" + Names.printable(op.toName())
                    + "' with a non-directory");
        }
        if (dst != null) {
            Permissions.requireSticky(c, td, dst, op.toName());
        }
        if (tx.dryRun()) {
            return null;
        }
        long fromBefore = fd.change;
        long toBefore = td.change;
        List<PendingDestroy> destroys = List.of();
        Inode replaced = null;
        if (dst != null) {
            tx.removeDentry(td, op.toName(), de);
            destroys = dropLink(tx, now, td, dst);
            replaced = dst;
        }
        tx.removeDentry(fd, op.fromName(), se);
        tx.addDentry(td, op.toName(), src);
        if (src.isDir() && !sameDir) {
            fd.nlink--;
            td.nlink++;
        }
        src.parent = td.fid;
        src.touchCtime(now);
        tx.put(src);
        fd.touchDir(now);
        tx.put(fd);
        if (!sameDir) {
            td.touchDir(now);
            tx.put(td);
        }
        tx.changelog(Type.RENME, now, c, src.fid, td.fid, op.toName(), fd.fid, op.fromName(),
                replaced != null && replaced.nlink == 0 ? ChangelogRecord.UNLINK_LAST | Coordinator.unlinkFlags(replaced) : 0);
        return new Renamed(src.attr(), new DirChange(fromBefore, fd.change), new DirChange(toBefore, td.change),
                replaced == null ? null : replaced.attr(), destroys);
    }

    /** INVALID when {@code dir} is {@code moving} or below it: a directory cannot move under itself. */
    private static void checkNotUnder(Tx tx, Fid moving, Fid dir) {
        Fid cur = dir;
        for (int depth = 0; depth < 65536; depth++) {
            if (cur.equals(moving)) {
                throw new NacreException(Status.INVALID, "cannot move directory " + moving + " under itself");
            }
            Inode n = tx.need(cur);
            if (n.parent == null || n.parent.equals(cur)) {
                return;
            }
            cur = n.parent;
        }
        throw new NacreException(Status.CORRUPT, "directory " + dir + " has a parent chain without end");
    }

    // ---- attributes -------------------------------------------------------------------------------

    private static AttrChange setattr(Tx tx, long now, Op.SetAttrs op) {
        Caller c = op.caller();
        SetAttr a = op.attrs();
        Inode n = tx.need(op.fid());
        if (a.guardCtime() != null && a.guardCtime() != n.ctime) {
            throw new NacreException(Status.INVALID, "ctime guard failed: " + n.fid + " changed (ctime " + n.ctime
                    + ", guard " + a.guardCtime() + ")");
        }
        if (a.isEmpty()) {
            return new AttrChange(n.attr(), List.of());
        }
        if (a.mode() != null) {
            Permissions.requireOwner(c, n, "chmod");
        }
        if (a.uid() != null) {
            Permissions.checkChown(c, n, a.uid());
        }
        if (a.gid() != null) {
            Permissions.checkChgrp(c, n, a.gid());
        }
        if (a.size() != null) {
            if (n.isDir()) {
                throw new NacreException(Status.IS_DIR, "cannot set the size of directory " + n.fid);
            }
            if (!n.isRegular()) {
                throw new NacreException(Status.INVALID, "cannot set the size of a " + n.type + " (" + n.fid + ")");
            }
            // The owner may truncate what it may not write (NFS servers' owner override: a file created
            // read-only can still be filled by the process that created it).
            if (!c.isRoot() && c.uid() != n.uid) {
                Permissions.require(c, n, Access.WRITE, "truncate", null);
            }
            if (a.size() != n.size) {
                Coordinator.checkNotReleased(n, "cannot change the size of");
            }
        }
        if (a.atime() != null || a.mtime() != null) {
            boolean explicit = (a.atime() != null && a.atime() != SetAttr.SERVER_TIME)
                    || (a.mtime() != null && a.mtime() != SetAttr.SERVER_TIME);
            Permissions.checkTimes(c, n, explicit);
        }
        if (tx.dryRun()) {
            return null;
        }
        int mode = n.mode;
        if (a.uid() != null || a.gid() != null) {
            mode = Permissions.killSetId(n.type, mode);
        }
        List<PendingDestroy> punches = List.of();
        if (a.size() != null) {
            if (!c.isRoot()) {
                mode = Permissions.killSetId(n.type, mode);
            }
            long size = a.size();
            if (size < n.size) {
                punches = truncateData(tx, n, size);
            }
            if (size != n.size) {
                n.dataVersion++;
                if ((n.hsmFlags & HsmState.ARCHIVED) != 0) {
                    n.hsmFlags |= HsmState.DIRTY;
                }
            }
            n.size = size;
            n.mtime = now;
        }
        if (a.uid() != null) {
            n.uid = a.uid();
        }
        if (a.gid() != null) {
            n.gid = a.gid();
        }
        if (a.mode() != null) {
            mode = Permissions.chmodMode(c, n.type, n.gid, a.mode());
        }
        n.mode = mode;
        if (a.atime() != null) {
            n.atime = time(a.atime(), now);
        }
        if (a.mtime() != null) {
            n.mtime = time(a.mtime(), now);
        }
        n.touchCtime(now);
        tx.put(n);
        tx.changelog(a.size() != null ? Type.TRUNC : Type.SATTR, now, c, n.fid, null, null, null, null, 0);
        return new AttrChange(n.attr(), punches);
    }

    /**
     * Queues a punch of every object of the file down to what it holds of the first {@code size} bytes, and
     * cuts the data-on-MDT bytes. Every instantiated object is punched, not only those the recorded size
     * reaches, because a writer may have written past it before reporting.
     */
    private static List<PendingDestroy> truncateData(Tx tx, Inode n, long size) {
        List<PendingDestroy> punches = new ArrayList<>();
        for (Component comp : n.layout().components()) {
            Placement.Raid0 r = comp.raid0();
            if (r == null || !r.instantiated()) {
                continue;
            }
            for (int i = 0; i < r.stripeCount(); i++) {
                long keep = Striping.objectSize(comp.start(), comp.end(), r.stripeSize(), r.stripeCount(), i, size);
                punches.add(tx.queueDestroy(n.fid, r.objects().get(i), keep));
            }
        }
        byte[] dom = tx.dom(n.fid);
        if (dom != null && dom.length > size) {
            tx.putDom(n.fid, Arrays.copyOf(dom, (int) size));
        }
        return punches;
    }

    private static Void setXattr(Tx tx, long now, Op.SetXattr op) {
        Inode n = tx.need(op.fid());
        Names.XattrNamespace ns = Names.checkXattrName(op.name());
        Names.checkXattrValue(op.value());
        checkXattrWrite(op.caller(), n, ns);
        boolean exists = tx.xattr(n.fid, op.name()) != null;
        switch (op.flag()) {
            case CREATE -> {
                if (exists) {
                    throw new NacreException(Status.EXISTS, "extended attribute " + op.name() + " exists on " + n.fid);
                }
            }
            case REPLACE -> {
                if (!exists) {
                    throw new NacreException(Status.NO_XATTR, "no extended attribute " + op.name() + " on " + n.fid);
                }
            }
            case EITHER -> {
            }
        }
        if (tx.dryRun()) {
            return null;
        }
        tx.putXattr(n.fid, op.name(), op.value());
        n.touchCtime(now);
        tx.put(n);
        tx.changelog(Type.XATTR, now, op.caller(), n.fid, null, op.name(), null, null, 0);
        return null;
    }

    private static Void removeXattr(Tx tx, long now, Op.RemoveXattr op) {
        Inode n = tx.need(op.fid());
        Names.XattrNamespace ns = Names.checkXattrName(op.name());
        checkXattrWrite(op.caller(), n, ns);
        if (tx.xattr(n.fid, op.name()) == null) {
            throw new NacreException(Status.NO_XATTR, "no extended attribute " + op.name() + " on " + n.fid);
        }
        if (tx.dryRun()) {
            return null;
        }
        tx.deleteXattr(n.fid, op.name());
        n.touchCtime(now);
        tx.put(n);
        tx.changelog(Type.XATTR, now, op.caller(), n.fid, null, op.name(), null, null, 0);
        return null;
    }

    /** "user." attributes need write permission and a regular file or directory; the others are root's. */
    private static void checkXattrWrite(Caller c, Inode n, Names.XattrNamespace ns) {
        if (ns != Names.XattrNamespace.USER) {
            if (!c.isRoot()) {
                throw new NacreException(Status.PERM, ns.name().toLowerCase(java.util.Locale.ROOT)
                        + ". extended attributes are root's");
            }
            return;
        }
        if (!n.isRegular() && !n.isDir()) {
            throw new NacreException(Status.PERM, "user. extended attributes are only for regular files and directories");
        }
        Permissions.require(c, n, Access.WRITE, "set extended attribute", null);
    }

    // ---- layouts and data ---------------------------------------------------------------------------

    private static Void setDefaultLayout(Tx tx, long now, Op.SetDefaultLayout op) {
        Inode dir = tx.needDir(op.dir());
        Permissions.requireOwner(op.caller(), dir, "set the default layout");
        if (op.template() != null) {
            List<OstInfo> osts = tx.osts();
            if (!osts.isEmpty()) {
                LayoutTemplate onRoot = dir.fid.equals(Fid.ROOT) ? null : rootTemplate(tx);
                LayoutPolicy.concrete(LayoutPolicy.effective(op.template(), null, onRoot), osts);
            }
        }
        if (tx.dryRun()) {
            return null;
        }
        dir.defaultLayout = op.template();
        dir.touchCtime(now);
        tx.put(dir);
        tx.changelog(Type.LYOUT, now, op.caller(), dir.fid, null, null, null, null, 0);
        return null;
    }

    static LayoutTemplate rootTemplate(Tx tx) {
        Inode root = tx.inode(Fid.ROOT);
        return root == null ? null : root.defaultLayout;
    }

    private static Layout setLayout(Tx tx, long now, Op.SetLayout op) {
        Inode n = tx.need(op.file());
        if (n.isDir()) {
            throw new NacreException(Status.IS_DIR, n.fid + " is a directory: set its default layout instead");
        }
        if (!n.isRegular()) {
            throw new NacreException(Status.INVALID, "only regular files have layouts (" + n.fid + " is a " + n.type + ")");
        }
        if (!n.layout().objects().isEmpty() || tx.dom(n.fid) != null || n.layout().isReleased()) {
            throw new NacreException(Status.EXISTS, n.fid + " already has objects; its layout cannot be set");
        }
        if (!op.caller().isRoot() && op.caller().uid() != n.uid) {
            Permissions.require(op.caller(), n, Access.WRITE, "set the layout", null);
        }
        if (tx.dryRun()) {
            return null;
        }
        checkPlan(tx, op.concrete(), op.osts());
        n.setLayout(buildLayout(tx, op.concrete(), n.layout().generation() + 1, op.osts()));
        n.touchCtime(now);
        tx.put(n);
        tx.changelog(Type.LYOUT, now, op.caller(), n.fid, null, null, null, null, 0);
        return n.layout();
    }

    private static Layout instantiate(Tx tx, long now, Op.Instantiate op) {
        Inode n = tx.need(op.file());
        if (!n.isRegular()) {
            throw new NacreException(Status.INVALID, "only regular files have layouts (" + n.fid + " is a " + n.type + ")");
        }
        if (op.offset() < 0 || op.length() < 0) {
            throw new NacreException(Status.INVALID, "bad range: offset " + op.offset() + ", length " + op.length());
        }
        List<Integer> todo = LayoutPolicy.toInstantiate(n.layout(), op.offset(), op.length());
        if (todo.isEmpty()) {
            return n.layout();
        }
        if (tx.dryRun()) {
            return null;
        }
        for (int i : todo) {
            List<Integer> osts = op.osts().get(i);
            if (osts == null) {
                throw new NacreException(Status.BUSY, "the layout of " + n.fid + " changed while instantiating; retry");
            }
            checkOsts(tx, n.layout().components().get(i).raid0().stripeCount(), osts);
        }
        List<Component> comps = new ArrayList<>(n.layout().components());
        for (int i : todo) {
            Component comp = comps.get(i);
            comps.set(i, comp.withPlacement(comp.raid0().withObjects(allocObjects(tx, op.osts().get(i)))));
        }
        n.setLayout(n.layout().withComponents(comps));
        n.change++;
        tx.put(n);
        tx.changelog(Type.LYOUT, now, null, n.fid, null, null, null, null, 0);
        return n.layout();
    }

    /** Checks the leader's plan for a new layout: a concrete template and the OSTs of its first RAID0 component. */
    private static void checkPlan(Tx tx, LayoutTemplate concrete, List<Integer> osts) {
        if (concrete == null) {
            throw new NacreException(Status.INVALID, "a layout must be decided by the leader before proposing");
        }
        LayoutTemplate.Entry first = concrete.entries().get(0);
        if (!first.dataOnMdt()) {
            checkOsts(tx, first.stripeCount(), osts);
        }
    }

    private static void checkOsts(Tx tx, int stripeCount, List<Integer> osts) {
        if (osts == null || osts.size() != stripeCount) {
            throw new NacreException(Status.INVALID, "the OST choice must name " + stripeCount + " OSTs: " + osts);
        }
        for (int i = 1; i < osts.size(); i++) {
            if (osts.subList(0, i).contains(osts.get(i))) {
                throw new NacreException(Status.INVALID, "the OST choice names an OST twice: " + osts);
            }
        }
        for (int ost : osts) {
            if (tx.ost(ost) == null) {
                throw new NacreException(Status.INVALID, "OST index " + ost + " is not registered");
            }
        }
    }

    private static Layout buildLayout(Tx tx, LayoutTemplate concrete, long generation, List<Integer> osts) {
        Map<Integer, List<ObjectRef>> objects = new HashMap<>();
        if (!concrete.entries().get(0).dataOnMdt()) {
            objects.put(0, allocObjects(tx, osts));
        }
        return LayoutPolicy.build(concrete, generation, objects);
    }

    private static List<ObjectRef> allocObjects(Tx tx, List<Integer> osts) {
        List<ObjectRef> out = new ArrayList<>(osts.size());
        for (int ost : osts) {
            out.add(tx.allocObject(ost));
        }
        return out;
    }

    /**
     * Joins the sources' layouts into the empty target (S3 multipart completion without copying):
     * each source's instantiated RAID0 components below its size, shifted to follow the previous
     * source's data, the last extended to EOF. Sources are left empty; their objects beyond their
     * size are queued for destruction. NOT_SUPPORTED when the layouts cannot be joined.
     */
    private static io.nacre.engine.meta.Attr concat(Tx tx, long now, Op.Concat op) {
        Inode t = tx.need(op.target());
        if (!t.isRegular()) {
            throw new NacreException(Status.INVALID, "only regular files have data (" + t.fid + " is a " + t.type + ")");
        }
        if (!t.layout().isEmpty() || t.size != 0 || tx.dom(t.fid) != null) {
            throw new NacreException(Status.INVALID, t.fid + " must be empty and without objects to receive a concat");
        }
        requireWrite(op.caller(), t);
        List<Inode> sources = new ArrayList<>(op.sources().size());
        Set<Fid> seen = new HashSet<>();
        seen.add(t.fid);
        int lastWithData = -1;
        for (int i = 0; i < op.sources().size(); i++) {
            Fid f = op.sources().get(i);
            if (!seen.add(f)) {
                throw new NacreException(Status.INVALID, "concat names " + f + " twice");
            }
            Inode s = tx.need(f);
            if (!s.isRegular()) {
                throw new NacreException(Status.INVALID, "only regular files have data (" + s.fid + " is a " + s.type + ")");
            }
            requireWrite(op.caller(), s);
            sources.add(s);
            if (s.size > 0) {
                lastWithData = i;
            }
        }
        List<Component> joined = new ArrayList<>();
        long offset = 0;
        for (int i = 0; i <= lastWithData; i++) {
            Inode s = sources.get(i);
            if (s.size == 0) {
                continue;
            }
            if (i < lastWithData && s.size % Placement.STRIPE_ALIGN != 0) {
                throw new NacreException(Status.NOT_SUPPORTED, s.fid + " is " + s.size + " bytes, not a multiple of "
                        + Placement.STRIPE_ALIGN + ": its layout cannot be followed by another's");
            }
            if (s.layout().mirrors().size() != 1 || tx.dom(s.fid) != null) {
                throw new NacreException(Status.NOT_SUPPORTED, s.fid + " is mirrored or keeps data on the MDT");
            }
            for (Component c : s.layout().components()) {
                if (c.start() >= s.size) {
                    continue;
                }
                Placement.Raid0 r = c.raid0();
                if (r == null || !r.instantiated() || c.stale()) {
                    throw new NacreException(Status.NOT_SUPPORTED, s.fid + " has data outside instantiated RAID0 objects");
                }
                long end = Math.min(c.end(), s.size);
                joined.add(Component.of(new Extent(offset + c.start(), offset + end), r));
            }
            offset += s.size;
        }
        if (tx.dryRun()) {
            return null;
        }
        if (!joined.isEmpty()) {
            Component last = joined.get(joined.size() - 1);
            joined.set(joined.size() - 1, Component.of(new Extent(last.start(), Extent.EOF), last.placement()));
        }
        t.setLayout(new Layout(t.layout().generation() + 1, joined));
        t.size = offset;
        t.mtime = now;
        t.ctime = now;
        t.change++;
        t.dataVersion++;
        tx.put(t);
        tx.changelog(Type.LYOUT, now, op.caller(), t.fid, null, null, null, null, 0);
        for (Inode s : sources) {
            if (s.size == 0 && s.layout().isEmpty()) {
                continue;
            }
            for (Component c : s.layout().components()) {
                Placement.Raid0 r = c.raid0();
                if (c.start() >= s.size && r != null && r.instantiated()) {
                    for (ObjectRef o : r.objects()) {
                        tx.queueDestroy(s.fid, o, PendingDestroy.DESTROY);
                    }
                }
            }
            if (s.size == 0) {
                continue; // its objects hold no data and stay with it, destroyed when it goes
            }
            s.setLayout(new Layout(s.layout().generation() + 1, List.of()));
            s.size = 0;
            s.ctime = now;
            s.change++;
            s.dataVersion++;
            tx.put(s);
            tx.changelog(Type.LYOUT, now, op.caller(), s.fid, null, null, null, null, 0);
        }
        return t.attr();
    }

    /**
     * lfs migrate's swap: the staged donor's layout becomes the file's, if the file's data version and layout
     * generation are still those the copy began at; the old objects are queued for destruction and the donor
     * goes. The bytes are the same, so the data version stays: an HSM archive copy stays valid and an S3 ETag
     * (MD5, or md5-of-parts for a multipart upload) kept for that version stays the object's. The change
     * attribute and ctime move (the layout is metadata); the layout generation fences concurrent restripes.
     */
    private static AttrChange swapLayout(Tx tx, long now, Op.SwapLayout op) {
        Inode n = tx.need(op.file());
        if (!n.isRegular()) {
            throw new NacreException(Status.INVALID, "only regular files have layouts (" + n.fid + " is a " + n.type + ")");
        }
        if (!op.caller().isRoot() && op.caller().uid() != n.uid) {
            Permissions.require(op.caller(), n, Access.WRITE, "restripe", null);
        }
        if ((n.hsmFlags & HsmState.RELEASED) != 0 || n.layout().isReleased()) {
            throw new NacreException(Status.INVALID, n.fid + " is released: restore it before restriping");
        }
        Inode dir = tx.needDir(op.donorDir());
        if (!dir.fid.equals(Fid.HIDDEN) && !Fid.HIDDEN.equals(dir.parent)) {
            throw new NacreException(Status.INVALID, "a layout donor lives in a directory of " + Fid.HIDDEN + ", not "
                    + dir.fid);
        }
        Tx.Dentry d = tx.dentry(dir.fid, op.donorName());
        if (d == null) {
            throw new NacreException(Status.BUSY, "the staged copy '" + Names.printable(op.donorName())
                    + "' is gone (another restripe of " + n.fid + " removed it?)");
        }
        Inode s = tx.need(d.fid());
        if (!s.isRegular() || s.nlink != 1 || s.fid.equals(n.fid) || s.layout().isReleased()) {
            throw new NacreException(Status.INVALID, "staged " + s.fid + " is not a plain regular file");
        }
        if (tx.dom(n.fid) != null || tx.dom(s.fid) != null || hasDataOnMdt(n.layout()) || hasDataOnMdt(s.layout())) {
            throw new NacreException(Status.NOT_SUPPORTED, "data-on-MDT layouts cannot be swapped (" + n.fid + ")");
        }
        if (s.size > n.size) {
            throw new NacreException(Status.INVALID, "staged " + s.fid + " holds " + s.size + " bytes, more than the "
                    + n.size + " of " + n.fid);
        }
        if (n.dataVersion != op.dataVersion() || n.layout().generation() != op.generation()) {
            throw new NacreException(Status.BUSY, n.fid + " changed during the copy (data version " + n.dataVersion
                    + ", layout generation " + n.layout().generation() + "; the copy began at " + op.dataVersion() + ", "
                    + op.generation() + ")");
        }
        if (tx.dryRun()) {
            return null;
        }
        List<PendingDestroy> destroys = new ArrayList<>();
        for (ObjectRef o : n.layout().objects()) {
            destroys.add(tx.queueDestroy(n.fid, o, PendingDestroy.DESTROY));
        }
        n.setLayout(new Layout(Math.max(n.layout().generation(), s.layout().generation()) + 1, s.layout().components()));
        n.ctime = Math.max(n.ctime, now);
        n.change++;
        tx.put(n);
        tx.removeDentry(dir, op.donorName(), d);
        dir.touchDir(now);
        tx.put(dir);
        tx.deleteInode(s);
        tx.changelog(Type.LYOUT, now, op.caller(), n.fid, null, null, null, null, 0);
        return new AttrChange(n.attr(), destroys);
    }

    private static boolean hasDataOnMdt(Layout layout) {
        return layout.components().stream().anyMatch(Component::isDataOnMdt);
    }

    private static void requireWrite(Caller caller, Inode n) {
        if (!caller.isRoot()) {
            Permissions.require(caller, n, Access.WRITE, "concat", null);
        }
    }

    private static io.nacre.engine.meta.Attr dataWritten(Tx tx, long now, Op.DataWritten op) {
        Inode n = tx.need(op.file());
        if (!n.isRegular()) {
            throw new NacreException(Status.INVALID, "only regular files have data (" + n.fid + " is a " + n.type + ")");
        }
        if (op.end() < 0) {
            throw new NacreException(Status.INVALID, "bad end of data: " + op.end());
        }
        Coordinator.checkNotReleased(n, "cannot write to");
        if (tx.dryRun()) {
            return null;
        }
        n.size = Math.max(n.size, op.end());
        n.mtime = time(op.mtime(), now);
        n.ctime = now;
        n.change++;
        n.dataVersion++;
        if ((n.hsmFlags & HsmState.ARCHIVED) != 0) {
            n.hsmFlags |= HsmState.DIRTY;
        }
        tx.put(n);
        tx.changelog(Type.MTIME, now, null, n.fid, null, null, null, null, 0);
        return n.attr();
    }

    /** The extent of the data-on-MDT component, or INVALID. */
    static Component domComponent(Inode n) {
        if (!n.isRegular()) {
            throw new NacreException(Status.INVALID, "only regular files have data (" + n.fid + " is a " + n.type + ")");
        }
        List<Component> comps = n.layout().components();
        if (comps.isEmpty() || !comps.get(0).isDataOnMdt()) {
            throw new NacreException(Status.INVALID, n.fid + " has no data-on-MDT component");
        }
        return comps.get(0);
    }

    private static Void domWrite(Tx tx, Op.DomWrite op) {
        Inode n = tx.need(op.file());
        Component dom = domComponent(n);
        if (op.data() == null || op.offset() < 0 || op.offset() > dom.end() - op.data().length) {
            throw new NacreException(Status.INVALID, "data-on-MDT write beyond the component's end " + dom.end()
                    + " of " + n.fid);
        }
        if (tx.dryRun()) {
            return null;
        }
        byte[] old = tx.dom(n.fid);
        int end = (int) op.offset() + op.data().length;
        byte[] data = old == null ? new byte[end] : Arrays.copyOf(old, Math.max(old.length, end));
        System.arraycopy(op.data(), 0, data, (int) op.offset(), op.data().length);
        tx.putDom(n.fid, data);
        return null;
    }

    // ---- destroy queue, changelog, OSTs -------------------------------------------------------------

    private static Void destroyed(Tx tx, Op.Destroyed op) {
        if (tx.dryRun()) {
            return null;
        }
        for (long id : op.ids()) {
            tx.deleteDestroy(id);
        }
        return null;
    }

    private static void checkConsumer(String name) {
        if (name == null || name.isEmpty() || name.length() > 255) {
            throw new NacreException(Status.INVALID, "a changelog consumer needs a name of 1 to 255 characters");
        }
    }

    private static Long changelogRegister(Tx tx, String consumer) {
        checkConsumer(consumer);
        Long cleared = tx.consumers().get(consumer);
        if (cleared != null) {
            return cleared + 1;
        }
        long next = tx.changelogNext();
        if (tx.dryRun()) {
            return next;
        }
        tx.putConsumer(consumer, next - 1);
        return next;
    }

    private static Void changelogClear(Tx tx, String consumer, long index) {
        checkConsumer(consumer);
        Long cleared = tx.consumers().get(consumer);
        if (cleared == null) {
            throw new NacreException(Status.NOT_FOUND, "no changelog consumer '" + consumer + "'");
        }
        if (tx.dryRun()) {
            return null;
        }
        long upTo = Math.min(index, tx.changelogNext() - 1);
        if (upTo > cleared) {
            tx.putConsumer(consumer, upTo);
            purgeChangelog(tx);
        }
        return null;
    }

    private static Void changelogDeregister(Tx tx, String consumer) {
        checkConsumer(consumer);
        if (!tx.consumers().containsKey(consumer)) {
            throw new NacreException(Status.NOT_FOUND, "no changelog consumer '" + consumer + "'");
        }
        if (tx.dryRun()) {
            return null;
        }
        tx.deleteConsumer(consumer);
        purgeChangelog(tx);
        return null;
    }

    /** Drops records every consumer has cleared (with none, all but the last window). */
    private static void purgeChangelog(Tx tx) {
        Map<String, Long> consumers = tx.consumers();
        long upTo = consumers.isEmpty() ? tx.changelogNext() - 1 - Tx.CHANGELOG_WINDOW
                : consumers.values().stream().mapToLong(Long::longValue).min().orElseThrow();
        tx.purgeChangelog(upTo);
    }

    private static Void registerOst(Tx tx, OstInfo ost) {
        if (tx.dryRun()) {
            return null;
        }
        Tx.OstRecord existing = tx.ost(ost.index());
        tx.putOst(new Tx.OstRecord(ost, existing == null ? 1 : existing.nextObject()));
        return null;
    }
}
