package io.nacre.nfs.v41.xdr;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.dcache.oncrpc4j.xdr.XdrDecodingStream;
import org.dcache.oncrpc4j.xdr.XdrEncodingStream;

/** LAYOUTGET4resok. */
public record LayoutGetRes(boolean returnOnClose, Stateid4 stateid, List<Layout4> layouts) implements XdrEncodable {

    public LayoutGetRes {
        layouts = List.copyOf(layouts);
    }

    public static LayoutGetRes decode(XdrDecodingStream x) throws IOException {
        boolean roc = x.xdrDecodeBoolean();
        Stateid4 s = Stateid4.decode(x);
        int n = XdrIo.count(x, 64);
        List<Layout4> ls = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            ls.add(Layout4.decode(x));
        }
        return new LayoutGetRes(roc, s, ls);
    }

    @Override
    public void encode(XdrEncodingStream x) {
        x.xdrEncodeBoolean(returnOnClose);
        stateid.encode(x);
        x.xdrEncodeInt(layouts.size());
        for (Layout4 l : layouts) {
            l.encode(x);
        }
    }
}
