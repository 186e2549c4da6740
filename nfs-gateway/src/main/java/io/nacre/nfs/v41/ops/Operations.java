package io.nacre.nfs.v41.ops;

import static io.nacre.nfs.v41.xdr.Nfs4Status.NFS4ERR_SEQUENCE_POS;

import io.nacre.nfs.v41.NfsException;
import io.nacre.nfs.v41.pnfs.GetDeviceInfo;
import io.nacre.nfs.v41.pnfs.GetDeviceList;
import io.nacre.nfs.v41.pnfs.LayoutCommit;
import io.nacre.nfs.v41.pnfs.LayoutGet;
import io.nacre.nfs.v41.pnfs.LayoutReturn;
import io.nacre.nfs.v41.xdr.OpNum;
import java.util.Map;

/** The dispatch table: one {@link Operation} per NFSv4.1 operation this server implements. */
public final class Operations {

    private static final Map<Integer, Operation> TABLE = Map.ofEntries(
            Map.entry(OpNum.ACCESS, new AccessOp()),
            Map.entry(OpNum.CLOSE, new Close()),
            Map.entry(OpNum.COMMIT, new Commit()),
            Map.entry(OpNum.CREATE, new Create()),
            Map.entry(OpNum.DELEGRETURN, new DelegReturn()),
            Map.entry(OpNum.GETATTR, new Getattr()),
            Map.entry(OpNum.GETFH, new Getfh()),
            Map.entry(OpNum.LINK, new Link()),
            Map.entry(OpNum.LOCK, new Lock()),
            Map.entry(OpNum.LOCKT, new Lockt()),
            Map.entry(OpNum.LOCKU, new Locku()),
            Map.entry(OpNum.LOOKUP, new Lookup()),
            Map.entry(OpNum.LOOKUPP, new Lookupp()),
            Map.entry(OpNum.NVERIFY, new Verify()),
            Map.entry(OpNum.OPEN, new Open()),
            Map.entry(OpNum.OPEN_DOWNGRADE, new OpenDowngrade()),
            Map.entry(OpNum.PUTFH, new Putfh()),
            Map.entry(OpNum.PUTPUBFH, new Putrootfh()),
            Map.entry(OpNum.PUTROOTFH, new Putrootfh()),
            Map.entry(OpNum.READ, new Read()),
            Map.entry(OpNum.READDIR, new Readdir()),
            Map.entry(OpNum.READLINK, new Readlink()),
            Map.entry(OpNum.REMOVE, new Remove()),
            Map.entry(OpNum.RENAME, new Rename()),
            Map.entry(OpNum.RESTOREFH, new Restorefh()),
            Map.entry(OpNum.SAVEFH, new Savefh()),
            Map.entry(OpNum.SECINFO, new Secinfo()),
            Map.entry(OpNum.SETATTR, new Setattr()),
            Map.entry(OpNum.VERIFY, new Verify()),
            Map.entry(OpNum.WRITE, new Write()),
            Map.entry(OpNum.BACKCHANNEL_CTL, new BackchannelCtl()),
            Map.entry(OpNum.BIND_CONN_TO_SESSION, new BindConnToSession()),
            Map.entry(OpNum.EXCHANGE_ID, new ExchangeId()),
            Map.entry(OpNum.CREATE_SESSION, new CreateSession()),
            Map.entry(OpNum.DESTROY_SESSION, new DestroySession()),
            Map.entry(OpNum.FREE_STATEID, new FreeStateid()),
            Map.entry(OpNum.SECINFO_NO_NAME, new Secinfo()),
            Map.entry(OpNum.SEQUENCE, (ctx, args) -> {
                throw new NfsException(NFS4ERR_SEQUENCE_POS, "SEQUENCE must be the first operation");
            }),
            Map.entry(OpNum.TEST_STATEID, new TestStateid()),
            Map.entry(OpNum.DESTROY_CLIENTID, new DestroyClientid()),
            Map.entry(OpNum.RECLAIM_COMPLETE, new ReclaimComplete()),
            Map.entry(OpNum.LAYOUTGET, new LayoutGet()),
            Map.entry(OpNum.LAYOUTCOMMIT, new LayoutCommit()),
            Map.entry(OpNum.LAYOUTRETURN, new LayoutReturn()),
            Map.entry(OpNum.GETDEVICEINFO, new GetDeviceInfo()),
            Map.entry(OpNum.GETDEVICELIST, new GetDeviceList()));

    private Operations() {
    }

    /** The operation, or null when this server does not implement it. */
    public static Operation get(int opnum) {
        return TABLE.get(opnum);
    }
}
