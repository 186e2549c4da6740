package io.nacre.nfs.v41.xdr;

import java.io.IOException;
import org.dcache.oncrpc4j.xdr.XdrDecodingStream;
import org.dcache.oncrpc4j.xdr.XdrEncodingStream;

/** GETDEVICELIST4args. */
public record GetDeviceListArgs(int layoutType, int maxDevices, long cookie, long verifier) implements OpArgs {

    public static GetDeviceListArgs decode(XdrDecodingStream x) throws IOException {
        return new GetDeviceListArgs(x.xdrDecodeInt(), x.xdrDecodeInt(), x.xdrDecodeLong(), x.xdrDecodeLong());
    }

    @Override
    public int opnum() {
        return OpNum.GETDEVICELIST;
    }

    @Override
    public void encode(XdrEncodingStream x) {
        x.xdrEncodeInt(layoutType);
        x.xdrEncodeInt(maxDevices);
        x.xdrEncodeLong(cookie);
        x.xdrEncodeLong(verifier);
    }
}
