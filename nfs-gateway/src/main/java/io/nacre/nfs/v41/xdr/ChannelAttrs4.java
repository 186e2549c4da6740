package io.nacre.nfs.v41.xdr;

import java.io.IOException;
import org.dcache.oncrpc4j.xdr.XdrDecodingStream;
import org.dcache.oncrpc4j.xdr.XdrEncodingStream;

/** channel_attrs4: the sizes of a session's fore or back channel. RDMA is not offered (ird absent). */
public record ChannelAttrs4(int headerPadSize, int maxRequestSize, int maxResponseSize,
                            int maxResponseSizeCached, int maxOperations, int maxRequests, int[] rdmaIrd)
        implements XdrEncodable {

    public ChannelAttrs4(int headerPadSize, int maxRequestSize, int maxResponseSize, int maxResponseSizeCached,
                         int maxOperations, int maxRequests) {
        this(headerPadSize, maxRequestSize, maxResponseSize, maxResponseSizeCached, maxOperations, maxRequests,
                new int[0]);
    }

    public static ChannelAttrs4 decode(XdrDecodingStream x) throws IOException {
        int pad = x.xdrDecodeInt();
        int req = x.xdrDecodeInt();
        int resp = x.xdrDecodeInt();
        int cached = x.xdrDecodeInt();
        int ops = x.xdrDecodeInt();
        int reqs = x.xdrDecodeInt();
        int n = XdrIo.count(x, 1);
        int[] ird = new int[n];
        for (int i = 0; i < n; i++) {
            ird[i] = x.xdrDecodeInt();
        }
        return new ChannelAttrs4(pad, req, resp, cached, ops, reqs, ird);
    }

    @Override
    public void encode(XdrEncodingStream x) {
        x.xdrEncodeInt(headerPadSize);
        x.xdrEncodeInt(maxRequestSize);
        x.xdrEncodeInt(maxResponseSize);
        x.xdrEncodeInt(maxResponseSizeCached);
        x.xdrEncodeInt(maxOperations);
        x.xdrEncodeInt(maxRequests);
        x.xdrEncodeInt(rdmaIrd.length);
        for (int v : rdmaIrd) {
            x.xdrEncodeInt(v);
        }
    }
}
