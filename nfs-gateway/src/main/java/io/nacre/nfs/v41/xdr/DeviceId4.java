package io.nacre.nfs.v41.xdr;

import java.io.IOException;
import org.dcache.oncrpc4j.xdr.XdrDecodingStream;
import org.dcache.oncrpc4j.xdr.XdrEncodingStream;

/** deviceid4: 16 opaque bytes naming a pNFS device (for file layouts, a set of data servers). */
public record DeviceId4(long high, long low) implements XdrEncodable {

    public static DeviceId4 decode(XdrDecodingStream x) throws IOException {
        return new DeviceId4(x.xdrDecodeLong(), x.xdrDecodeLong());
    }

    @Override
    public void encode(XdrEncodingStream x) {
        x.xdrEncodeLong(high);
        x.xdrEncodeLong(low);
    }
}
