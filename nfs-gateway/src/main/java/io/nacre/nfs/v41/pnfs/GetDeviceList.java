package io.nacre.nfs.v41.pnfs;

import static io.nacre.nfs.v41.xdr.Nfs4Status.*;

import io.nacre.nfs.v41.CompoundContext;
import io.nacre.nfs.v41.NfsException;
import io.nacre.nfs.v41.ops.Operation;
import io.nacre.nfs.v41.xdr.DeviceId4;
import io.nacre.nfs.v41.xdr.GetDeviceListArgs;
import io.nacre.nfs.v41.xdr.GetDeviceListRes;
import io.nacre.nfs.v41.xdr.Nfs4;
import io.nacre.nfs.v41.xdr.OpArgs;
import io.nacre.nfs.v41.xdr.OpNum;
import io.nacre.nfs.v41.xdr.OpRes;
import java.util.Comparator;
import java.util.List;

/**
 * GETDEVICELIST (RFC 8881 §18.41): the devices handed out so far, in id order; the cookie is the index
 * of the next one and the verifier is the count the listing started with (a listing that sees the set
 * grow under it starts over: NFS4ERR_NOT_SAME).
 */
public final class GetDeviceList implements Operation {

    private static final Comparator<DeviceId4> ORDER = Comparator.comparingLong(DeviceId4::high)
            .thenComparingLong(DeviceId4::low);

    @Override
    public OpRes apply(CompoundContext ctx, OpArgs args) {
        GetDeviceListArgs a = (GetDeviceListArgs) args;
        MetadataServerRole role = MetadataServerRole.of(ctx);
        ctx.currentFh();
        if (a.layoutType() != Nfs4.LAYOUT4_NFSV4_1_FILES) {
            throw new NfsException(NFS4ERR_UNKNOWN_LAYOUTTYPE, "layout type " + a.layoutType());
        }
        if (a.maxDevices() <= 0) {
            throw new NfsException(NFS4ERR_INVAL, "GETDEVICELIST of " + a.maxDevices() + " devices");
        }
        List<DeviceId4> all = role.devices().all().stream().sorted(ORDER).toList();
        if (a.cookie() != 0 && a.verifier() != all.size()) {
            throw new NfsException(NFS4ERR_NOT_SAME, "the devices changed since the listing began");
        }
        if (a.cookie() < 0 || a.cookie() > all.size()) {
            throw new NfsException(NFS4ERR_BAD_COOKIE, "device list cookie " + a.cookie());
        }
        int from = (int) a.cookie();
        int to = (int) Math.min(all.size(), from + (long) a.maxDevices());
        return OpRes.ok(OpNum.GETDEVICELIST, new GetDeviceListRes(to, all.size(), all.subList(from, to),
                to == all.size()));
    }
}
