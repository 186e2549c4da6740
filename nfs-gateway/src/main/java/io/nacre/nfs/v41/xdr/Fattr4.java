package io.nacre.nfs.v41.xdr;

import java.io.IOException;
import org.dcache.oncrpc4j.xdr.XdrDecodingStream;
import org.dcache.oncrpc4j.xdr.XdrEncodingStream;

/**
 * fattr4 on the wire: the attribute bitmap and the packed values, still encoded. The attr package
 * builds and parses the values.
 *
 * @param maxValues the largest attrlist4 accepted when decoding
 */
public record Fattr4(int[] mask, byte[] values) implements XdrEncodable {

    /** A bound on attrlist4 in requests: attributes set by clients are small (an ACL would be the largest). */
    public static final int MAX_REQUEST_VALUES = 64 * 1024;

    public static final Fattr4 EMPTY = new Fattr4(new int[0], new byte[0]);

    public static Fattr4 decode(XdrDecodingStream x) throws IOException {
        int[] mask = XdrIo.bitmap(x);
        return new Fattr4(mask, XdrIo.opaque(x, MAX_REQUEST_VALUES));
    }

    @Override
    public void encode(XdrEncodingStream x) {
        XdrIo.bitmap(x, mask);
        XdrIo.opaque(x, values);
    }
}
