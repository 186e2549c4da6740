package io.nacre.nfs.v41.ops;

import static io.nacre.nfs.v41.xdr.Nfs4Status.*;

import io.nacre.engine.Caller;
import io.nacre.engine.Fid;
import io.nacre.engine.meta.Attr;
import io.nacre.engine.meta.DirEntry;
import io.nacre.engine.meta.DirPage;
import io.nacre.nfs.v41.CompoundContext;
import io.nacre.nfs.v41.NfsException;
import io.nacre.nfs.v41.attr.AttrEncoder;
import io.nacre.nfs.v41.xdr.Fattr4;
import io.nacre.nfs.v41.xdr.OpArgs;
import io.nacre.nfs.v41.xdr.OpNum;
import io.nacre.nfs.v41.xdr.OpRes;
import io.nacre.nfs.v41.xdr.ReaddirArgs;
import io.nacre.nfs.v41.xdr.ReaddirRes;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * READDIR with the attributes asked for each entry. Cookies are the MDS's (stable across calls and
 * restarts, never 0, 1 or 2) and so is the verifier. As many entries as fit in maxcount.
 */
final class Readdir implements Operation {

    @Override
    public OpRes apply(CompoundContext ctx, OpArgs args) {
        ReaddirArgs a = (ReaddirArgs) args;
        if (a.cookie() == 1 || a.cookie() == 2) {
            throw new NfsException(NFS4ERR_BAD_COOKIE, "cookies 1 and 2 are reserved");
        }
        Fid dir = ctx.currentFh();
        Caller caller = ctx.caller();
        int maxcount = (int) Math.min(Integer.toUnsignedLong(a.maxcount()), ctx.session().fore().maxResponseSize());
        int budget = maxcount - ReaddirRes.EMPTY_SIZE - Read.REPLY_OVERHEAD;
        AttrEncoder enc = ctx.server().attrs();
        List<ReaddirRes.Entry> out = new ArrayList<>();
        long cookie = a.cookie();
        int used = 0;
        boolean eof = false;
        boolean full = false;
        long verifier = 0;
        boolean first = true;
        while (!full && !eof) {
            int want = Math.max(16, Math.min(1024, (budget - used) / 96));
            DirPage page = ctx.server().md().readdir(caller, dir, cookie, want);
            if (first) {
                verifier = page.verifier();
                if (a.cookie() != 0 && a.verifier() != 0 && a.verifier() != verifier) {
                    throw new NfsException(NFS4ERR_NOT_SAME, "cookie verifier changed");
                }
                first = false;
            }
            int taken = 0;
            for (DirEntry e : page.entries()) {
                ReaddirRes.Entry entry = new ReaddirRes.Entry(e.cookie(), e.name().getBytes(StandardCharsets.UTF_8),
                        attrs(ctx, enc, a.mask(), e));
                int size = entry.encodedSize();
                if (used + size > budget) {
                    full = true;
                    break;
                }
                out.add(entry);
                used += size;
                cookie = e.cookie();
                taken++;
            }
            eof = !full && page.eof();
            if (taken == 0 && !eof) {
                break;
            }
        }
        if (out.isEmpty() && !eof) {
            throw new NfsException(NFS4ERR_TOOSMALL, "maxcount " + a.maxcount() + " holds no entry");
        }
        return OpRes.ok(OpNum.READDIR, new ReaddirRes(verifier, out, eof));
    }

    private static Fattr4 attrs(CompoundContext ctx, AttrEncoder enc, int[] mask, DirEntry e) {
        Attr attr = e.attr();
        if (attr.isRegular() && ctx.server().state().isOpen(attr.fid())) {
            // a file being written here: its size and times include what is not committed yet
            attr = ctx.attr(attr.fid());
        }
        return enc.encode(mask, ctx.listingTarget(attr));
    }
}
