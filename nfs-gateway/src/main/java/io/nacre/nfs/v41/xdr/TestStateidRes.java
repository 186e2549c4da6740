package io.nacre.nfs.v41.xdr;

import java.io.IOException;
import org.dcache.oncrpc4j.xdr.XdrDecodingStream;
import org.dcache.oncrpc4j.xdr.XdrEncodingStream;

/** TEST_STATEID4resok: one status per stateid asked about. */
public record TestStateidRes(int[] codes) implements XdrEncodable {

    public static TestStateidRes decode(XdrDecodingStream x) throws IOException {
        return new TestStateidRes(decodeCodes(x));
    }

    @Override
    public void encode(XdrEncodingStream x) {
        x.xdrEncodeIntVector(codes);
    }

    private static int[] decodeCodes(XdrDecodingStream x) throws IOException {
        int n = XdrIo.count(x, TestStateidArgs.MAX_STATEIDS);
        int[] codes = new int[n];
        for (int i = 0; i < n; i++) {
            codes[i] = x.xdrDecodeInt();
        }
        return codes;
    }
}
