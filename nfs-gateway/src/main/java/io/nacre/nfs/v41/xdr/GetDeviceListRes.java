package io.nacre.nfs.v41.xdr;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.dcache.oncrpc4j.xdr.XdrDecodingStream;
import org.dcache.oncrpc4j.xdr.XdrEncodingStream;

/** GETDEVICELIST4resok. */
public record GetDeviceListRes(long cookie, long verifier, List<DeviceId4> devices, boolean eof)
        implements XdrEncodable {

    public GetDeviceListRes {
        devices = List.copyOf(devices);
    }

    public static GetDeviceListRes decode(XdrDecodingStream x) throws IOException {
        long cookie = x.xdrDecodeLong();
        long verifier = x.xdrDecodeLong();
        int n = XdrIo.count(x, 4096);
        List<DeviceId4> ids = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            ids.add(DeviceId4.decode(x));
        }
        return new GetDeviceListRes(cookie, verifier, ids, x.xdrDecodeBoolean());
    }

    @Override
    public void encode(XdrEncodingStream x) {
        x.xdrEncodeLong(cookie);
        x.xdrEncodeLong(verifier);
        x.xdrEncodeInt(devices.size());
        for (DeviceId4 d : devices) {
            d.encode(x);
        }
        x.xdrEncodeBoolean(eof);
    }
}
