package io.nacre.meta;

import io.nacre.engine.Caller;
import io.nacre.engine.NacreException;
import io.nacre.engine.Status;
import io.nacre.engine.layout.Component;
import io.nacre.engine.layout.Layout;
import io.nacre.engine.layout.LayoutTemplate;
import io.nacre.engine.meta.Access;
import io.nacre.engine.meta.DirEntry;
import io.nacre.engine.meta.DirPage;
import io.nacre.engine.meta.FileType;
import io.nacre.engine.meta.FsStat;
import io.nacre.engine.store.OstInfo;
import io.nacre.engine.store.OstUsage;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The namespace reads: each {@link Query} answered from one LMDB read transaction. */
final class Reads {

    /** The most entries one readdir, list or changelog page returns. */
    static final int PAGE_MAX = 4096;
    /** The most destroy-queue entries one call returns (about 50 bytes each). */
    static final int DESTROYS_MAX = 65_536;
    /** What one inode costs on the MDT, for statfs's file counts. */
    private static final long INODE_BYTES = 1024;

    private Reads() {
    }

    static Object run(Tx tx, Query q, UsageCache usage, ReferencedViews views) {
        if (!tx.formatted()) {
            throw new NacreException(Status.DELAY, "the file system is not formatted yet");
        }
        return switch (q) {
            case Query.Fsid f -> tx.fsid();
            case Query.Getattr g -> tx.need(g.fid()).attr();
            case Query.Lookup l -> lookup(tx, l).attr();
            case Query.Resolve r -> resolve(tx, r).attr();
            case Query.CheckAccess a -> Permissions.granted(a.caller(), tx.need(a.fid()), a.mask() & Access.ALL);
            case Query.Readlink r -> readlink(tx.need(r.fid()));
            case Query.Readdir r -> readdir(tx, r);
            case Query.ListNames l -> list(tx, l);
            case Query.GetXattr g -> getXattr(tx, g);
            case Query.Xattrs x -> xattrs(tx, x);
            case Query.GetLayout l -> {
                Inode n = tx.need(l.fid());
                yield n.isRegular() ? n.layout() : Layout.NONE;
            }
            case Query.DefaultLayout d -> {
                Inode dir = tx.needDir(d.dir());
                LayoutTemplate t = dir.defaultLayout;
                if (t == null && dir.fid.equals(io.nacre.engine.Fid.ROOT)) {
                    t = LayoutTemplate.DEFAULT;
                }
                yield Optional.ofNullable(t);
            }
            case Query.Statfs s -> statfs(tx, usage);
            case Query.Osts o -> tx.osts();
            case Query.PendingDestroys p -> tx.pendingDestroys(Math.min(p.max(), DESTROYS_MAX));
            case Query.Changelog c -> tx.changelogFrom(c.from(), Math.min(c.max(), PAGE_MAX));
            case Query.DomRead d -> domRead(tx, d);
            case Query.Fetch f -> fetch(tx, f);
            case Query.Referenced r -> views.page(tx, r.ost(), r.after(), r.below(), r.max());
            case Query.Path p -> FidPaths.path(tx, p.fid());
            case Query.Hsm h -> h.query().run(tx);
        };
    }

    /**
     * LOOKUP, a stat's read. Root may search every directory ({@link Access#granted}), and an entry is only ever
     * found in a directory that exists (only an empty directory is removed, and an entry's key is its directory's
     * fid): so for root the entry is looked up first, and the directory's inode is read only when there is none,
     * for the error in its order (STALE, NOT_DIR, then NOT_FOUND). A stat as root, Linux's over the default
     * export, reads two records instead of three.
     */
    private static Inode lookup(Tx tx, Query.Lookup l) {
        if (l.caller().isRoot() && Names.validName(l.name())) {
            Tx.Dentry d = tx.dentry(l.dir(), l.name());
            if (d != null) {
                return tx.need(d.fid());
            }
        }
        return lookup(tx, l.caller(), tx.needDir(l.dir()), l.name());
    }

    private static Inode lookup(Tx tx, Caller caller, Inode dir, String name) {
        Names.checkName(name);
        Permissions.require(caller, dir, Access.EXECUTE, "lookup of", name);
        Tx.Dentry d = tx.dentry(dir.fid, name);
        if (d == null) {
            throw new NacreException(Status.NOT_FOUND, "no '" + Names.printable(name) + "' in " + dir.fid);
        }
        return tx.need(d.fid());
    }

    /** Walks a relative path without following symlinks; "." and ".." and repeated '/' are understood. */
    private static Inode resolve(Tx tx, Query.Resolve r) {
        Inode cur = tx.need(r.dir());
        if (r.path().isEmpty()) {
            return cur;
        }
        for (String comp : r.path().split("/", -1)) {
            if (!cur.isDir()) {
                throw new NacreException(Status.NOT_DIR, (cur.type == FileType.SYMLINK ? "symlink " : "")
                        + cur.fid + " is not a directory, in path " + Names.printable(r.path()));
            }
            if (comp.isEmpty() || comp.equals(".")) {
                continue;
            }
            if (comp.equals("..")) {
                Permissions.require(r.caller(), cur, Access.EXECUTE, "lookup of '..'", null);
                cur = tx.need(cur.parent);
                continue;
            }
            cur = lookup(tx, r.caller(), cur, comp);
        }
        return cur;
    }

    private static String readlink(Inode n) {
        if (n.type != FileType.SYMLINK) {
            throw new NacreException(Status.INVALID, n.fid + " is not a symlink");
        }
        return n.target;
    }

    private static int pageSize(int max) {
        if (max <= 0) {
            throw new NacreException(Status.INVALID, "a listing needs max > 0, not " + max);
        }
        return Math.min(max, PAGE_MAX);
    }

    private static DirPage readdir(Tx tx, Query.Readdir r) {
        Inode dir = tx.needDir(r.dir());
        Permissions.require(r.caller(), dir, Access.READ, "readdir", null);
        int max = pageSize(r.max());
        long after = r.cookie() < Inode.FIRST_COOKIE ? 0 : r.cookie();
        List<DirEntry> entries = new ArrayList<>();
        boolean[] more = {false};
        tx.entriesByCookie(dir.fid, after, (name, cookie) -> {
            if (entries.size() == max) {
                more[0] = true;
                return false;
            }
            Tx.Dentry d = tx.dentry(dir.fid, name);
            entries.add(new DirEntry(name, cookie, tx.need(d.fid()).attr()));
            return true;
        });
        return new DirPage(entries, !more[0], dir.btime);
    }

    private static DirPage list(Tx tx, Query.ListNames l) {
        Inode dir = tx.needDir(l.dir());
        Permissions.require(l.caller(), dir, Access.READ, "list", null);
        int max = pageSize(l.max());
        String after = l.startAfter() == null ? "" : l.startAfter();
        List<DirEntry> entries = new ArrayList<>();
        boolean[] more = {false};
        tx.entriesByName(dir.fid, after, (name, d) -> {
            if (name.equals(after)) {
                return true;
            }
            if (entries.size() == max) {
                more[0] = true;
                return false;
            }
            entries.add(new DirEntry(name, d.cookie(), tx.need(d.fid()).attr()));
            return true;
        });
        return new DirPage(entries, !more[0], dir.btime);
    }

    /** Whether the caller may read extended attributes of this namespace on n (PERM/ACCESS when it may not). */
    private static void checkXattrRead(Caller c, Inode n, Names.XattrNamespace ns) {
        switch (ns) {
            case USER -> Permissions.require(c, n, Access.READ, "read extended attribute", null);
            case TRUSTED -> {
                if (!c.isRoot()) {
                    throw new NacreException(Status.PERM, "trusted. extended attributes are root's");
                }
            }
            case SECURITY, SYSTEM -> {
            }
        }
    }

    private static Optional<byte[]> getXattr(Tx tx, Query.GetXattr g) {
        Inode n = tx.need(g.fid());
        Names.XattrNamespace ns = Names.checkXattrName(g.name());
        checkXattrRead(g.caller(), n, ns);
        return Optional.ofNullable(tx.xattr(n.fid, g.name()));
    }

    private static Map<String, byte[]> xattrs(Tx tx, Query.Xattrs x) {
        Inode n = tx.need(x.fid());
        Map<String, byte[]> out = new LinkedHashMap<>();
        tx.xattrs(n.fid).forEach((name, value) -> {
            try {
                checkXattrRead(x.caller(), n, Names.checkXattrName(name));
                out.put(name, value);
            } catch (NacreException e) {
                // not readable by this caller: left out, as listxattr leaves out what one may not see
            }
        });
        return out;
    }

    private static FsStat statfs(Tx tx, UsageCache usage) {
        List<OstUsage> known = new ArrayList<>();
        for (OstInfo o : tx.osts()) {
            OstUsage u = usage.usage(o.index());
            if (u != null) {
                known.add(u);
            }
        }
        // OSTs sharing a disk (nacre up's four) count its free space once
        OstUsage all = OstUsage.total(known);
        long total = all.bytesTotal();
        long free = all.bytesFree();
        long inodes = tx.inodeCount();
        long filesFree = Math.max(0, NamespaceStore.MAP_SIZE / INODE_BYTES - inodes);
        return new FsStat(total, free, free, inodes + filesFree, filesFree);
    }

    /**
     * Resolve, access check, xattrs, and the content when it all lives on the MDT (one mirror, not
     * released, size within the data-on-MDT component and maxData).
     */
    private static io.nacre.engine.meta.Fetched fetch(Tx tx, Query.Fetch f) {
        Inode n = resolve(tx, new Query.Resolve(f.caller(), f.dir(), f.path()));
        int mask = f.mask() & Access.ALL;
        if ((Permissions.granted(f.caller(), n, mask) & mask) != mask) {
            throw new NacreException(Status.ACCESS, "uid " + f.caller().uid() + " may not access " + n.fid);
        }
        Map<String, byte[]> x = new LinkedHashMap<>();
        for (String name : f.xattrNames()) {
            byte[] v = tx.xattr(n.fid, name);
            if (v != null) {
                x.put(name, v);
            }
        }
        byte[] data = null;
        List<Component> comps = n.layout().components();
        if (n.isRegular() && (n.hsmFlags & io.nacre.engine.meta.HsmState.RELEASED) == 0 && !comps.isEmpty()
                && comps.get(0).isDataOnMdt() && n.layout().mirrors().size() == 1 && n.size <= comps.get(0).end()
                && n.size <= f.maxData()) {
            byte[] dom = tx.dom(n.fid);
            data = dom != null && dom.length == n.size ? dom : java.util.Arrays.copyOf(dom == null ? new byte[0] : dom,
                    (int) n.size);
        }
        return new io.nacre.engine.meta.Fetched(n.attr(), x, data);
    }

    private static byte[] domRead(Tx tx, Query.DomRead d) {
        Inode n = tx.need(d.fid());
        Component dom = Namespace.domComponent(n);
        if (d.offset() < 0 || d.length() < 0) {
            throw new NacreException(Status.INVALID, "bad range: offset " + d.offset() + ", length " + d.length());
        }
        long end = Math.min(dom.end(), d.offset() + d.length());
        if (d.offset() >= end) {
            return new byte[0];
        }
        byte[] out = new byte[(int) (end - d.offset())];
        byte[] data = tx.dom(n.fid);
        if (data != null && data.length > d.offset()) {
            System.arraycopy(data, (int) d.offset(), out, 0, (int) Math.min(out.length, data.length - d.offset()));
        }
        return out;
    }
}
