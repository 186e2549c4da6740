package io.nacre.nfs.v41.xdr;

import java.io.IOException;
import org.dcache.oncrpc4j.xdr.XdrDecodingStream;

/** The arguments of one operation of a COMPOUND (nfs_argop4 without the opnum, which {@link #opnum()} gives). */
public interface OpArgs extends XdrEncodable {

    /** Decoding bound for component4 names; longer than NAME_MAX (255) is NFS4ERR_NAMETOOLONG, not BADXDR. */
    int MAX_NAME = 4096;
    /** Decoding bound for symlink text. */
    int MAX_LINK = 8192;

    int opnum();

    /**
     * Decodes the arguments of {@code opnum}; null when this server does not decode that operation
     * (one it does not support, or one outside minor version 1).
     */
    static OpArgs decode(int opnum, XdrDecodingStream x) throws IOException {
        return switch (opnum) {
            case OpNum.ACCESS -> AccessArgs.decode(x);
            case OpNum.CLOSE -> CloseArgs.decode(x);
            case OpNum.COMMIT -> CommitArgs.decode(x);
            case OpNum.CREATE -> CreateArgs.decode(x);
            case OpNum.DELEGRETURN -> DelegReturnArgs.decode(x);
            case OpNum.GETATTR -> GetattrArgs.decode(x);
            case OpNum.LINK -> LinkArgs.decode(x);
            case OpNum.LOCK -> LockArgs.decode(x);
            case OpNum.LOCKT -> LocktArgs.decode(x);
            case OpNum.LOCKU -> LockuArgs.decode(x);
            case OpNum.LOOKUP -> LookupArgs.decode(x);
            case OpNum.NVERIFY, OpNum.VERIFY -> VerifyArgs.decode(opnum, x);
            case OpNum.OPEN -> OpenArgs.decode(x);
            case OpNum.OPEN_DOWNGRADE -> OpenDowngradeArgs.decode(x);
            case OpNum.PUTFH -> PutfhArgs.decode(x);
            case OpNum.READ -> ReadArgs.decode(x);
            case OpNum.READDIR -> ReaddirArgs.decode(x);
            case OpNum.REMOVE -> RemoveArgs.decode(x);
            case OpNum.RENAME -> RenameArgs.decode(x);
            case OpNum.SECINFO -> SecinfoArgs.decode(x);
            case OpNum.SETATTR -> SetattrArgs.decode(x);
            case OpNum.WRITE -> WriteArgs.decode(x);
            case OpNum.BACKCHANNEL_CTL -> BackchannelCtlArgs.decode(x);
            case OpNum.BIND_CONN_TO_SESSION -> BindConnToSessionArgs.decode(x);
            case OpNum.EXCHANGE_ID -> ExchangeIdArgs.decode(x);
            case OpNum.CREATE_SESSION -> CreateSessionArgs.decode(x);
            case OpNum.DESTROY_SESSION -> DestroySessionArgs.decode(x);
            case OpNum.FREE_STATEID -> FreeStateidArgs.decode(x);
            case OpNum.SECINFO_NO_NAME -> SecinfoNoNameArgs.decode(x);
            case OpNum.SEQUENCE -> SequenceArgs.decode(x);
            case OpNum.TEST_STATEID -> TestStateidArgs.decode(x);
            case OpNum.DESTROY_CLIENTID -> DestroyClientidArgs.decode(x);
            case OpNum.RECLAIM_COMPLETE -> ReclaimCompleteArgs.decode(x);
            case OpNum.LAYOUTGET -> LayoutGetArgs.decode(x);
            case OpNum.LAYOUTRETURN -> LayoutReturnArgs.decode(x);
            case OpNum.LAYOUTCOMMIT -> LayoutCommitArgs.decode(x);
            case OpNum.GETDEVICEINFO -> GetDeviceInfoArgs.decode(x);
            case OpNum.GETDEVICELIST -> GetDeviceListArgs.decode(x);
            case OpNum.GETFH, OpNum.LOOKUPP, OpNum.PUTPUBFH, OpNum.PUTROOTFH, OpNum.READLINK, OpNum.RESTOREFH,
                 OpNum.SAVEFH -> new VoidArgs(opnum);
            default -> null;
        };
    }
}
