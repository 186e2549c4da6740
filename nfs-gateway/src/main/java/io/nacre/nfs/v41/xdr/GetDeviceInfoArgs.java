package io.nacre.nfs.v41.xdr;

import java.io.IOException;
import org.dcache.oncrpc4j.xdr.XdrDecodingStream;
import org.dcache.oncrpc4j.xdr.XdrEncodingStream;

/** GETDEVICEINFO4args. */
public record GetDeviceInfoArgs(DeviceId4 deviceId, int layoutType, int maxCount, int[] notifyTypes)
        implements OpArgs {

    public static GetDeviceInfoArgs decode(XdrDecodingStream x) throws IOException {
        return new GetDeviceInfoArgs(DeviceId4.decode(x), x.xdrDecodeInt(), x.xdrDecodeInt(), XdrIo.bitmap(x));
    }

    @Override
    public int opnum() {
        return OpNum.GETDEVICEINFO;
    }

    @Override
    public void encode(XdrEncodingStream x) {
        deviceId.encode(x);
        x.xdrEncodeInt(layoutType);
        x.xdrEncodeInt(maxCount);
        XdrIo.bitmap(x, notifyTypes);
    }
}
