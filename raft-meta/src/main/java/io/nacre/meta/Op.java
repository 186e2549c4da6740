package io.nacre.meta;

import io.nacre.engine.Caller;
import io.nacre.engine.Fid;
import io.nacre.engine.NacreException;
import io.nacre.engine.Status;
import io.nacre.engine.layout.LayoutTemplate;
import io.nacre.engine.meta.CreateSpec;
import io.nacre.engine.meta.MetadataService.RemoveKind;
import io.nacre.engine.meta.Opener;
import io.nacre.engine.meta.SetAttr;
import io.nacre.engine.meta.SmallFile;
import io.nacre.engine.meta.XattrFlag;
import io.nacre.engine.store.OstInfo;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One namespace change, as a client asks for it and as the Raft log carries it. Fields marked "decided by
 * the leader" are empty in a client's request; the leader fills them in before the entry is proposed
 * (layouts and OST choices), so that applying the entry is deterministic on every replica.
 */
sealed interface Op {

    /** Creates the root and hidden directories with this fsid (once; later formats are no-ops). */
    record Format(long fsid) implements Op {
    }

    /**
     * @param layout a concrete layout template for a regular file (decided by the leader)
     * @param osts   the OSTs of the first RAID0 component's stripes (decided by the leader)
     */
    record Create(Caller caller, Fid dir, String name, CreateSpec spec, LayoutTemplate layout, List<Integer> osts)
            implements Op {
    }

    record Link(Caller caller, Fid fid, Fid dir, String name) implements Op {
    }

    record Remove(Caller caller, Fid dir, String name, RemoveKind kind) implements Op {
    }

    record Rename(Caller caller, Fid fromDir, String fromName, Fid toDir, String toName) implements Op {
    }

    record SetAttrs(Caller caller, Fid fid, SetAttr attrs) implements Op {
    }

    record SetXattr(Caller caller, Fid fid, String name, byte[] value, XattrFlag flag) implements Op {
    }

    record RemoveXattr(Caller caller, Fid fid, String name) implements Op {
    }

    record SetDefaultLayout(Caller caller, Fid dir, LayoutTemplate template) implements Op {
    }

    /** @param concrete and {@code osts} decided by the leader, as for Create */
    record SetLayout(Caller caller, Fid file, LayoutTemplate template, LayoutTemplate concrete, List<Integer> osts)
            implements Op {
    }

    /** @param osts the OSTs of each component to instantiate, by component index (decided by the leader) */
    record Instantiate(Fid file, long offset, long length, Map<Integer, List<Integer>> osts) implements Op {
    }

    record DataWritten(Fid file, long end, long mtime) implements Op {
    }

    /**
     * Changes nothing; its result is the index of the log entry that carried it. A read made after it on a
     * replica that has applied that index sees every change acknowledged before the read began (see
     * {@link MetadataClient}'s reads with several peers).
     */
    record Barrier() implements Op {
    }

    record DomWrite(Fid file, long offset, byte[] data) implements Op {
    }

    record Destroyed(List<Long> ids) implements Op {
    }

    record ChangelogRegister(String consumer) implements Op {
    }

    record ChangelogClear(String consumer, long index) implements Op {
    }

    record ChangelogDeregister(String consumer) implements Op {
    }

    record RegisterOst(OstInfo ost) implements Op {
    }

    /** An HSM coordinator operation (see {@link HsmOp}, {@link Coordinator}). */
    record Hsm(HsmOp op) implements Op {
    }

    /** Moves the data of sources into an empty target, joining their layouts (MetadataService.concat). */
    record Concat(Caller caller, Fid target, List<Fid> sources) implements Op {
        public Concat {
            sources = List.copyOf(sources);
        }
    }

    /** Gives a file the layout of a staged copy, if unchanged since the copy began (MetadataService.swapLayout). */
    record SwapLayout(Caller caller, Fid file, long dataVersion, long generation, Fid donorDir, String donorName)
            implements Op {
    }

    /**
     * A small file with its data on the MDT, its xattrs and missing parents, replacing what held the name
     * (MetadataService.putSmallFile): one operation, so one log entry shared with concurrent ones.
     *
     * @param layout the new file's concrete template, data-on-MDT first (decided by the leader)
     */
    record PutSmall(Caller caller, SmallFile file, LayoutTemplate layout) implements Op {
    }

    /** Marks a regular file open by a gateway (MetadataService.markOpen; see {@link OpenMarks}). */
    record MarkOpen(Opener opener, Fid fid) implements Op {
    }

    /** Drops a gateway's open mark of a file; the file goes when that was its last mark and it has no name. */
    record UnmarkOpen(String gateway, Fid fid) implements Op {
    }

    /**
     * Drops a gateway's open marks of several files in one change (MetadataService.unmarkOpen of a list: a
     * gateway's delayed unmarks, sent together); each goes as an {@link UnmarkOpen} would, in list order.
     */
    record UnmarkOpens(String gateway, List<Fid> fids) implements Op {
        public UnmarkOpens {
            fids = List.copyOf(fids);
        }
    }

    /**
     * Drops up to {@code max} marks of a gateway but those of instance {@code keepInstance} (0: none kept), in
     * the order of its index (MetadataService.dropOpenMarks; the client repeats it until none is left).
     */
    record DropOpenMarks(String gateway, long keepInstance, int max) implements Op {
    }

    /** An operation the leader's checks refused; applying it gives this error (the reply must come from the log). */
    record Rejected(Status status, String message) implements Op {
    }

    // ---- encoding -------------------------------------------------------------------------------

    static void write(Out out, Op op) {
        switch (op) {
            case Format f -> out.u8(1).i64(f.fsid());
            case Create c -> {
                // A create that opens (CreateSpec.openedBy) is tag 24, the same with the opener after: tag 2's
                // form stays that of the entries written before open marks existed, which a log may still hold.
                Opener opener = c.spec().openedBy();
                out.u8(opener == null ? 2 : 24);
                Codec.writeCaller(out, c.caller());
                Codec.writeFid(out, c.dir());
                out.str(c.name());
                Codec.writeCreateSpec(out, c.spec());
                Codec.writeOptTemplate(out, c.layout());
                writeInts(out, c.osts());
                if (opener != null) {
                    writeOpener(out, opener);
                }
            }
            case Link l -> {
                out.u8(3);
                Codec.writeCaller(out, l.caller());
                Codec.writeFid(out, l.fid());
                Codec.writeFid(out, l.dir());
                out.str(l.name());
            }
            case Remove r -> {
                out.u8(4);
                Codec.writeCaller(out, r.caller());
                Codec.writeFid(out, r.dir());
                out.str(r.name());
                Codec.writeEnum(out, r.kind());
            }
            case Rename r -> {
                out.u8(5);
                Codec.writeCaller(out, r.caller());
                Codec.writeFid(out, r.fromDir());
                out.str(r.fromName());
                Codec.writeFid(out, r.toDir());
                out.str(r.toName());
            }
            case SetAttrs s -> {
                out.u8(6);
                Codec.writeCaller(out, s.caller());
                Codec.writeFid(out, s.fid());
                Codec.writeSetAttr(out, s.attrs());
            }
            case SetXattr x -> {
                out.u8(7);
                Codec.writeCaller(out, x.caller());
                Codec.writeFid(out, x.fid());
                out.str(x.name()).bytes(x.value());
                Codec.writeEnum(out, x.flag());
            }
            case RemoveXattr x -> {
                out.u8(8);
                Codec.writeCaller(out, x.caller());
                Codec.writeFid(out, x.fid());
                out.str(x.name());
            }
            case SetDefaultLayout d -> {
                out.u8(9);
                Codec.writeCaller(out, d.caller());
                Codec.writeFid(out, d.dir());
                Codec.writeOptTemplate(out, d.template());
            }
            case SetLayout l -> {
                out.u8(10);
                Codec.writeCaller(out, l.caller());
                Codec.writeFid(out, l.file());
                Codec.writeTemplate(out, l.template());
                Codec.writeOptTemplate(out, l.concrete());
                writeInts(out, l.osts());
            }
            case Instantiate i -> {
                out.u8(11);
                Codec.writeFid(out, i.file());
                out.i64(i.offset()).i64(i.length());
                out.i32(i.osts().size());
                for (Map.Entry<Integer, List<Integer>> e : new TreeMap<>(i.osts()).entrySet()) {
                    out.i32(e.getKey());
                    writeInts(out, e.getValue());
                }
            }
            case Barrier b -> out.u8(22);
            case DataWritten d -> {
                out.u8(12);
                Codec.writeFid(out, d.file());
                out.i64(d.end()).i64(d.mtime());
            }
            case DomWrite d -> {
                out.u8(13);
                Codec.writeFid(out, d.file());
                out.i64(d.offset()).bytes(d.data());
            }
            case Destroyed d -> {
                out.u8(14).i32(d.ids().size());
                for (long id : d.ids()) {
                    out.i64(id);
                }
            }
            case ChangelogRegister r -> out.u8(15).str(r.consumer());
            case ChangelogClear c -> out.u8(16).str(c.consumer()).i64(c.index());
            case ChangelogDeregister d -> out.u8(17).str(d.consumer());
            case RegisterOst r -> {
                out.u8(18);
                Codec.writeOstInfo(out, r.ost());
            }
            case Hsm h -> {
                out.u8(40);
                HsmOp.write(out, h.op());
            }
            case Concat c -> {
                out.u8(20);
                Codec.writeCaller(out, c.caller());
                Codec.writeFid(out, c.target());
                out.i32(c.sources().size());
                for (Fid f : c.sources()) {
                    Codec.writeFid(out, f);
                }
            }
            case SwapLayout w -> {
                out.u8(23);
                Codec.writeCaller(out, w.caller());
                Codec.writeFid(out, w.file());
                out.i64(w.dataVersion()).i64(w.generation());
                Codec.writeFid(out, w.donorDir());
                out.str(w.donorName());
            }
            case PutSmall p -> {
                out.u8(21);
                Codec.writeCaller(out, p.caller());
                writeSmallFile(out, p.file());
                Codec.writeOptTemplate(out, p.layout());
            }
            case MarkOpen m -> {
                out.u8(25);
                writeOpener(out, m.opener());
                Codec.writeFid(out, m.fid());
            }
            case UnmarkOpen u -> {
                out.u8(26).str(u.gateway());
                Codec.writeFid(out, u.fid());
            }
            case UnmarkOpens u -> {
                out.u8(28).str(u.gateway());
                out.i32(u.fids().size());
                for (Fid f : u.fids()) {
                    Codec.writeFid(out, f);
                }
            }
            case DropOpenMarks d -> out.u8(27).str(d.gateway()).i64(d.keepInstance()).i32(d.max());
            case Rejected r -> {
                out.u8(19);
                Codec.writeEnum(out, r.status());
                out.str(r.message());
            }
        }
    }

    static Op read(In in) {
        int tag = in.u8();
        return switch (tag) {
            case 1 -> new Format(in.i64());
            case 2 -> new Create(Codec.readCaller(in), Codec.readFid(in), in.str(), Codec.readCreateSpec(in),
                    Codec.readOptTemplate(in), readInts(in));
            case 24 -> {
                Create c = new Create(Codec.readCaller(in), Codec.readFid(in), in.str(), Codec.readCreateSpec(in),
                        Codec.readOptTemplate(in), readInts(in));
                Opener opener = readOpener(in);
                yield new Create(c.caller(), c.dir(), c.name(), Codec.valid(() -> c.spec().openedBy(opener)), c.layout(),
                        c.osts());
            }
            case 25 -> new MarkOpen(readOpener(in), Codec.readFid(in));
            case 26 -> new UnmarkOpen(in.str(), Codec.readFid(in));
            case 27 -> new DropOpenMarks(in.str(), in.i64(), in.i32());
            case 28 -> {
                String gateway = in.str();
                int n = in.count();
                List<Fid> fids = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    fids.add(Codec.readFid(in));
                }
                yield new UnmarkOpens(gateway, fids);
            }
            case 3 -> new Link(Codec.readCaller(in), Codec.readFid(in), Codec.readFid(in), in.str());
            case 4 -> new Remove(Codec.readCaller(in), Codec.readFid(in), in.str(), Codec.readEnum(in, RemoveKind.class));
            case 5 -> new Rename(Codec.readCaller(in), Codec.readFid(in), in.str(), Codec.readFid(in), in.str());
            case 6 -> new SetAttrs(Codec.readCaller(in), Codec.readFid(in), Codec.readSetAttr(in));
            case 7 -> new SetXattr(Codec.readCaller(in), Codec.readFid(in), in.str(), in.bytes(),
                    Codec.readEnum(in, XattrFlag.class));
            case 8 -> new RemoveXattr(Codec.readCaller(in), Codec.readFid(in), in.str());
            case 9 -> new SetDefaultLayout(Codec.readCaller(in), Codec.readFid(in), Codec.readOptTemplate(in));
            case 10 -> new SetLayout(Codec.readCaller(in), Codec.readFid(in), Codec.readTemplate(in),
                    Codec.readOptTemplate(in), readInts(in));
            case 11 -> {
                Fid file = Codec.readFid(in);
                long offset = in.i64();
                long length = in.i64();
                int n = in.count();
                Map<Integer, List<Integer>> osts = new TreeMap<>();
                for (int i = 0; i < n; i++) {
                    osts.put(in.i32(), readInts(in));
                }
                yield new Instantiate(file, offset, length, osts);
            }
            case 12 -> new DataWritten(Codec.readFid(in), in.i64(), in.i64());
            case 13 -> new DomWrite(Codec.readFid(in), in.i64(), in.bytes());
            case 14 -> {
                int n = in.count();
                List<Long> ids = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    ids.add(in.i64());
                }
                yield new Destroyed(ids);
            }
            case 15 -> new ChangelogRegister(in.str());
            case 16 -> new ChangelogClear(in.str(), in.i64());
            case 17 -> new ChangelogDeregister(in.str());
            case 18 -> new RegisterOst(Codec.readOstInfo(in));
            case 19 -> new Rejected(Codec.readEnum(in, Status.class), in.str());
            case 40 -> new Hsm(HsmOp.read(in));
            case 20 -> {
                Caller caller = Codec.readCaller(in);
                Fid target = Codec.readFid(in);
                int n = in.count();
                List<Fid> sources = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    sources.add(Codec.readFid(in));
                }
                yield new Concat(caller, target, sources);
            }
            case 22 -> new Barrier();
            case 23 -> new SwapLayout(Codec.readCaller(in), Codec.readFid(in), in.i64(), in.i64(), Codec.readFid(in),
                    in.str());
            case 21 -> new PutSmall(Codec.readCaller(in), readSmallFile(in), Codec.readOptTemplate(in));
            default -> throw new NacreException(Status.INVALID, "malformed metadata message: operation tag " + tag);
        };
    }

    private static void writeOpener(Out out, Opener o) {
        out.str(o.gateway()).i64(o.instance());
    }

    private static Opener readOpener(In in) {
        String gateway = in.str();
        long instance = in.i64();
        return Codec.valid(() -> new Opener(gateway, instance));
    }

    private static void writeSmallFile(Out out, SmallFile f) {
        Codec.writeFid(out, f.dir());
        out.i32(f.parents().size());
        f.parents().forEach(out::str);
        out.str(f.name()).i32(f.mode()).bytes(f.data()).i32(f.domSize());
        writeXattrs(out, f.xattrs());
        writeXattrs(out, f.dirXattrs());
        SmallFile.Expect e = f.expect();
        Codec.writeOptFid(out, e.fid());
        out.i64(e.dataVersion()).bool(e.absent());
    }

    private static SmallFile readSmallFile(In in) {
        Fid dir = Codec.readFid(in);
        int n = in.count();
        List<String> parents = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            parents.add(in.str());
        }
        String name = in.str();
        int mode = in.i32();
        byte[] data = in.bytes();
        int domSize = in.i32();
        Map<String, byte[]> xattrs = readXattrs(in);
        Map<String, byte[]> dirXattrs = readXattrs(in);
        Fid fid = Codec.readOptFid(in);
        long dv = in.i64();
        boolean absent = in.bool();
        return Codec.valid(() -> new SmallFile(dir, parents, name, mode, data, domSize, xattrs, dirXattrs,
                new SmallFile.Expect(fid, dv, absent)));
    }

    private static void writeXattrs(Out out, Map<String, byte[]> x) {
        out.i32(x.size());
        x.forEach((k, v) -> out.str(k).bytes(v));
    }

    private static Map<String, byte[]> readXattrs(In in) {
        int n = in.count();
        Map<String, byte[]> m = new java.util.LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            m.put(in.str(), in.bytes());
        }
        return m;
    }

    private static void writeInts(Out out, List<Integer> v) {
        if (v == null) {
            out.i32(-1);
            return;
        }
        out.i32(v.size());
        for (int i : v) {
            out.i32(i);
        }
    }

    private static List<Integer> readInts(In in) {
        int n = in.i32();
        if (n == -1) {
            return null;
        }
        if (n < 0 || n > 1 << 16) {
            throw new NacreException(Status.INVALID, "malformed metadata message: bad list length " + n);
        }
        List<Integer> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(in.i32());
        }
        return out;
    }

    /** A batch of operations: a client's request, or (with the leader's time) a log entry. */
    static byte[] encodeBatch(long time, List<Op> ops) {
        Out out = new Out(64 * ops.size() + 16);
        out.i64(time).i32(ops.size());
        for (Op op : ops) {
            write(out, op);
        }
        return out.toByteArray();
    }

    /** A decoded batch: the proposer's time (0 in a client's request) and the operations. */
    record Batch(long time, List<Op> ops) {
    }

    static Batch decodeBatch(byte[] b) {
        In in = new In(b);
        long time = in.i64();
        int n = in.count();
        List<Op> ops = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            ops.add(read(in));
        }
        in.expectEnd();
        return new Batch(time, ops);
    }
}
