package io.nacre.nfs.v41.xdr;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.dcache.oncrpc4j.xdr.XdrDecodingStream;
import org.dcache.oncrpc4j.xdr.XdrEncodingStream;

/**
 * nfsv4_1_file_layout4 (RFC 8881 §13.3), the body of a LAYOUT4_NFSV4_1_FILES layout: the device, the
 * stripe unit and flags (nfl_util), the first stripe index, the pattern offset, and one filehandle per
 * stripe (dense packing) or one for all.
 */
public record FileLayout4(DeviceId4 deviceId, int util, int firstStripeIndex, long patternOffset, List<byte[]> fhs)
        implements XdrEncodable {

    public static final int NFL4_UFLG_DENSE = 0x1;
    public static final int NFL4_UFLG_COMMIT_THRU_MDS = 0x2;
    public static final int NFL4_UFLG_STRIPE_UNIT_SIZE_MASK = 0xFFFFFFC0;

    public FileLayout4 {
        fhs = List.copyOf(fhs);
    }

    public static FileLayout4 decode(XdrDecodingStream x) throws IOException {
        DeviceId4 dev = DeviceId4.decode(x);
        int util = x.xdrDecodeInt();
        int first = x.xdrDecodeInt();
        long pattern = x.xdrDecodeLong();
        int n = XdrIo.count(x, 4096);
        List<byte[]> fhs = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            fhs.add(XdrIo.opaque(x, Nfs4.FHSIZE));
        }
        return new FileLayout4(dev, util, first, pattern, fhs);
    }

    @Override
    public void encode(XdrEncodingStream x) {
        deviceId.encode(x);
        x.xdrEncodeInt(util);
        x.xdrEncodeInt(firstStripeIndex);
        x.xdrEncodeLong(patternOffset);
        x.xdrEncodeInt(fhs.size());
        for (byte[] fh : fhs) {
            XdrIo.opaque(x, fh);
        }
    }
}
