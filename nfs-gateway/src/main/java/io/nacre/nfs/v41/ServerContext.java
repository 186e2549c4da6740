package io.nacre.nfs.v41;

import io.nacre.engine.Fid;
import io.nacre.engine.io.FileIo;
import io.nacre.engine.meta.MetadataService;
import io.nacre.nfs.export.ExportTable;
import io.nacre.nfs.v41.attr.AttrEncoder;
import io.nacre.nfs.v41.attr.IdMapper;
import io.nacre.nfs.v41.pnfs.PnfsRole;
import io.nacre.nfs.v41.state.StateManager;
import io.nacre.nfs.v41.xdr.ImplId4;
import java.util.List;

/**
 * What every operation of one NFS server reaches: the core (metadata service and file I/O), the state,
 * the attribute encoder, the exports, the filehandle format, and the server's identity.
 *
 * @param exportRoot   the exported directory (PUTROOTFH)
 * @param unlinked     files removed while open, kept until their last close
 * @param serverOwner  eir_server_owner's major id; equal for servers sharing state
 * @param maxIo        the largest READ and WRITE
 * @param pnfs         the server's pNFS role (metadata or data server), or null for none
 * @param ostCalls     the bound on calls to the OSTs that attributes need (space_used, the glimpse)
 */
public record ServerContext(MetadataService md, FileIo io, StateManager state, AttrEncoder attrs, IdMapper ids,
                            ExportTable exports, FileHandles handles, Fid exportRoot, UnlinkedFiles unlinked,
                            byte[] serverOwner, byte[] serverScope, List<ImplId4> implId, int maxIo,
                            PnfsRole pnfs, OstCalls ostCalls) {

    /** A server without a pNFS role, its attribute calls to the OSTs bounded by {@link OstCalls#DEFAULT_TIMEOUT}. */
    public ServerContext(MetadataService md, FileIo io, StateManager state, AttrEncoder attrs, IdMapper ids,
                         ExportTable exports, FileHandles handles, Fid exportRoot, UnlinkedFiles unlinked,
                         byte[] serverOwner, byte[] serverScope, List<ImplId4> implId, int maxIo) {
        this(md, io, state, attrs, ids, exports, handles, exportRoot, unlinked, serverOwner, serverScope, implId, maxIo,
                null, new OstCalls(OstCalls.DEFAULT_TIMEOUT));
    }

    /** The same server with a pNFS role. */
    public ServerContext withPnfs(PnfsRole role) {
        return new ServerContext(md, io, state, attrs, ids, exports, handles, exportRoot, unlinked, serverOwner,
                serverScope, implId, maxIo, role, ostCalls);
    }

    /** The same server with another bound on its attribute calls to the OSTs. */
    public ServerContext withOstCalls(OstCalls calls) {
        return new ServerContext(md, io, state, attrs, ids, exports, handles, exportRoot, unlinked, serverOwner,
                serverScope, implId, maxIo, pnfs, calls);
    }
}
