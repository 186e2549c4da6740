package io.nacre.nfs.v41.xdr;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.dcache.oncrpc4j.xdr.XdrDecodingStream;
import org.dcache.oncrpc4j.xdr.XdrEncodingStream;

/**
 * nfsv4_1_file_layout_ds_addr4: the device address of a file layout: the stripe index to data-server
 * index table, and for each data server its addresses (netaddr4: netid "tcp", universal address
 * "h1.h2.h3.h4.p1.p2").
 */
public record FileLayoutDsAddr4(int[] stripeIndices, List<List<NetAddr4>> dataServers) implements XdrEncodable {

    /** netaddr4. */
    public record NetAddr4(String netid, String uaddr) {
    }

    public FileLayoutDsAddr4 {
        stripeIndices = stripeIndices.clone();
        dataServers = dataServers.stream().map(List::copyOf).toList();
    }

    public static FileLayoutDsAddr4 decode(XdrDecodingStream x) throws IOException {
        int n = XdrIo.count(x, 4096);
        int[] idx = new int[n];
        for (int i = 0; i < n; i++) {
            idx[i] = x.xdrDecodeInt();
        }
        int m = XdrIo.count(x, 4096);
        List<List<NetAddr4>> ds = new ArrayList<>(m);
        for (int i = 0; i < m; i++) {
            int k = XdrIo.count(x, 64);
            List<NetAddr4> addrs = new ArrayList<>(k);
            for (int j = 0; j < k; j++) {
                addrs.add(new NetAddr4(XdrIo.utf8(XdrIo.opaque(x, 64)), XdrIo.utf8(XdrIo.opaque(x, 256))));
            }
            ds.add(addrs);
        }
        return new FileLayoutDsAddr4(idx, ds);
    }

    @Override
    public void encode(XdrEncodingStream x) {
        x.xdrEncodeIntVector(stripeIndices);
        x.xdrEncodeInt(dataServers.size());
        for (List<NetAddr4> addrs : dataServers) {
            x.xdrEncodeInt(addrs.size());
            for (NetAddr4 a : addrs) {
                x.xdrEncodeString(a.netid());
                x.xdrEncodeString(a.uaddr());
            }
        }
    }
}
