package io.nacre.nfs.v41.xdr;

import java.io.IOException;
import org.dcache.oncrpc4j.xdr.XdrDecodingStream;
import org.dcache.oncrpc4j.xdr.XdrEncodingStream;

/** GETDEVICEINFO4resok: the device address (type and encoded body) and the notifications granted. */
public record GetDeviceInfoRes(int layoutType, byte[] addrBody, int[] notification) implements XdrEncodable {

    public static GetDeviceInfoRes decode(XdrDecodingStream x) throws IOException {
        return new GetDeviceInfoRes(x.xdrDecodeInt(), XdrIo.opaque(x, Layout4.MAX_BODY), XdrIo.bitmap(x));
    }

    @Override
    public void encode(XdrEncodingStream x) {
        x.xdrEncodeInt(layoutType);
        XdrIo.opaque(x, addrBody);
        XdrIo.bitmap(x, notification);
    }
}
