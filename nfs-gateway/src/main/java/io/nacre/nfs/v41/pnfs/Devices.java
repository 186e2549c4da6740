package io.nacre.nfs.v41.pnfs;

import io.nacre.nfs.v41.xdr.DeviceId4;
import io.nacre.nfs.v41.xdr.FileLayoutDsAddr4;
import io.nacre.nfs.v41.xdr.FileLayoutDsAddr4.NetAddr4;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.IntFunction;

/**
 * pNFS devices of file layouts (RFC 8881 §13.3): a device is the ordered list of data servers of one
 * stripe pattern, so there is one per distinct sequence of OSTs that layouts stripe over. Its id is a
 * digest of that sequence and of the servers' addresses, so it is the same after a restart (clients
 * that cached it keep using it) and changes when a data server moves.
 */
public final class Devices {

    private final IntFunction<List<InetSocketAddress>> dataServers;
    private final Map<DeviceId4, FileLayoutDsAddr4> known = new ConcurrentHashMap<>();

    /** @param dataServers the addresses of the data server of each OST index; empty when it has none */
    public Devices(IntFunction<List<InetSocketAddress>> dataServers) {
        this.dataServers = dataServers;
    }

    /** The device for stripes on these OSTs, in stripe order; empty when an OST has no data server. */
    public Optional<DeviceId4> deviceFor(List<Integer> osts) {
        // one entry per distinct data server; stripes on the same server share it
        Map<List<NetAddr4>, Integer> servers = new LinkedHashMap<>();
        int[] stripeIndices = new int[osts.size()];
        for (int i = 0; i < osts.size(); i++) {
            List<InetSocketAddress> addrs = dataServers.apply(osts.get(i));
            if (addrs == null || addrs.isEmpty()) {
                return Optional.empty();
            }
            List<NetAddr4> net = addrs.stream().map(Devices::netaddr).toList();
            Integer index = servers.computeIfAbsent(net, k -> servers.size());
            stripeIndices[i] = index;
        }
        FileLayoutDsAddr4 addr = new FileLayoutDsAddr4(stripeIndices, new ArrayList<>(servers.keySet()));
        DeviceId4 id = idOf(addr);
        known.putIfAbsent(id, addr);
        return Optional.of(id);
    }

    /** The address of a device handed out since this server started. */
    public Optional<FileLayoutDsAddr4> address(DeviceId4 id) {
        return Optional.ofNullable(known.get(id));
    }

    /** Every device handed out since this server started, in no particular order. */
    public List<DeviceId4> all() {
        return List.copyOf(known.keySet());
    }

    /** netaddr4 of a TCP address: netid "tcp" or "tcp6", universal address "h1.h2.h3.h4.p1.p2" (RFC 5665). */
    static NetAddr4 netaddr(InetSocketAddress a) {
        String host = a.getAddress().getHostAddress();
        int port = a.getPort();
        String netid = a.getAddress() instanceof Inet6Address ? "tcp6" : "tcp";
        return new NetAddr4(netid, host + "." + (port >> 8) + "." + (port & 0xff));
    }

    private static DeviceId4 idOf(FileLayoutDsAddr4 addr) {
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            for (int i : addr.stripeIndices()) {
                d.update(ByteBuffer.allocate(4).putInt(i).array());
            }
            for (List<NetAddr4> server : addr.dataServers()) {
                d.update((byte) '|');
                for (NetAddr4 n : server) {
                    d.update((n.netid() + " " + n.uaddr() + ";").getBytes(StandardCharsets.UTF_8));
                }
            }
            ByteBuffer b = ByteBuffer.wrap(d.digest());
            return new DeviceId4(b.getLong(), b.getLong());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
