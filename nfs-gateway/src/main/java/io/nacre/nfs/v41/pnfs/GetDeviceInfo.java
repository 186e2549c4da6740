package io.nacre.nfs.v41.pnfs;

import static io.nacre.nfs.v41.xdr.Nfs4Status.*;

import io.nacre.nfs.v41.CompoundContext;
import io.nacre.nfs.v41.NfsException;
import io.nacre.nfs.v41.ops.Operation;
import io.nacre.nfs.v41.xdr.FileLayoutDsAddr4;
import io.nacre.nfs.v41.xdr.GetDeviceInfoArgs;
import io.nacre.nfs.v41.xdr.GetDeviceInfoRes;
import io.nacre.nfs.v41.xdr.IntRes;
import io.nacre.nfs.v41.xdr.Nfs4;
import io.nacre.nfs.v41.xdr.OpArgs;
import io.nacre.nfs.v41.xdr.OpNum;
import io.nacre.nfs.v41.xdr.OpRes;
import io.nacre.nfs.v41.xdr.XdrIo;

/**
 * GETDEVICEINFO (RFC 8881 §18.40): the data servers of a device and which stripe goes to which. No
 * device notifications are offered (the bitmap granted is empty): devices never change under an id.
 */
public final class GetDeviceInfo implements Operation {

    @Override
    public OpRes apply(CompoundContext ctx, OpArgs args) {
        GetDeviceInfoArgs a = (GetDeviceInfoArgs) args;
        MetadataServerRole role = MetadataServerRole.of(ctx);
        if (a.layoutType() != Nfs4.LAYOUT4_NFSV4_1_FILES) {
            throw new NfsException(NFS4ERR_UNKNOWN_LAYOUTTYPE, "layout type " + a.layoutType());
        }
        FileLayoutDsAddr4 addr = role.devices().address(a.deviceId()).orElseThrow(() ->
                new NfsException(NFS4ERR_NOENT, "no device " + a.deviceId()));
        GetDeviceInfoRes res = new GetDeviceInfoRes(Nfs4.LAYOUT4_NFSV4_1_FILES, XdrIo.toBytes(addr), new int[0]);
        // gdia_maxcount bounds the whole result; 0 asks only about notifications (§18.40.3)
        int size = XdrIo.toBytes(res).length;
        if (a.maxCount() != 0 && Integer.toUnsignedLong(a.maxCount()) < size) {
            return new OpRes(OpNum.GETDEVICEINFO, NFS4ERR_TOOSMALL, new IntRes(size));
        }
        return OpRes.ok(OpNum.GETDEVICEINFO, res);
    }
}
