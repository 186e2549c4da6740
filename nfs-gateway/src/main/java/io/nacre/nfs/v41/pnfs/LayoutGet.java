package io.nacre.nfs.v41.pnfs;

import static io.nacre.nfs.v41.xdr.Nfs4Status.*;

import io.nacre.engine.Fid;
import io.nacre.engine.layout.Component;
import io.nacre.engine.layout.Extent;
import io.nacre.engine.layout.Layout;
import io.nacre.engine.layout.ObjectRef;
import io.nacre.engine.layout.Placement;
import io.nacre.engine.meta.Attr;
import io.nacre.nfs.v41.CompoundContext;
import io.nacre.nfs.v41.NfsException;
import io.nacre.nfs.v41.ops.Operation;
import io.nacre.nfs.v41.state.LockState;
import io.nacre.nfs.v41.state.OpenState;
import io.nacre.nfs.v41.state.State;
import io.nacre.nfs.v41.xdr.DeviceId4;
import io.nacre.nfs.v41.xdr.FileLayout4;
import io.nacre.nfs.v41.xdr.Layout4;
import io.nacre.nfs.v41.xdr.LayoutGetArgs;
import io.nacre.nfs.v41.xdr.LayoutGetRes;
import io.nacre.nfs.v41.xdr.Nfs4;
import io.nacre.nfs.v41.xdr.OpArgs;
import io.nacre.nfs.v41.xdr.OpNum;
import io.nacre.nfs.v41.xdr.OpRes;
import io.nacre.nfs.v41.xdr.Stateid4;
import io.nacre.nfs.v41.xdr.XdrIo;
import java.util.ArrayList;
import java.util.List;

/**
 * LAYOUTGET (RFC 8881 §18.43) with LAYOUT4_NFSV4_1_FILES layouts: the component holding the requested
 * offset, as one layout whose stripe unit is the component's stripe size, one data server and one
 * filehandle per stripe in stripe order, dense packing, and the pattern offset at the component's start
 * (what {@link io.nacre.engine.layout.Striping} computes). A write layout instantiates the component
 * first. Components a file layout cannot express (data on the MDT, released by HSM, mirrors, OSTs
 * without a data server) get NFS4ERR_LAYOUTUNAVAILABLE: the client does that I/O through the MDS. A file
 * the same compound's OPEN created gets NFS4ERR_LAYOUTTRYLATER (§18.43.3): the client asks at its first I/O.
 */
public final class LayoutGet implements Operation {

    @Override
    public OpRes apply(CompoundContext ctx, OpArgs args) {
        LayoutGetArgs a = (LayoutGetArgs) args;
        MetadataServerRole role = MetadataServerRole.of(ctx);
        ctx.requireExported();
        Fid fid = ctx.currentFh();
        if (a.layoutType() != Nfs4.LAYOUT4_NFSV4_1_FILES) {
            throw new NfsException(NFS4ERR_UNKNOWN_LAYOUTTYPE, "layout type " + a.layoutType());
        }
        boolean write = switch (a.iomode()) {
            case Nfs4.LAYOUTIOMODE4_READ -> false;
            case Nfs4.LAYOUTIOMODE4_RW -> true;
            default -> throw new NfsException(NFS4ERR_BADIOMODE, "LAYOUTGET iomode " + a.iomode());
        };
        if (a.length() == 0 || (a.length() != Layouts.TO_EOF && a.offset() > Long.MAX_VALUE - a.length())
                || a.offset() < 0) {
            throw new NfsException(NFS4ERR_INVAL, "LAYOUTGET range " + a.offset() + "+" + a.length());
        }
        if (write) {
            ctx.requireWritable();
        }
        Attr attr = ctx.knownAttr(fid);
        if (!attr.isRegular()) {
            throw new NfsException(attr.isDir() ? NFS4ERR_ISDIR : NFS4ERR_WRONG_TYPE, "layouts are of regular files");
        }
        Stateid4 given = ctx.stateid(a.stateid());
        if (Layouts.isLayoutStateid(given)) {
            role.layouts().check(ctx.client(), fid, given);
        } else {
            State st = ctx.server().state().check(ctx.client(), fid, given);
            OpenState open = st instanceof LockState ls ? ls.open() : (OpenState) st;
            if (write && !open.canWrite()) {
                throw new NfsException(NFS4ERR_OPENMODE, "a write layout through an open for reading");
            }
        }
        if (ctx.createdHere(fid) && attr.size() == 0) {
            // Linux asks for a layout inside the OPEN of every create (fs/nfs/pnfs.c, lgopen). Most new files
            // are never written (touch, lock files, a big directory of empty files), and one granted here
            // costs the MDS a layout read now and, at its return, an OST glimpse of every stripe. Linux ignores
            // this error of an OPEN's LAYOUTGET (no fail bit, layoutget on open stays on) and asks again at
            // its first write, on the data servers' side of the same objects (made by the create).
            throw new NfsException(NFS4ERR_LAYOUTTRYLATER, fid + " was created in this compound: ask at the first I/O");
        }

        Layout layout = ctx.server().md().layout(fid);
        if (layout.mirrors().size() > 1) {
            throw new NfsException(NFS4ERR_LAYOUTUNAVAILABLE, fid + " is mirrored: file layouts cannot write mirrors");
        }
        Component c = layout.isEmpty() ? null : layout.componentAt(layout.mirrors().get(0), a.offset());
        if (write && (c == null || (c.raid0() != null && !c.raid0().instantiated()))) {
            layout = ctx.server().md().instantiate(fid, a.offset(), 1);
            c = layout.isEmpty() ? null : layout.componentAt(layout.mirrors().get(0), a.offset());
        }
        if (write) {
            // a truncate's punch that failed (an OSS away) runs before anyone writes the objects directly: run
            // after their writes it would cut them off, and until it runs the glimpse counts what it cuts off
            ctx.server().io().performFence(fid);
        }
        Placement.Raid0 raid0 = c == null ? null : c.raid0();
        if (raid0 == null || !raid0.instantiated()) {
            throw new NfsException(NFS4ERR_LAYOUTUNAVAILABLE, fid + " has no OST objects at " + a.offset());
        }
        List<Integer> osts = raid0.objects().stream().map(ObjectRef::ost).toList();
        DeviceId4 device = role.devices().deviceFor(osts).orElseThrow(() ->
                new NfsException(NFS4ERR_LAYOUTUNAVAILABLE, "an OST of " + fid + " has no data server"));
        long length = c.end() == Extent.EOF ? Layouts.TO_EOF : c.extent().length();
        // every handle and stateid encodes to the same size: measure the reply before granting anything
        Layout4 probe = layout4(role, fid, layout, c, raid0, device, a.iomode(), length, 0);
        if (Integer.toUnsignedLong(a.maxCount())
                < XdrIo.toBytes(new LayoutGetRes(false, given, List.of(probe))).length) {
            throw new NfsException(NFS4ERR_TOOSMALL, "the layout does not fit in " + a.maxCount() + " bytes");
        }
        Stateid4 stateid = role.layouts().grant(ctx.client(), fid, given, a.iomode(), c.start(), length);
        if (write) {
            // after the grant, so that no GETATTR keeps from now on what the client's writes will change (see
            // CompoundContext#target): a client that returns the layout without a LAYOUTCOMMIT leaves the
            // change attribute where it was
            ctx.server().io().forgetSpaceUsed(fid);
        }
        Layout4 granted = layout4(role, fid, layout, c, raid0, device, a.iomode(), length, stateid.id());
        ctx.currentStateid(stateid);
        return OpRes.ok(OpNum.LAYOUTGET, new LayoutGetRes(Layouts.returnOnClose(a.iomode()), stateid,
                List.of(granted)));
    }

    /** The layout4 of a component, with one data-server handle per stripe made for the grant. */
    private static Layout4 layout4(MetadataServerRole role, Fid fid, Layout layout, Component c, Placement.Raid0 raid0,
                                   DeviceId4 device, int iomode, long length, long grant) {
        List<byte[]> fhs = new ArrayList<>(raid0.stripeCount());
        for (ObjectRef o : raid0.objects()) {
            fhs.add(role.handles().encode(new DsHandle(fid, o, layout.generation(), grant,
                    iomode == Nfs4.LAYOUTIOMODE4_READ)));
        }
        // the stripe size is a multiple of 64 KiB, so its low bits are free for the flags (§13.3)
        FileLayout4 body = new FileLayout4(device, raid0.stripeSize() | FileLayout4.NFL4_UFLG_DENSE, 0, c.start(), fhs);
        return new Layout4(c.start(), length, iomode, Nfs4.LAYOUT4_NFSV4_1_FILES, XdrIo.toBytes(body));
    }
}
