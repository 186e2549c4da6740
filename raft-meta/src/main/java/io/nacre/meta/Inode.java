package io.nacre.meta;

import static java.util.Objects.requireNonNull;

import io.nacre.engine.Fid;
import io.nacre.engine.NacreException;
import io.nacre.engine.Status;
import io.nacre.engine.layout.Component;
import io.nacre.engine.layout.Layout;
import io.nacre.engine.layout.LayoutTemplate;
import io.nacre.engine.meta.Attr;
import io.nacre.engine.meta.FileType;
import io.nacre.engine.meta.HsmState;
import java.util.List;

/**
 * An inode as the namespace keeps it in LMDB: the attributes, plus what each type needs (a directory's
 * parent, cookie counter, entry count and default layout; a file's layout and EXCLUSIVE-create verifier;
 * a symlink's target). Mutable while one operation works on it; {@link #attr()} gives the API's view.
 */
final class Inode {

    static final int S_ISUID = 04000;
    static final int S_ISGID = 02000;
    static final int S_ISVTX = 01000;
    static final int S_IXGRP = 00010;

    /** Readdir cookies 0, 1 and 2 mean "start", ".", ".." to NFS clients; entries start at 3. */
    static final long FIRST_COOKIE = 3;

    private static final int FORMAT = 1;

    final Fid fid;
    final FileType type;
    int mode;
    int nlink;
    int uid;
    int gid;
    long size;
    int rdevMajor;
    int rdevMinor;
    long atime;
    long mtime;
    long ctime;
    long btime;
    long change;
    long dataVersion;
    int hsmFlags;
    int hsmArchive;
    boolean hasVerifier;
    long verifier;
    /** The directory holding this inode's (first) name; itself for the root and the hidden directory. */
    Fid parent;
    long nextCookie;
    long entries;
    /** The file's layout, once read or set; see {@link #layout()}. */
    private Layout layout = Layout.NONE;
    /**
     * The stored record whose layout is not read yet (null once it is read or set), with where the layout
     * lies in it: a stat (LOOKUP, GETATTR) does not need the layout, and making it was a large part of one.
     */
    private byte[] layoutRecord;
    private int layoutStart;
    private int layoutEnd;
    /** Whether the unread layout is released: {@link #spaceUsed()} asks, in every {@link #attr()}. */
    private boolean layoutReleased;
    LayoutTemplate defaultLayout;
    String target;

    Inode(Fid fid, FileType type) {
        this.fid = fid;
        this.type = type;
    }

    /** The file's layout ({@link Layout#NONE} for other types and files without one yet). */
    Layout layout() {
        if (layoutRecord != null) {
            In in = new In(layoutRecord, layoutStart, layoutEnd - layoutStart);
            Layout l = Codec.readLayout(in);
            in.expectEnd();
            layout = l;
            layoutRecord = null;
        }
        return layout;
    }

    void setLayout(Layout l) {
        layout = requireNonNull(l, "layout");
        layoutRecord = null;
    }

    boolean isDir() {
        return type == FileType.DIRECTORY;
    }

    boolean isRegular() {
        return type == FileType.REGULAR;
    }

    /** Records a change to the inode: change counter and ctime. */
    void touchCtime(long now) {
        ctime = now;
        change++;
    }

    /** A change to a directory's entries: mtime, ctime and change. */
    void touchDir(long now) {
        mtime = now;
        touchCtime(now);
    }

    long spaceUsed() {
        return switch (type) {
            case REGULAR -> released() ? 0 : (size + 4095) / 4096 * 4096;
            case DIRECTORY -> 4096;
            default -> 0;
        };
    }

    /** {@link Layout#isReleased()} without a stream: attr() is in every change's reply. */
    private boolean released() {
        if (layoutRecord != null) {
            return layoutReleased;
        }
        List<Component> comps = layout.components();
        if (comps.isEmpty()) {
            return false;
        }
        for (Component c : comps) {
            if (!c.isReleased()) {
                return false;
            }
        }
        return true;
    }

    Attr attr() {
        return new Attr(fid, type, mode, nlink, uid, gid, size, spaceUsed(), rdevMajor, rdevMinor, atime, mtime, ctime,
                btime, change, dataVersion, new HsmState(hsmFlags, hsmArchive));
    }

    byte[] encode() {
        Out out = new Out(160);
        out.u8(FORMAT).u8(Codec.code(type)).i32(mode).i32(nlink).i32(uid).i32(gid).i64(size);
        out.i32(rdevMajor).i32(rdevMinor).i64(atime).i64(mtime).i64(ctime).i64(btime).i64(change).i64(dataVersion);
        out.i32(hsmFlags).i32(hsmArchive).bool(hasVerifier).i64(verifier);
        Codec.writeOptFid(out, parent);
        out.i64(nextCookie).i64(entries);
        if (layoutRecord != null) {
            out.raw(layoutRecord, layoutStart, layoutEnd - layoutStart); // as read: unchanged
        } else {
            Codec.writeLayout(out, layout);
        }
        Codec.writeOptTemplate(out, defaultLayout);
        out.str(target);
        return out.toByteArray();
    }

    static Inode decode(Fid fid, byte[] b) {
        In in = new In(b);
        int format = in.u8();
        if (format != FORMAT) {
            throw new NacreException(Status.CORRUPT, "inode " + fid + " has unknown record format " + format);
        }
        Inode n = new Inode(fid, Codec.fileType(in.u8()));
        n.mode = in.i32();
        n.nlink = in.i32();
        n.uid = in.i32();
        n.gid = in.i32();
        n.size = in.i64();
        n.rdevMajor = in.i32();
        n.rdevMinor = in.i32();
        n.atime = in.i64();
        n.mtime = in.i64();
        n.ctime = in.i64();
        n.btime = in.i64();
        n.change = in.i64();
        n.dataVersion = in.i64();
        n.hsmFlags = in.i32();
        n.hsmArchive = in.i32();
        n.hasVerifier = in.bool();
        n.verifier = in.i64();
        n.parent = Codec.readOptFid(in);
        n.nextCookie = in.i64();
        n.entries = in.i64();
        n.layoutStart = in.position();
        n.layoutReleased = Codec.skipLayout(in);
        n.layoutEnd = in.position();
        n.layoutRecord = b;
        n.defaultLayout = Codec.readOptTemplate(in);
        n.target = in.str();
        in.expectEnd();
        return n;
    }
}
