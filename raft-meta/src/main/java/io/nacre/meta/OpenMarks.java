package io.nacre.meta;

import io.nacre.engine.Fid;
import io.nacre.engine.NacreException;
import io.nacre.engine.Status;
import io.nacre.engine.meta.FileType;
import io.nacre.engine.meta.Opener;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Files held open by gateways, as Lustre's MDT tracks opens: a gateway marks a file at its first open and
 * unmarks it at its last close; a file whose last name goes while marked is kept, without a link, in
 * {@link Fid#PENDING} (Lustre's PENDING directory, owned by the MDS), and goes when its last mark goes.
 *
 * <p>Records in the {@code open} database: by file, {@code 'f' fid} -> the file's marks (gateway and instance,
 * in name order), so an unlink asks one key whether its file is held; by gateway, {@code 'g' length name fid} ->
 * instance, so a gateway's marks are found without a scan of all (a restarted gateway drops its stale ones).
 * The counter {@code open.files} (how many files carry marks) lets an unlink skip even that key while none do.
 */
final class OpenMarks {

    private static final byte BY_FILE = 'f';
    private static final byte BY_GATEWAY = 'g';
    private static final String FILES = "open.files";
    /** Unmarks in one change at most ({@link Op.UnmarkOpens}): one entry stays small whatever a gateway sends. */
    static final int MAX_UNMARKS = 1024;

    private OpenMarks() {
    }

    // ---- operations -------------------------------------------------------------------------------

    static Void mark(Tx tx, Op.MarkOpen op) {
        Inode n = tx.need(op.fid());
        if (!n.isRegular()) {
            throw new NacreException(Status.INVALID, "only regular files are opened (" + n.fid + " is a " + n.type + ")");
        }
        if (tx.dryRun()) {
            return null;
        }
        put(tx, n.fid, op.opener());
        return null;
    }

    static Long unmark(Tx tx, long now, Op.UnmarkOpen op) {
        byte[] gw = name(op.gateway());
        if (tx.dryRun()) {
            return null;
        }
        return drop(tx, now, op.fid(), op.gateway(), gw) ? 1L : 0L;
    }

    /** The files of {@code op} that went with their mark: how many. */
    static Long unmarkAll(Tx tx, long now, Op.UnmarkOpens op) {
        byte[] gw = name(op.gateway());
        if (op.fids().size() > MAX_UNMARKS) {
            throw new NacreException(Status.INVALID, "at most " + MAX_UNMARKS + " unmarks in one change: "
                    + op.fids().size());
        }
        if (tx.dryRun()) {
            return null;
        }
        long went = 0;
        for (Fid f : op.fids()) {
            if (drop(tx, now, f, op.gateway(), gw)) {
                went++;
            }
        }
        return went;
    }

    static Long dropAll(Tx tx, long now, Op.DropOpenMarks op) {
        byte[] gw = name(op.gateway());
        if (op.max() <= 0) {
            throw new NacreException(Status.INVALID, "drop at least one mark at a time: " + op.max());
        }
        if (tx.dryRun()) {
            return null;
        }
        byte[] prefix = gatewayPrefix(gw);
        List<Fid> stale = new ArrayList<>();
        tx.scanOpenMarks(prefix, (k, v) -> {
            if (!startsWith(k, prefix) || stale.size() >= op.max()) {
                return false;
            }
            if (Keys.u64(v) != op.keepInstance() || op.keepInstance() == 0) {
                stale.add(Keys.fid(k, prefix.length));
            }
            return true;
        });
        for (Fid f : stale) {
            drop(tx, now, f, op.gateway(), gw);
        }
        return (long) stale.size();
    }

    /** Marks (or marks again, with a newer instance) {@code fid} open by {@code opener}. */
    static void put(Tx tx, Fid fid, Opener opener) {
        byte[] gw = name(opener.gateway());
        Map<String, Long> marks = marks(tx, fid);
        if (marks.isEmpty()) {
            tx.putMetaLong(FILES, tx.metaLong(FILES, 0) + 1);
        }
        Long before = marks.put(opener.gateway(), opener.instance());
        if (before != null && before == opener.instance()) {
            return;
        }
        tx.putOpenMark(fileKey(fid), encode(marks));
        tx.putOpenMark(gatewayKey(gw, fid), Keys.u64(opener.instance()));
    }

    /** Whether any gateway holds the file open. */
    static boolean marked(Tx tx, Fid fid) {
        return tx.metaLong(FILES, 0) > 0 && tx.openMark(fileKey(fid)) != null;
    }

    /**
     * Keeps a marked file whose last link just went (the caller dropped it to 0 and touched its ctime): its
     * entry in {@link Fid#PENDING} under its Fid in hex, made first in a store from before there was one.
     */
    static void keep(Tx tx, long now, Inode n) {
        Inode pending = pending(tx, now);
        n.parent = Fid.PENDING;
        tx.put(n);
        tx.addDentry(pending, n.fid.toHex(), n);
        pending.touchDir(now);
        tx.put(pending);
    }

    /** Drops one mark; a pending file left with none goes. True when it went. */
    private static boolean drop(Tx tx, long now, Fid fid, String gateway, byte[] gw) {
        Map<String, Long> marks = marks(tx, fid);
        if (marks.remove(gateway) == null) {
            tx.deleteOpenMark(gatewayKey(gw, fid)); // an index entry without its record would only be dropped again
            return false;
        }
        tx.deleteOpenMark(gatewayKey(gw, fid));
        if (!marks.isEmpty()) {
            tx.putOpenMark(fileKey(fid), encode(marks));
            return false;
        }
        tx.deleteOpenMark(fileKey(fid));
        tx.putMetaLong(FILES, tx.metaLong(FILES, 0) - 1);
        Inode n = tx.inode(fid);
        if (n == null || n.nlink > 0) {
            return false;
        }
        Inode pending = tx.need(Fid.PENDING);
        String name = fid.toHex();
        Tx.Dentry d = tx.dentry(Fid.PENDING, name);
        if (d != null) {
            tx.removeDentry(pending, name, d);
            pending.touchDir(now);
            tx.put(pending);
        }
        Namespace.destroyFile(tx, now, n);
        return true;
    }

    /** The PENDING directory, made on first use in a store formatted before it existed (deterministic: state only). */
    private static Inode pending(Tx tx, long now) {
        Inode p = tx.inode(Fid.PENDING);
        if (p == null) {
            p = newPendingDirectory(now);
            tx.put(p);
            tx.countNewInode();
        }
        return p;
    }

    /** PENDING as format makes it: root's, 0700, its own parent (reachable only by Fid, as the hidden directory). */
    static Inode newPendingDirectory(long now) {
        Inode p = new Inode(Fid.PENDING, FileType.DIRECTORY);
        p.mode = 0700;
        p.nlink = 2;
        p.atime = p.mtime = p.ctime = p.btime = now;
        p.change = 1;
        p.parent = Fid.PENDING;
        p.nextCookie = Inode.FIRST_COOKIE;
        return p;
    }

    // ---- records ----------------------------------------------------------------------------------

    /** The file's marks, gateway -> instance, in name order (a new map: the caller may change it). */
    private static Map<String, Long> marks(Tx tx, Fid fid) {
        Map<String, Long> out = new TreeMap<>();
        byte[] v = tx.metaLong(FILES, 0) > 0 ? tx.openMark(fileKey(fid)) : null;
        if (v == null) {
            return out;
        }
        In in = new In(v);
        int n = in.count();
        for (int i = 0; i < n; i++) {
            out.put(in.str(), in.i64());
        }
        in.expectEnd();
        return out;
    }

    private static byte[] encode(Map<String, Long> marks) {
        Out out = new Out(16 + 24 * marks.size());
        out.i32(marks.size());
        marks.forEach((g, i) -> out.str(g).i64(i));
        return out.toByteArray();
    }

    private static byte[] name(String gateway) {
        try {
            return Opener.checkName(gateway).getBytes(StandardCharsets.UTF_8);
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new NacreException(Status.INVALID, String.valueOf(e.getMessage()));
        }
    }

    private static byte[] fileKey(Fid fid) {
        byte[] k = new byte[1 + Fid.BYTES];
        k[0] = BY_FILE;
        System.arraycopy(Keys.fid(fid), 0, k, 1, Fid.BYTES);
        return k;
    }

    private static byte[] gatewayPrefix(byte[] gw) {
        byte[] k = new byte[2 + gw.length];
        k[0] = BY_GATEWAY;
        k[1] = (byte) gw.length;
        System.arraycopy(gw, 0, k, 2, gw.length);
        return k;
    }

    private static byte[] gatewayKey(byte[] gw, Fid fid) {
        byte[] prefix = gatewayPrefix(gw);
        byte[] k = Arrays.copyOf(prefix, prefix.length + Fid.BYTES);
        System.arraycopy(Keys.fid(fid), 0, k, prefix.length, Fid.BYTES);
        return k;
    }

    private static boolean startsWith(byte[] key, byte[] prefix) {
        return key.length == prefix.length + Fid.BYTES && Arrays.equals(key, 0, prefix.length, prefix, 0, prefix.length);
    }
}
