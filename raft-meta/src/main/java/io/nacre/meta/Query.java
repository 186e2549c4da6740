package io.nacre.meta;

import io.nacre.engine.Caller;
import io.nacre.engine.Fid;
import io.nacre.engine.NacreException;
import io.nacre.engine.Status;
import io.nacre.engine.layout.LayoutTemplate;
import io.nacre.engine.meta.ChangelogRecord;
import io.nacre.engine.meta.PendingDestroy;
import io.nacre.engine.store.OstInfo;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A read of the namespace, sent through Ratis's read-only path (linearizable: see MetadataClient's reads). Each query
 * knows how its result travels back.
 */
sealed interface Query {

    /** Writes this query's result (as {@link Reads} computed it). */
    void writeResult(Out out, Object result);

    /** Reads this query's result. */
    Object readResult(In in);

    record Fsid() implements Query {
        public void writeResult(Out out, Object r) {
            out.i64((Long) r);
        }

        public Object readResult(In in) {
            return in.i64();
        }
    }

    record Getattr(Fid fid) implements Query, AttrResult {
    }

    record Lookup(Caller caller, Fid dir, String name) implements Query, AttrResult {
    }

    record Resolve(Caller caller, Fid dir, String path) implements Query, AttrResult {
    }

    record CheckAccess(Caller caller, Fid fid, int mask) implements Query {
        public void writeResult(Out out, Object r) {
            out.i32((Integer) r);
        }

        public Object readResult(In in) {
            return in.i32();
        }
    }

    record Readlink(Fid fid) implements Query {
        public void writeResult(Out out, Object r) {
            out.str((String) r);
        }

        public Object readResult(In in) {
            return in.str();
        }
    }

    record Readdir(Caller caller, Fid dir, long cookie, int max) implements Query, PageResult {
    }

    record ListNames(Caller caller, Fid dir, String startAfter, int max) implements Query, PageResult {
    }

    record GetXattr(Caller caller, Fid fid, String name) implements Query {
        public void writeResult(Out out, Object r) {
            @SuppressWarnings("unchecked")
            Optional<byte[]> v = (Optional<byte[]>) r;
            out.bytes(v.orElse(null));
        }

        public Object readResult(In in) {
            return Optional.ofNullable(in.bytes());
        }
    }

    record Xattrs(Caller caller, Fid fid) implements Query {
        public void writeResult(Out out, Object r) {
            @SuppressWarnings("unchecked")
            Map<String, byte[]> m = (Map<String, byte[]>) r;
            out.i32(m.size());
            m.forEach((k, v) -> out.str(k).bytes(v));
        }

        public Object readResult(In in) {
            int n = in.count();
            Map<String, byte[]> m = new LinkedHashMap<>();
            for (int i = 0; i < n; i++) {
                m.put(in.str(), in.bytes());
            }
            return m;
        }
    }

    record GetLayout(Fid fid) implements Query {
        public void writeResult(Out out, Object r) {
            Codec.writeLayout(out, (io.nacre.engine.layout.Layout) r);
        }

        public Object readResult(In in) {
            return Codec.readLayout(in);
        }
    }

    record DefaultLayout(Fid dir) implements Query {
        public void writeResult(Out out, Object r) {
            @SuppressWarnings("unchecked")
            Optional<LayoutTemplate> t = (Optional<LayoutTemplate>) r;
            Codec.writeOptTemplate(out, t.orElse(null));
        }

        public Object readResult(In in) {
            return Optional.ofNullable(Codec.readOptTemplate(in));
        }
    }

    record Statfs() implements Query {
        public void writeResult(Out out, Object r) {
            Codec.writeFsStat(out, (io.nacre.engine.meta.FsStat) r);
        }

        public Object readResult(In in) {
            return Codec.readFsStat(in);
        }
    }

    record Osts() implements Query {
        public void writeResult(Out out, Object r) {
            @SuppressWarnings("unchecked")
            List<OstInfo> l = (List<OstInfo>) r;
            out.i32(l.size());
            l.forEach(o -> Codec.writeOstInfo(out, o));
        }

        public Object readResult(In in) {
            int n = in.count();
            List<OstInfo> l = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                l.add(Codec.readOstInfo(in));
            }
            return l;
        }
    }

    record PendingDestroys(int max) implements Query {
        public void writeResult(Out out, Object r) {
            @SuppressWarnings("unchecked")
            List<PendingDestroy> l = (List<PendingDestroy>) r;
            Codec.writeDestroys(out, l);
        }

        public Object readResult(In in) {
            return Codec.readDestroys(in);
        }
    }

    record Changelog(long from, int max) implements Query {
        public void writeResult(Out out, Object r) {
            @SuppressWarnings("unchecked")
            List<ChangelogRecord> l = (List<ChangelogRecord>) r;
            out.i32(l.size());
            l.forEach(c -> Codec.writeChangelog(out, c));
        }

        public Object readResult(In in) {
            int n = in.count();
            List<ChangelogRecord> l = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                l.add(Codec.readChangelog(in));
            }
            return l;
        }
    }

    record DomRead(Fid fid, long offset, int length) implements Query {
        public void writeResult(Out out, Object r) {
            out.bytes((byte[]) r);
        }

        public Object readResult(In in) {
            return in.bytes();
        }
    }

    /** Resolve, access check, xattrs and data-on-MDT bytes in one read (MetadataService.fetch). */
    record Fetch(Caller caller, Fid dir, String path, int mask, List<String> xattrNames, int maxData) implements Query {
        public Fetch {
            xattrNames = List.copyOf(xattrNames);
        }

        public void writeResult(Out out, Object r) {
            io.nacre.engine.meta.Fetched f = (io.nacre.engine.meta.Fetched) r;
            Codec.writeAttr(out, f.attr());
            out.i32(f.xattrs().size());
            f.xattrs().forEach((k, v) -> out.str(k).bytes(v));
            out.bytes(f.data());
        }

        public Object readResult(In in) {
            io.nacre.engine.meta.Attr a = Codec.readAttr(in);
            int n = in.count();
            Map<String, byte[]> m = new LinkedHashMap<>();
            for (int i = 0; i < n; i++) {
                m.put(in.str(), in.bytes());
            }
            return new io.nacre.engine.meta.Fetched(a, m, in.bytes());
        }
    }

    /** An OST's referenced objects, a page (MetadataService.referencedObjects; see {@link ReferencedViews}). */
    record Referenced(int ost, long after, long below, int max) implements Query {
        public void writeResult(Out out, Object r) {
            io.nacre.engine.meta.ReferencedObjects page = (io.nacre.engine.meta.ReferencedObjects) r;
            out.i64(page.allocated()).bool(page.more()).i32(page.ids().length);
            for (long id : page.ids()) {
                out.i64(id);
            }
        }

        public Object readResult(In in) {
            long allocated = in.i64();
            boolean more = in.bool();
            int n = in.i32();
            if (n < 0 || n > io.nacre.engine.meta.MetadataService.REFERENCED_MAX) {
                throw new NacreException(Status.IO, "malformed referenced-objects page of " + n + " ids");
            }
            long[] ids = new long[n];
            for (int i = 0; i < n; i++) {
                ids[i] = in.i64();
            }
            return new io.nacre.engine.meta.ReferencedObjects(allocated, ids, more);
        }
    }

    /** Lustre's fid2path: one path of an inode from the root (see {@link FidPaths}). */
    record Path(Fid fid) implements Query {
        public void writeResult(Out out, Object r) {
            out.str((String) r);
        }

        public Object readResult(In in) {
            return in.str();
        }
    }

    /** A read of the HSM coordinator (see {@link HsmQuery}). */
    record Hsm(HsmQuery query) implements Query {
        public void writeResult(Out out, Object r) {
            query.writeResult(out, r);
        }

        public Object readResult(In in) {
            return query.readResult(in);
        }
    }

    /** Queries answered with one Attr. */
    sealed interface AttrResult extends Query permits Getattr, Lookup, Resolve {
        default void writeResult(Out out, Object r) {
            Codec.writeAttr(out, (io.nacre.engine.meta.Attr) r);
        }

        default Object readResult(In in) {
            return Codec.readAttr(in);
        }
    }

    /** Queries answered with a DirPage. */
    sealed interface PageResult extends Query permits Readdir, ListNames {
        default void writeResult(Out out, Object r) {
            Codec.writeDirPage(out, (io.nacre.engine.meta.DirPage) r);
        }

        default Object readResult(In in) {
            return Codec.readDirPage(in);
        }
    }

    // ---- envelopes: how many peers, and reads after a barrier ------------------------------------

    /** Envelope tags, outside the range of query tags. */
    int PEER_COUNT = 250;
    int AFTER = 251;

    /** Asks a peer how many peers its group has (answered as an {@link Fsid}-shaped long). */
    static byte[] peerCount() {
        return new byte[] {(byte) PEER_COUNT};
    }

    static boolean isPeerCount(byte[] message) {
        return message.length == 1 && (message[0] & 0xff) == PEER_COUNT;
    }

    /** A query to be answered only by a peer that has applied the log up to {@code index}. */
    static byte[] after(long index, byte[] query) {
        Out out = new Out();
        out.u8(AFTER).i64(index);
        byte[] head = out.toByteArray();
        byte[] b = java.util.Arrays.copyOf(head, head.length + query.length);
        System.arraycopy(query, 0, b, head.length, query.length);
        return b;
    }

    /** The log index a message must wait for (0 for a plain query). */
    static long appliedAtLeast(byte[] message) {
        if (message.length < 9 || (message[0] & 0xff) != AFTER) {
            return 0;
        }
        return new In(java.util.Arrays.copyOfRange(message, 1, 9)).i64();
    }

    /** The query inside a message, with or without its envelope. */
    static byte[] inner(byte[] message) {
        return message.length >= 9 && (message[0] & 0xff) == AFTER
                ? java.util.Arrays.copyOfRange(message, 9, message.length) : message;
    }

    // ---- encoding -------------------------------------------------------------------------------

    static byte[] encode(Query q) {
        Out out = new Out();
        switch (q) {
            case Fsid f -> out.u8(1);
            case Getattr g -> {
                out.u8(2);
                Codec.writeFid(out, g.fid());
            }
            case Lookup l -> {
                out.u8(3);
                Codec.writeCaller(out, l.caller());
                Codec.writeFid(out, l.dir());
                out.str(l.name());
            }
            case Resolve r -> {
                out.u8(4);
                Codec.writeCaller(out, r.caller());
                Codec.writeFid(out, r.dir());
                out.str(r.path());
            }
            case CheckAccess a -> {
                out.u8(5);
                Codec.writeCaller(out, a.caller());
                Codec.writeFid(out, a.fid());
                out.i32(a.mask());
            }
            case Readlink r -> {
                out.u8(6);
                Codec.writeFid(out, r.fid());
            }
            case Readdir r -> {
                out.u8(7);
                Codec.writeCaller(out, r.caller());
                Codec.writeFid(out, r.dir());
                out.i64(r.cookie()).i32(r.max());
            }
            case ListNames l -> {
                out.u8(8);
                Codec.writeCaller(out, l.caller());
                Codec.writeFid(out, l.dir());
                out.str(l.startAfter()).i32(l.max());
            }
            case GetXattr g -> {
                out.u8(9);
                Codec.writeCaller(out, g.caller());
                Codec.writeFid(out, g.fid());
                out.str(g.name());
            }
            case Xattrs x -> {
                out.u8(10);
                Codec.writeCaller(out, x.caller());
                Codec.writeFid(out, x.fid());
            }
            case GetLayout l -> {
                out.u8(11);
                Codec.writeFid(out, l.fid());
            }
            case DefaultLayout d -> {
                out.u8(12);
                Codec.writeFid(out, d.dir());
            }
            case Statfs s -> out.u8(13);
            case Osts o -> out.u8(14);
            case PendingDestroys p -> out.u8(15).i32(p.max());
            case Changelog c -> out.u8(16).i64(c.from()).i32(c.max());
            case DomRead d -> {
                out.u8(17);
                Codec.writeFid(out, d.fid());
                out.i64(d.offset()).i32(d.length());
            }
            case Fetch f -> {
                out.u8(18);
                Codec.writeCaller(out, f.caller());
                Codec.writeFid(out, f.dir());
                out.str(f.path()).i32(f.mask()).i32(f.xattrNames().size());
                f.xattrNames().forEach(out::str);
                out.i32(f.maxData());
            }
            case Referenced r -> out.u8(19).i32(r.ost()).i64(r.after()).i64(r.below()).i32(r.max());
            case Path p -> {
                out.u8(40);
                Codec.writeFid(out, p.fid());
            }
            case Hsm h -> {
                out.u8(41);
                HsmQuery.write(out, h.query());
            }
        }
        return out.toByteArray();
    }

    static Query decode(byte[] b) {
        In in = new In(b);
        int tag = in.u8();
        Query q = switch (tag) {
            case 1 -> new Fsid();
            case 2 -> new Getattr(Codec.readFid(in));
            case 3 -> new Lookup(Codec.readCaller(in), Codec.readFid(in), in.str());
            case 4 -> new Resolve(Codec.readCaller(in), Codec.readFid(in), in.str());
            case 5 -> new CheckAccess(Codec.readCaller(in), Codec.readFid(in), in.i32());
            case 6 -> new Readlink(Codec.readFid(in));
            case 7 -> new Readdir(Codec.readCaller(in), Codec.readFid(in), in.i64(), in.i32());
            case 8 -> new ListNames(Codec.readCaller(in), Codec.readFid(in), in.str(), in.i32());
            case 9 -> new GetXattr(Codec.readCaller(in), Codec.readFid(in), in.str());
            case 10 -> new Xattrs(Codec.readCaller(in), Codec.readFid(in));
            case 11 -> new GetLayout(Codec.readFid(in));
            case 12 -> new DefaultLayout(Codec.readFid(in));
            case 13 -> new Statfs();
            case 14 -> new Osts();
            case 15 -> new PendingDestroys(in.i32());
            case 16 -> new Changelog(in.i64(), in.i32());
            case 17 -> new DomRead(Codec.readFid(in), in.i64(), in.i32());
            case 18 -> {
                Caller c = Codec.readCaller(in);
                Fid dir = Codec.readFid(in);
                String path = in.str();
                int mask = in.i32();
                int n = in.count();
                List<String> names = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    names.add(in.str());
                }
                yield new Fetch(c, dir, path, mask, names, in.i32());
            }
            case 19 -> new Referenced(in.i32(), in.i64(), in.i64(), in.i32());
            case 40 -> new Path(Codec.readFid(in));
            case 41 -> new Hsm(HsmQuery.read(in));
            default -> throw new NacreException(Status.INVALID, "malformed metadata query: tag " + tag);
        };
        in.expectEnd();
        return q;
    }
}
