package io.nacre.appliance.node;

import static java.util.Objects.requireNonNull;

import java.io.UncheckedIOException;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.Comparator;
import java.util.List;

/**
 * Where a client reaches a listener: the address it is bound to, or for a wildcard bind (0.0.0.0, ::) the
 * addresses of this machine, the ones other machines can use first. What {@code nacre up} prints.
 */
public final class Reach {

    private Reach() {
    }

    /** An address as a URL or a mount line writes it: IPv6 in brackets, without its scope. */
    public static String host(InetAddress address) {
        String h = requireNonNull(address, "address").getHostAddress();
        if (address instanceof Inet6Address) {
            int scope = h.indexOf('%');
            return "[" + (scope < 0 ? h : h.substring(0, scope)) + "]";
        }
        return h;
    }

    /** The first address a client can dial for a listener bound to {@code bound}, with its port: {@code host:port}. */
    public static String first(InetSocketAddress bound) {
        return host(of(bound).get(0)) + ":" + bound.getPort();
    }

    /** The addresses a client can dial for a listener bound to {@code bound}, from this machine's interfaces. */
    public static List<InetAddress> of(InetSocketAddress bound) {
        requireNonNull(bound, "bound");
        if (!bound.getAddress().isAnyLocalAddress()) {
            return List.of(bound.getAddress());
        }
        try {
            List<InetAddress> mine = NetworkInterface.networkInterfaces()
                    .filter(Reach::isUp)
                    .flatMap(NetworkInterface::inetAddresses)
                    .toList();
            return of(bound.getAddress(), mine);
        } catch (SocketException e) {
            throw new UncheckedIOException("cannot list this machine's network interfaces", e);
        }
    }

    /**
     * The addresses a client can dial for a listener bound to {@code bound} on a machine with the addresses
     * {@code machine}: {@code bound} itself unless it is a wildcard; for 0.0.0.0 the IPv4 ones, for :: all of
     * them (a dual-stack socket takes both); other machines' first (global, then link-local), loopback last.
     */
    static List<InetAddress> of(InetAddress bound, List<InetAddress> machine) {
        if (!bound.isAnyLocalAddress()) {
            return List.of(bound);
        }
        boolean v4Only = bound instanceof Inet4Address;
        List<InetAddress> reach = machine.stream()
                .filter(a -> !v4Only || a instanceof Inet4Address)
                .sorted(Comparator.comparingInt(Reach::rank))
                .distinct()
                .toList();
        return reach.isEmpty() ? List.of(InetAddress.getLoopbackAddress()) : reach;
    }

    /** Global IPv4, global IPv6, link-local, loopback: the order a user would pick them in. */
    private static int rank(InetAddress a) {
        if (a.isLoopbackAddress()) {
            return 3;
        }
        if (a.isLinkLocalAddress()) {
            return 2;
        }
        return a instanceof Inet4Address ? 0 : 1;
    }

    private static boolean isUp(NetworkInterface i) {
        try {
            return i.isUp();
        } catch (SocketException e) {
            return false; // gone while listing: nothing to reach there
        }
    }
}
