package io.nacre.nfs.v41.xdr;

import java.io.IOException;
import org.dcache.oncrpc4j.xdr.XdrDecodingStream;
import org.dcache.oncrpc4j.xdr.XdrEncodingStream;

/**
 * One result of a COMPOUND or CB_COMPOUND (nfs_resop4): the operation, its status and the body that the
 * status selects (resok on NFS4_OK; LOCK4denied for LOCK/LOCKT on NFS4ERR_DENIED; SETATTR's bitmap
 * always), or null.
 */
public record OpRes(int opnum, int status, XdrEncodable body) implements XdrEncodable {

    public static OpRes ok(int opnum, XdrEncodable body) {
        return new OpRes(opnum, Nfs4Status.NFS4_OK, body);
    }

    public static OpRes ok(int opnum) {
        return new OpRes(opnum, Nfs4Status.NFS4_OK, null);
    }

    /** A failed result, with the word some failures still carry (LAYOUTGET's TRYLATER: no signal will come). */
    public static OpRes error(int opnum, int status) {
        XdrEncodable body = opnum == OpNum.SETATTR ? new SetattrRes(new int[0])
                : opnum == OpNum.LAYOUTGET && status == Nfs4Status.NFS4ERR_LAYOUTTRYLATER ? new IntRes(0) : null;
        return new OpRes(opnum, status, body);
    }

    public boolean isOk() {
        return status == Nfs4Status.NFS4_OK;
    }

    /** The body, cast to the expected type (for clients and tests). */
    public <T> T body(Class<T> type) {
        return type.cast(body);
    }

    @Override
    public void encode(XdrEncodingStream x) {
        x.xdrEncodeInt(opnum);
        x.xdrEncodeInt(status);
        if (body != null) {
            body.encode(x);
        }
    }

    /** Decodes a fore-channel result. */
    public static OpRes decode(XdrDecodingStream x) throws IOException {
        int op = x.xdrDecodeInt();
        int status = x.xdrDecodeInt();
        if (op == OpNum.SETATTR) {
            return new OpRes(op, status, SetattrRes.decode(x));
        }
        if (status == Nfs4Status.NFS4ERR_DENIED && (op == OpNum.LOCK || op == OpNum.LOCKT)) {
            return new OpRes(op, status, LockDenied.decode(x));
        }
        if ((status == Nfs4Status.NFS4ERR_TOOSMALL && op == OpNum.GETDEVICEINFO)
                || (status == Nfs4Status.NFS4ERR_LAYOUTTRYLATER && op == OpNum.LAYOUTGET)) {
            return new OpRes(op, status, IntRes.decode(x));
        }
        if (status != Nfs4Status.NFS4_OK) {
            return new OpRes(op, status, null);
        }
        XdrEncodable body = switch (op) {
            case OpNum.ACCESS -> AccessRes.decode(x);
            case OpNum.CLOSE, OpNum.LOCK, OpNum.LOCKU, OpNum.OPEN_DOWNGRADE -> StateidRes.decode(x);
            case OpNum.COMMIT -> CommitRes.decode(x);
            case OpNum.CREATE -> CreateRes.decode(x);
            case OpNum.GETATTR -> GetattrRes.decode(x);
            case OpNum.GETFH -> GetfhRes.decode(x);
            case OpNum.LINK, OpNum.REMOVE -> ChangeInfoRes.decode(x);
            case OpNum.OPEN -> OpenRes.decode(x);
            case OpNum.READ -> ReadRes.decode(x);
            case OpNum.READDIR -> ReaddirRes.decode(x);
            case OpNum.READLINK -> ReadlinkRes.decode(x);
            case OpNum.RENAME -> RenameRes.decode(x);
            case OpNum.SECINFO, OpNum.SECINFO_NO_NAME -> SecinfoRes.decode(x);
            case OpNum.WRITE -> WriteRes.decode(x);
            case OpNum.BIND_CONN_TO_SESSION -> BindConnToSessionRes.decode(x);
            case OpNum.EXCHANGE_ID -> ExchangeIdRes.decode(x);
            case OpNum.CREATE_SESSION -> CreateSessionRes.decode(x);
            case OpNum.SEQUENCE -> SequenceRes.decode(x);
            case OpNum.TEST_STATEID -> TestStateidRes.decode(x);
            case OpNum.LAYOUTGET -> LayoutGetRes.decode(x);
            case OpNum.LAYOUTRETURN -> LayoutReturnRes.decode(x);
            case OpNum.LAYOUTCOMMIT -> LayoutCommitRes.decode(x);
            case OpNum.GETDEVICEINFO -> GetDeviceInfoRes.decode(x);
            case OpNum.GETDEVICELIST -> GetDeviceListRes.decode(x);
            default -> null;
        };
        return new OpRes(op, status, body);
    }

    /** Decodes a backchannel result. */
    public static OpRes decodeCallback(XdrDecodingStream x) throws IOException {
        int op = x.xdrDecodeInt();
        int status = x.xdrDecodeInt();
        if (status == Nfs4Status.NFS4_OK && op == OpNum.CB_SEQUENCE) {
            return new OpRes(op, status, CbSequenceRes.decode(x));
        }
        return new OpRes(op, status, null);
    }

    @Override
    public String toString() {
        return OpNum.name(opnum) + "=" + Nfs4Status.name(status);
    }
}
