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
import io.nacre.engine.meta.Attr;
import io.nacre.engine.meta.ChangelogRecord;
import io.nacre.engine.meta.CreateSpec;
import io.nacre.engine.meta.DirEntry;
import io.nacre.engine.meta.DirPage;
import io.nacre.engine.meta.FileType;
import io.nacre.engine.meta.FsStat;
import io.nacre.engine.meta.HsmState;
import io.nacre.engine.meta.PendingDestroy;
import io.nacre.engine.meta.Results.AttrChange;
import io.nacre.engine.meta.Results.Created;
import io.nacre.engine.meta.Results.DirChange;
import io.nacre.engine.meta.Results.Removed;
import io.nacre.engine.meta.Results.Renamed;
import io.nacre.engine.meta.SetAttr;
import io.nacre.engine.store.OstInfo;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Binary forms of the engine's records, shared by log entries, replies and the LMDB records. Enum
 * values are written with pinned codes (not ordinals) because log entries and LMDB outlive a build.
 */
final class Codec {

    private Codec() {
    }

    // ---- enums with pinned codes -------------------------------------------------------------------

    private static final FileType[] FILE_TYPES = {FileType.REGULAR, FileType.DIRECTORY, FileType.SYMLINK,
        FileType.BLOCK, FileType.CHAR, FileType.FIFO, FileType.SOCKET};

    static int code(FileType t) {
        for (int i = 0; i < FILE_TYPES.length; i++) {
            if (FILE_TYPES[i] == t) {
                return i;
            }
        }
        throw new IllegalStateException("no code for " + t);
    }

    static FileType fileType(int code) {
        if (code < 0 || code >= FILE_TYPES.length) {
            throw new NacreException(Status.INVALID, "malformed metadata message: file type code " + code);
        }
        return FILE_TYPES[code];
    }

    /** Enums of the API (Status, How, RemoveKind, XattrFlag, changelog types) travel by name. */
    static <E extends Enum<E>> E readEnum(In in, Class<E> type) {
        String name = in.str();
        try {
            return Enum.valueOf(type, name);
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new NacreException(Status.INVALID, "malformed metadata message: no " + type.getSimpleName() + " "
                    + name);
        }
    }

    static void writeEnum(Out out, Enum<?> e) {
        out.str(e.name());
    }

    // ---- identities -----------------------------------------------------------------------------

    static void writeFid(Out out, Fid f) {
        out.i64(f.seq()).i32(f.oid()).i32(f.ver());
    }

    static Fid readFid(In in) {
        return new Fid(in.i64(), in.i32(), in.i32());
    }

    static void writeOptFid(Out out, Fid f) {
        out.bool(f != null);
        if (f != null) {
            writeFid(out, f);
        }
    }

    static Fid readOptFid(In in) {
        return in.bool() ? readFid(in) : null;
    }

    static void writeCaller(Out out, Caller c) {
        out.i32(c.uid()).i32(c.gid());
        int[] groups = c.groups();
        out.i32(groups.length);
        for (int g : groups) {
            out.i32(g);
        }
    }

    static Caller readCaller(In in) {
        int uid = in.i32();
        int gid = in.i32();
        int n = in.count();
        int[] groups = new int[n];
        for (int i = 0; i < n; i++) {
            groups[i] = in.i32();
        }
        return Caller.of(uid, gid, groups);
    }

    // ---- attributes -----------------------------------------------------------------------------

    static void writeAttr(Out out, Attr a) {
        writeFid(out, a.fid());
        out.u8(code(a.type())).i32(a.mode()).i32(a.nlink()).i32(a.uid()).i32(a.gid());
        out.i64(a.size()).i64(a.spaceUsed()).i32(a.rdevMajor()).i32(a.rdevMinor());
        out.i64(a.atime()).i64(a.mtime()).i64(a.ctime()).i64(a.btime()).i64(a.change()).i64(a.dataVersion());
        out.i32(a.hsm().flags()).i32(a.hsm().archiveId());
    }

    static Attr readAttr(In in) {
        return new Attr(readFid(in), fileType(in.u8()), in.i32(), in.i32(), in.i32(), in.i32(), in.i64(), in.i64(),
                in.i32(), in.i32(), in.i64(), in.i64(), in.i64(), in.i64(), in.i64(), in.i64(),
                new HsmState(in.i32(), in.i32()));
    }

    static void writeOptAttr(Out out, Attr a) {
        out.bool(a != null);
        if (a != null) {
            writeAttr(out, a);
        }
    }

    static Attr readOptAttr(In in) {
        return in.bool() ? readAttr(in) : null;
    }

    static void writeSetAttr(Out out, SetAttr s) {
        out.optInt(s.mode()).optInt(s.uid()).optInt(s.gid());
        out.optLong(s.size()).optLong(s.atime()).optLong(s.mtime()).optLong(s.guardCtime());
    }

    static SetAttr readSetAttr(In in) {
        return valid(() -> new SetAttr(in.optInt(), in.optInt(), in.optInt(), in.optLong(), in.optLong(), in.optLong(),
                in.optLong()));
    }

    static void writeCreateSpec(Out out, CreateSpec s) {
        out.u8(code(s.type())).i32(s.mode()).str(s.symlinkTarget()).i32(s.rdevMajor()).i32(s.rdevMinor());
        writeEnum(out, s.how());
        out.i64(s.verifier());
        writeSetAttr(out, s.initial());
        writeOptTemplate(out, s.layout());
        out.bool(s.delayLayout());
    }

    static CreateSpec readCreateSpec(In in) {
        FileType type = fileType(in.u8());
        int mode = in.i32();
        String target = in.str();
        int major = in.i32();
        int minor = in.i32();
        CreateSpec.How how = readEnum(in, CreateSpec.How.class);
        long verifier = in.i64();
        SetAttr initial = readSetAttr(in);
        LayoutTemplate layout = readOptTemplate(in);
        boolean delay = in.bool();
        return valid(() -> new CreateSpec(type, mode, target, major, minor, how, verifier, initial, layout, delay, null));
    }

    // ---- layouts --------------------------------------------------------------------------------

    static void writeTemplate(Out out, LayoutTemplate t) {
        out.i32(t.entries().size());
        for (LayoutTemplate.Entry e : t.entries()) {
            out.i64(e.end()).i32(e.stripeCount()).i32(e.stripeSize()).str(e.pool()).bool(e.dataOnMdt());
        }
    }

    static LayoutTemplate readTemplate(In in) {
        int n = in.count();
        List<LayoutTemplate.Entry> entries = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            long end = in.i64();
            int count = in.i32();
            int size = in.i32();
            String pool = in.str();
            boolean dom = in.bool();
            entries.add(valid(() -> new LayoutTemplate.Entry(end, count, size, pool, dom)));
        }
        return valid(() -> new LayoutTemplate(entries));
    }

    static void writeOptTemplate(Out out, LayoutTemplate t) {
        out.bool(t != null);
        if (t != null) {
            writeTemplate(out, t);
        }
    }

    static LayoutTemplate readOptTemplate(In in) {
        return in.bool() ? readTemplate(in) : null;
    }

    private static final int RAID0 = 0;
    private static final int DOM = 1;
    private static final int RELEASED = 2;

    static void writeLayout(Out out, Layout l) {
        out.i64(l.generation()).i32(l.components().size());
        for (Component c : l.components()) {
            out.i64(c.start()).i64(c.end()).i32(c.mirrorId()).bool(c.stale());
            switch (c.placement()) {
                case Placement.Raid0 r -> {
                    out.u8(RAID0).i32(r.stripeCount()).i32(r.stripeSize()).str(r.pool()).i32(r.objects().size());
                    for (ObjectRef o : r.objects()) {
                        out.i32(o.ost()).i64(o.id());
                    }
                }
                case Placement.DataOnMdt d -> out.u8(DOM);
                case Placement.Released r -> out.u8(RELEASED).i32(r.archiveId());
            }
        }
    }

    /**
     * Reads a layout (one check for the whole of it: an inode's decode is on every change's path, and a
     * lambda per object and component cost more than the reading).
     */
    static Layout readLayout(In in) {
        long generation = in.i64();
        int n = in.count();
        if (n == 0 && generation == 0) {
            return Layout.NONE; // directories, symlinks, files without a layout yet
        }
        try {
            return readLayout(in, generation, n);
        } catch (IllegalArgumentException e) {
            throw new NacreException(Status.INVALID, "malformed metadata message: " + e.getMessage());
        }
    }

    /**
     * Steps over a layout as {@link #readLayout} would read it (its structure checked, nothing made), and
     * says whether it is released ({@link Layout#isReleased()}): what a stat needs of an inode's layout.
     */
    static boolean skipLayout(In in) {
        in.i64();
        int n = in.count();
        boolean released = n > 0;
        for (int i = 0; i < n; i++) {
            in.skip(8 + 8 + 4);
            in.bool();
            int tag = in.u8();
            switch (tag) {
                case RAID0 -> {
                    in.skip(4 + 4);
                    in.skipBytes();
                    in.skip(12L * in.count());
                    released = false;
                }
                case DOM -> released = false;
                case RELEASED -> in.skip(4);
                default -> throw new NacreException(Status.INVALID, "malformed metadata message: placement " + tag);
            }
        }
        return released;
    }

    private static Layout readLayout(In in, long generation, int n) {
        List<Component> comps = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            long start = in.i64();
            long end = in.i64();
            int mirror = in.i32();
            boolean stale = in.bool();
            int tag = in.u8();
            Placement p = switch (tag) {
                case RAID0 -> {
                    int count = in.i32();
                    int size = in.i32();
                    String pool = in.str();
                    int nobj = in.count();
                    List<ObjectRef> objs = new ArrayList<>(nobj);
                    for (int k = 0; k < nobj; k++) {
                        int ost = in.i32();
                        long id = in.i64();
                        objs.add(new ObjectRef(ost, id));
                    }
                    yield new Placement.Raid0(count, size, pool, objs);
                }
                case DOM -> new Placement.DataOnMdt();
                case RELEASED -> new Placement.Released(in.i32());
                default -> throw new NacreException(Status.INVALID, "malformed metadata message: placement " + tag);
            };
            comps.add(new Component(new Extent(start, end), mirror, stale, p));
        }
        return new Layout(generation, comps);
    }

    // ---- OSTs, destroys, changelog --------------------------------------------------------------

    static void writeOstInfo(Out out, OstInfo o) {
        // In sorted order, so that equal sets encode alike (an OST's record is rewritten by every create on it).
        String[] pools = o.pools().toArray(new String[0]);
        java.util.Arrays.sort(pools);
        out.i32(o.index()).i32(pools.length);
        for (String p : pools) {
            out.str(p);
        }
        out.str(o.node());
    }

    static OstInfo readOstInfo(In in) {
        int index = in.i32();
        int n = in.count();
        Set<String> pools = new LinkedHashSet<>();
        for (int i = 0; i < n; i++) {
            pools.add(in.str());
        }
        String node = in.str();
        return valid(() -> new OstInfo(index, pools, node));
    }

    static void writeDestroy(Out out, PendingDestroy d) {
        out.i64(d.id());
        writeFid(out, d.fid());
        out.i32(d.object().ost()).i64(d.object().id()).i64(d.keepBytes());
    }

    static PendingDestroy readDestroy(In in) {
        long id = in.i64();
        Fid fid = readFid(in);
        int ost = in.i32();
        long obj = in.i64();
        long keep = in.i64();
        return new PendingDestroy(id, fid, valid(() -> new ObjectRef(ost, obj)), keep);
    }

    static void writeDestroys(Out out, List<PendingDestroy> ds) {
        out.i32(ds.size());
        for (PendingDestroy d : ds) {
            writeDestroy(out, d);
        }
    }

    static List<PendingDestroy> readDestroys(In in) {
        int n = in.count();
        List<PendingDestroy> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(readDestroy(in));
        }
        return out;
    }

    static void writeChangelog(Out out, ChangelogRecord r) {
        out.i64(r.index());
        writeEnum(out, r.type());
        out.i64(r.time()).i32(r.uid()).i32(r.gid());
        writeOptFid(out, r.target());
        writeOptFid(out, r.parent());
        out.str(r.name());
        writeOptFid(out, r.sourceParent());
        out.str(r.sourceName()).i64(r.flags());
    }

    static ChangelogRecord readChangelog(In in) {
        return new ChangelogRecord(in.i64(), readEnum(in, ChangelogRecord.Type.class), in.i64(), in.i32(), in.i32(),
                readOptFid(in), readOptFid(in), in.str(), readOptFid(in), in.str(), in.i64());
    }

    // ---- listings and results -------------------------------------------------------------------

    static void writeDirPage(Out out, DirPage p) {
        out.i32(p.entries().size());
        for (DirEntry e : p.entries()) {
            out.str(e.name()).i64(e.cookie());
            writeAttr(out, e.attr());
        }
        out.bool(p.eof()).i64(p.verifier());
    }

    static DirPage readDirPage(In in) {
        int n = in.count();
        List<DirEntry> entries = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            entries.add(new DirEntry(in.str(), in.i64(), readAttr(in)));
        }
        return new DirPage(entries, in.bool(), in.i64());
    }

    static void writeFsStat(Out out, FsStat s) {
        out.i64(s.bytesTotal()).i64(s.bytesFree()).i64(s.bytesAvail()).i64(s.filesTotal()).i64(s.filesFree());
    }

    static FsStat readFsStat(In in) {
        return new FsStat(in.i64(), in.i64(), in.i64(), in.i64(), in.i64());
    }

    static void writeDirChange(Out out, DirChange d) {
        out.i64(d.before()).i64(d.after());
    }

    static DirChange readDirChange(In in) {
        return new DirChange(in.i64(), in.i64());
    }

    static void writeCreated(Out out, Created c) {
        writeAttr(out, c.attr());
        writeDirChange(out, c.dir());
        out.bool(c.existed());
    }

    static Created readCreated(In in) {
        return new Created(readAttr(in), readDirChange(in), in.bool());
    }

    static void writeRemoved(Out out, Removed r) {
        writeAttr(out, r.attr());
        writeDirChange(out, r.dir());
        writeDestroys(out, r.destroys());
    }

    static Removed readRemoved(In in) {
        return new Removed(readAttr(in), readDirChange(in), readDestroys(in));
    }

    static void writeRenamed(Out out, Renamed r) {
        writeAttr(out, r.renamed());
        writeDirChange(out, r.from());
        writeDirChange(out, r.to());
        writeOptAttr(out, r.replaced());
        writeDestroys(out, r.destroys());
    }

    static Renamed readRenamed(In in) {
        return new Renamed(readAttr(in), readDirChange(in), readDirChange(in), readOptAttr(in), readDestroys(in));
    }

    static void writeAttrChange(Out out, AttrChange c) {
        writeAttr(out, c.attr());
        writeDestroys(out, c.punches());
    }

    static AttrChange readAttrChange(In in) {
        return new AttrChange(readAttr(in), readDestroys(in));
    }

    static void writeSmallFilePut(Out out, io.nacre.engine.meta.Results.SmallFilePut p) {
        writeAttr(out, p.attr());
        writeOptAttr(out, p.replaced());
        writeDestroys(out, p.destroys());
    }

    static io.nacre.engine.meta.Results.SmallFilePut readSmallFilePut(In in) {
        return new io.nacre.engine.meta.Results.SmallFilePut(readAttr(in), readOptAttr(in), readDestroys(in));
    }

    /** Runs a record constructor on decoded values: its IllegalArgumentException means a malformed message. */
    static <T> T valid(java.util.function.Supplier<T> make) {
        try {
            return make.get();
        } catch (IllegalArgumentException e) {
            throw new NacreException(Status.INVALID, "malformed metadata message: " + e.getMessage());
        }
    }
}
