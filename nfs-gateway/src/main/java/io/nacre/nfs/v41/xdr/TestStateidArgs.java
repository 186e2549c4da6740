package io.nacre.nfs.v41.xdr;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.dcache.oncrpc4j.xdr.XdrDecodingStream;
import org.dcache.oncrpc4j.xdr.XdrEncodingStream;

/** TEST_STATEID4args. */
public record TestStateidArgs(List<Stateid4> stateids) implements OpArgs {

    static final int MAX_STATEIDS = 1024;

    public TestStateidArgs {
        stateids = List.copyOf(stateids);
    }

    public static TestStateidArgs decode(XdrDecodingStream x) throws IOException {
        int n = XdrIo.count(x, MAX_STATEIDS);
        List<Stateid4> ids = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            ids.add(Stateid4.decode(x));
        }
        return new TestStateidArgs(ids);
    }

    @Override
    public int opnum() {
        return OpNum.TEST_STATEID;
    }

    @Override
    public void encode(XdrEncodingStream x) {
        x.xdrEncodeInt(stateids.size());
        for (Stateid4 s : stateids) {
            s.encode(x);
        }
    }
}
