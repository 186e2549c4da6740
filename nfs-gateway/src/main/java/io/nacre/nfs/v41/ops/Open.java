package io.nacre.nfs.v41.ops;

import static io.nacre.nfs.v41.xdr.Nfs4.*;
import static io.nacre.nfs.v41.xdr.Nfs4Status.*;

import io.nacre.engine.Caller;
import io.nacre.engine.Fid;
import io.nacre.engine.meta.Access;
import io.nacre.engine.meta.Attr;
import io.nacre.engine.meta.CreateSpec;
import io.nacre.engine.meta.FileType;
import io.nacre.engine.meta.MetadataService;
import io.nacre.engine.meta.Results.Created;
import io.nacre.engine.meta.SetAttr;
import io.nacre.nfs.v41.CompoundContext;
import io.nacre.nfs.v41.NfsException;
import io.nacre.nfs.v41.attr.AttrNum;
import io.nacre.nfs.v41.attr.Bitmap;
import io.nacre.nfs.v41.attr.SetAttrs;
import io.nacre.nfs.v41.pnfs.MetadataServerRole;
import io.nacre.nfs.v41.state.OpenState;
import io.nacre.nfs.v41.xdr.ChangeInfo4;
import io.nacre.nfs.v41.xdr.OpArgs;
import io.nacre.nfs.v41.xdr.OpNum;
import io.nacre.nfs.v41.xdr.OpRes;
import io.nacre.nfs.v41.xdr.OpenArgs;
import io.nacre.nfs.v41.xdr.OpenRes;
import java.util.concurrent.CompletableFuture;

/**
 * OPEN (RFC 8881 §18.16): by name in the current directory (CLAIM_NULL, creating the file in any of
 * the create modes: UNCHECKED4, GUARDED4, EXCLUSIVE4 and EXCLUSIVE4_1 with the verifier kept by the
 * MDS), by filehandle (CLAIM_FH), or as a reclaim after a restart (CLAIM_PREVIOUS). No delegations
 * are granted. The result flags promise POSIX locks, that a removed open file stays readable, and
 * CB_NOTIFY_LOCK for clients waiting for a lock.
 */
final class Open implements Operation {

    private static final int RFLAGS = OPEN4_RESULT_LOCKTYPE_POSIX | OPEN4_RESULT_PRESERVE_UNLINKED
            | OPEN4_RESULT_MAY_NOTIFY_LOCK;

    /**
     * What the name or filehandle led to, with its attributes when the MDS gave them, and whether the create that
     * found or made it marked it open by this gateway ({@code marked}: a named gateway's create does; {@code ticket}
     * is {@link io.nacre.nfs.v41.UnlinkedFiles#unmarksAnswered} before it was sent).
     */
    private record Target(Fid fid, Attr attr, ChangeInfo4 cinfo, boolean created, int[] attrset, boolean marked,
            long ticket) {

        Target(Fid fid, Attr attr, ChangeInfo4 cinfo, boolean created, int[] attrset) {
            this(fid, attr, cinfo, created, attrset, false, 0);
        }
    }

    @Override
    public OpRes apply(CompoundContext ctx, OpArgs args) {
        OpenArgs a = (OpenArgs) args;
        checkShares(ctx, a);
        Caller caller = ctx.caller();
        boolean reclaim = false;
        Target t = switch (a.claimType()) {
            case CLAIM_NULL -> byName(ctx, a, caller);
            case CLAIM_FH -> byHandle(ctx, a);
            case CLAIM_PREVIOUS -> {
                if (a.claimDelegateType() != OPEN_DELEGATE_NONE) {
                    throw new NfsException(NFS4ERR_RECLAIM_BAD, "no delegation was granted to reclaim");
                }
                reclaim = true;
                yield byHandle(ctx, a);
            }
            case CLAIM_DELEGATE_CUR, CLAIM_DELEG_CUR_FH ->
                    throw new NfsException(NFS4ERR_BAD_STATEID, "no delegation was granted");
            default -> throw new NfsException(NFS4ERR_NOTSUPP, "open claim " + a.claimType());
        };
        return opened(ctx, a, t, reclaim);
    }

    /**
     * An OPEN that creates by name (CLAIM_NULL, OPEN4_CREATE: every create Linux sends) needs nothing but the
     * MDS's change before its state, which takes no wait: the change is queued and the OPEN completes when it
     * is applied, without a worker waiting for it (as {@link Remove#applyAsync}). An UNCHECKED4 create that
     * sets a size (O_CREAT|O_TRUNC) may truncate an existing file, which recalls layouts and punches objects:
     * it runs on a worker ({@link #apply}), as does every other OPEN.
     */
    @Override
    public CompletableFuture<OpRes> applyAsync(CompoundContext ctx, OpArgs args) {
        OpenArgs a = (OpenArgs) args;
        if (a.claimType() != CLAIM_NULL || a.openType() != OPEN4_CREATE) {
            return null;
        }
        checkShares(ctx, a);
        Fid dir = ctx.currentFh();
        String name = Names.component(a.claimName());
        SetAttrs attrs = createAttrs(ctx, a);
        if (attrs.size() != null && a.createMode() == UNCHECKED4) {
            return null;
        }
        refuseInGrace(ctx);
        long ticket = ctx.server().unlinked().unmarksAnswered();
        return ctx.server().md().createAsync(ctx.caller(), dir, name, createSpec(ctx, a, attrs))
                .thenApply(c -> opened(ctx, a, created(ctx, attrs, c, ticket), false));
    }

    /** Share access and deny checked, and the export's write permission when the OPEN writes or creates. */
    private static void checkShares(CompoundContext ctx, OpenArgs a) {
        int access = a.shareAccess() & OPEN4_SHARE_ACCESS_BOTH;
        int want = a.shareAccess() & ~OPEN4_SHARE_ACCESS_BOTH;
        if (access == 0 || (want & ~OPEN4_SHARE_ACCESS_WANT_DELEG_MASK & ~0x30000) != 0
                || (a.shareDeny() & ~OPEN4_SHARE_DENY_BOTH) != 0) {
            throw new NfsException(NFS4ERR_INVAL, "share access " + a.shareAccess() + " deny " + a.shareDeny());
        }
        if ((access & OPEN4_SHARE_ACCESS_WRITE) != 0 || a.openType() == OPEN4_CREATE) {
            ctx.requireWritable();
        }
    }

    /** The OPEN's state and result, once the file it opens is known. */
    private static OpRes opened(CompoundContext ctx, OpenArgs a, Target t, boolean reclaim) {
        int access = a.shareAccess() & OPEN4_SHARE_ACCESS_BOTH;
        int want = a.shareAccess() & ~OPEN4_SHARE_ACCESS_BOTH;
        if (t.attr() != null) {
            ctx.remember(t.attr());
        }
        if (!t.created() && !reclaim) {
            // the creator of a new file may open it whatever its mode says (open(2) with O_CREAT)
            int mask = ((access & OPEN4_SHARE_ACCESS_READ) != 0 ? Access.READ : 0)
                    | ((access & OPEN4_SHARE_ACCESS_WRITE) != 0 ? Access.WRITE : 0);
            if (ctx.access(t.fid(), mask) != mask) {
                throw new NfsException(NFS4ERR_ACCESS, "open for access " + access);
            }
        }
        if (t.marked()) {
            ctx.server().unlinked().markedAtCreate(t.fid(), !t.created(), t.ticket());
        }
        OpenState os = ctx.server().state().open(ctx.client(), a.owner(), t.fid(), access, a.shareDeny(), reclaim);
        if (!t.marked()) {
            // a named gateway's first open of the file marks it on the MDS, before the OPEN is answered
            try {
                ctx.server().unlinked().opened(t.fid());
            } catch (RuntimeException e) {
                if (os.stateid().seqid() == 1) {
                    ctx.server().state().close(ctx.client(), t.fid(), os.stateid()); // a new open the client never saw
                }
                throw e;
            }
        }
        if (reclaim) {
            ctx.server().unlinked().readopt(t.fid());
        }
        ctx.currentFh(t.fid());
        ctx.currentStateid(os.stateid());
        if (t.created()) {
            ctx.created(t.fid());
        }
        int delegation = OPEN_DELEGATE_NONE;
        int why = 0;
        int wantDeleg = want & OPEN4_SHARE_ACCESS_WANT_DELEG_MASK;
        if (wantDeleg != 0) {
            delegation = OPEN_DELEGATE_NONE_EXT;
            why = wantDeleg == OPEN4_SHARE_ACCESS_WANT_NO_DELEG || wantDeleg == OPEN4_SHARE_ACCESS_WANT_CANCEL
                    ? WND4_NOT_WANTED : WND4_RESOURCE;
        }
        return OpRes.ok(OpNum.OPEN, new OpenRes(os.stateid(), t.cinfo(), RFLAGS, t.attrset(), delegation, why));
    }

    private static Target byHandle(CompoundContext ctx, OpenArgs a) {
        if (a.openType() == OPEN4_CREATE) {
            throw new NfsException(NFS4ERR_INVAL, "create by filehandle");
        }
        Fid fid = ctx.currentFh();
        checkType(ctx.knownAttr(fid));
        return new Target(fid, null, new ChangeInfo4(false, 0, 0), false, new int[0]);
    }

    private static Target byName(CompoundContext ctx, OpenArgs a, Caller caller) {
        Fid dir = ctx.currentFh();
        String name = Names.component(a.claimName());
        MetadataService md = ctx.server().md();
        if (a.openType() != OPEN4_CREATE) {
            Attr attr = md.lookup(caller, dir, name);
            checkType(attr);
            // nothing changed in the directory; clients read cinfo only of opens that create
            return new Target(attr.fid(), attr, new ChangeInfo4(false, 0, 0), false, new int[0]);
        }
        SetAttrs attrs = createAttrs(ctx, a);
        refuseInGrace(ctx);
        long ticket = ctx.server().unlinked().unmarksAnswered();
        Created c = md.create(caller, dir, name, createSpec(ctx, a, attrs));
        if (c.existed() && attrs.size() != null && a.createMode() == UNCHECKED4) {
            checkType(c.attr());
            // O_CREAT|O_TRUNC on an existing file: truncate, with the caller's write permission, once its
            // layouts are back (NFS4ERR_DELAY until then: the create found the file, nothing changed)
            Fid fid = c.attr().fid();
            Attr attr;
            try (var recall = MetadataServerRole.recall(ctx, fid, "truncate at open")) {
                attr = ctx.server().io().truncate(caller, fid, attrs.size());
            }
            return new Target(fid, attr, Names.cinfo(c.dir()), false, Bitmap.of(AttrNum.SIZE), marked(ctx), ticket);
        }
        return created(ctx, attrs, c, ticket);
    }

    /** Whether this gateway's creates mark the file they open on the MDS (a named gateway's). */
    private static boolean marked(CompoundContext ctx) {
        return ctx.server().unlinked().opener() != null;
    }

    /**
     * RFC 8881 §8.4.2.1: in the grace period a non-reclaim OPEN is refused with NFS4ERR_GRACE, and so must not
     * create the file first (the open state would refuse it only after the create: Linux retries with a new
     * exclusive verifier and got NFS4ERR_EXIST for a file its own refused OPEN had made).
     */
    private static void refuseInGrace(CompoundContext ctx) {
        if (ctx.server().state().inGrace()) {
            throw new NfsException(NFS4ERR_GRACE, "in the grace period");
        }
    }

    /** The attributes the create asks for (none for EXCLUSIVE4, whose verifier takes the place of times). */
    private static SetAttrs createAttrs(CompoundContext ctx, OpenArgs a) {
        return a.createMode() == EXCLUSIVE4 ? SetAttrs.NONE
                : SetAttrs.decode(a.createAttrs(), ctx.server().attrs(), ctx.server().ids());
    }

    private static CreateSpec createSpec(CompoundContext ctx, OpenArgs a, SetAttrs attrs) {
        CreateSpec.Builder spec = CreateSpec.builder(FileType.REGULAR)
                .mode(attrs.mode() != null ? attrs.mode() : 0644)
                .initial(new SetAttr(null, attrs.uid(), attrs.gid(), null, attrs.atime(), attrs.mtime(), null));
        switch (a.createMode()) {
            case UNCHECKED4 -> spec.how(CreateSpec.How.UNCHECKED);
            case GUARDED4 -> spec.how(CreateSpec.How.GUARDED);
            case EXCLUSIVE4, EXCLUSIVE4_1 -> spec.exclusive(a.createVerifier());
            default -> throw new NfsException(NFS4ERR_INVAL, "create mode " + a.createMode());
        }
        // a named gateway's create marks the file it opens (made or found) in the same change: no entry of its own
        return spec.build().openedBy(ctx.server().unlinked().opener());
    }

    /** What a create (without a truncate) led to: the new file with the attributes set, or the one there. */
    private static Target created(CompoundContext ctx, SetAttrs attrs, Created c, long ticket) {
        if (c.existed()) {
            checkType(c.attr());
            return new Target(c.attr().fid(), c.attr(), Names.cinfo(c.dir()), false, new int[0], marked(ctx), ticket);
        }
        return new Target(c.attr().fid(), c.attr(), Names.cinfo(c.dir()), true, attrs.mask(), marked(ctx), ticket);
    }

    private static void checkType(Attr a) {
        switch (a.type()) {
            case REGULAR -> {
            }
            case DIRECTORY -> throw new NfsException(NFS4ERR_ISDIR, "OPEN of a directory");
            case SYMLINK -> throw new NfsException(NFS4ERR_SYMLINK, "OPEN of a symlink");
            default -> throw new NfsException(NFS4ERR_WRONG_TYPE, "OPEN of a " + a.type());
        }
    }
}
