package io.nacre.nfs.v41.ops;

import static io.nacre.nfs.v41.xdr.Nfs4Status.*;

import io.nacre.engine.meta.CreateSpec;
import io.nacre.engine.meta.FileType;
import io.nacre.engine.meta.Results.Created;
import io.nacre.engine.meta.SetAttr;
import io.nacre.nfs.v41.CompoundContext;
import io.nacre.nfs.v41.NfsException;
import io.nacre.nfs.v41.attr.SetAttrs;
import io.nacre.nfs.v41.xdr.CreateArgs;
import io.nacre.nfs.v41.xdr.CreateRes;
import io.nacre.nfs.v41.xdr.Nfs4;
import io.nacre.nfs.v41.xdr.OpArgs;
import io.nacre.nfs.v41.xdr.OpNum;
import io.nacre.nfs.v41.xdr.OpRes;

/** CREATE: directories, symlinks, devices, sockets and fifos (regular files come from OPEN). */
final class Create implements Operation {

    @Override
    public OpRes apply(CompoundContext ctx, OpArgs args) {
        CreateArgs a = (CreateArgs) args;
        ctx.requireWritable();
        FileType type = switch (a.type()) {
            case Nfs4.NF4DIR -> FileType.DIRECTORY;
            case Nfs4.NF4LNK -> FileType.SYMLINK;
            case Nfs4.NF4BLK -> FileType.BLOCK;
            case Nfs4.NF4CHR -> FileType.CHAR;
            case Nfs4.NF4SOCK -> FileType.SOCKET;
            case Nfs4.NF4FIFO -> FileType.FIFO;
            default -> throw new NfsException(NFS4ERR_BADTYPE, "CREATE of type " + a.type());
        };
        String name = Names.component(a.name());
        SetAttrs attrs = SetAttrs.decode(a.attrs(), ctx.server().attrs(), ctx.server().ids());
        if (attrs.size() != null) {
            throw new NfsException(NFS4ERR_INVAL, "size cannot be set on a " + type);
        }
        int defaultMode = type == FileType.DIRECTORY || type == FileType.SYMLINK ? 0777 : 0644;
        CreateSpec.Builder spec = CreateSpec.builder(type)
                .mode(attrs.mode() != null ? attrs.mode() : defaultMode)
                .initial(new SetAttr(null, attrs.uid(), attrs.gid(), null, attrs.atime(), attrs.mtime(), null));
        if (type == FileType.SYMLINK) {
            spec.symlinkTarget(Names.linkText(a.linkData()));
        }
        if (type == FileType.BLOCK || type == FileType.CHAR) {
            spec.rdev(a.specMajor(), a.specMinor());
        }
        Created c = ctx.server().md().create(ctx.caller(), ctx.currentFh(), name, spec.build());
        ctx.currentFh(c.attr().fid());
        return OpRes.ok(OpNum.CREATE, new CreateRes(Names.cinfo(c.dir()), attrs.mask()));
    }
}
