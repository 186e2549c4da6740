package io.nacre.nfs.export;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Which client addresses an export rule applies to: every client ({@code *}), an address or network in
 * CIDR form ({@code 10.0.0.0/8}, {@code 192.168.1.0/255.255.255.0}, {@code ::1}), or a host name pattern
 * ({@code node*.example.com}) matched against the client's reverse-resolved name.
 */
public sealed interface ClientMatcher {

    boolean matches(InetAddress client);

    /** Larger is more specific; the most specific matching rule applies. */
    int specificity();

    /** Every client. */
    record Any() implements ClientMatcher {
        @Override
        public boolean matches(InetAddress client) {
            return true;
        }

        @Override
        public int specificity() {
            return 0;
        }

        @Override
        public String toString() {
            return "*";
        }
    }

    /** An address prefix: the first {@code prefixLength} bits of {@code network}. */
    record Network(byte[] network, int prefixLength) implements ClientMatcher {
        @Override
        public boolean matches(InetAddress client) {
            byte[] a = normalize(client.getAddress(), network.length);
            if (a == null) {
                return false;
            }
            int full = prefixLength / 8;
            for (int i = 0; i < full; i++) {
                if (a[i] != network[i]) {
                    return false;
                }
            }
            int rest = prefixLength % 8;
            if (rest == 0) {
                return true;
            }
            int mask = (0xff << (8 - rest)) & 0xff;
            return (a[full] & mask) == (network[full] & mask);
        }

        @Override
        public int specificity() {
            // an exact host beats every network; IPv4 and IPv6 prefixes compare by prefix length
            return 1000 + prefixLength;
        }

        /** IPv4-mapped IPv6 addresses (::ffff:a.b.c.d) match IPv4 networks. */
        private static byte[] normalize(byte[] addr, int want) {
            if (addr.length == want) {
                return addr;
            }
            if (want == 4 && addr.length == 16) {
                for (int i = 0; i < 10; i++) {
                    if (addr[i] != 0) {
                        return null;
                    }
                }
                if (addr[10] != (byte) 0xff || addr[11] != (byte) 0xff) {
                    return null;
                }
                return new byte[] {addr[12], addr[13], addr[14], addr[15]};
            }
            return null;
        }

        @Override
        public String toString() {
            try {
                return InetAddress.getByAddress(network).getHostAddress() + "/" + prefixLength;
            } catch (UnknownHostException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    /** A host name, possibly with {@code *} and {@code ?} wildcards, compared case-insensitively. */
    record HostPattern(String pattern) implements ClientMatcher {
        @Override
        public boolean matches(InetAddress client) {
            return matchesName(client.getCanonicalHostName());
        }

        boolean matchesName(String hostName) {
            return regex().matcher(hostName.toLowerCase(Locale.ROOT)).matches();
        }

        private Pattern regex() {
            StringBuilder sb = new StringBuilder();
            for (char c : pattern.toLowerCase(Locale.ROOT).toCharArray()) {
                switch (c) {
                    case '*' -> sb.append("[^.]*"); // exports(5): wildcards do not match dots
                    case '?' -> sb.append("[^.]");
                    default -> sb.append(Pattern.quote(String.valueOf(c)));
                }
            }
            return Pattern.compile(sb.toString());
        }

        @Override
        public int specificity() {
            return pattern.contains("*") || pattern.contains("?") ? 100 : 500;
        }

        @Override
        public String toString() {
            return pattern;
        }
    }

    /** Parses one client specification of an exports line. */
    static ClientMatcher parse(String spec) {
        if (spec.equals("*")) {
            return new Any();
        }
        int slash = spec.indexOf('/');
        String addr = slash < 0 ? spec : spec.substring(0, slash);
        if (isAddressLiteral(addr)) {
            byte[] bytes = literal(addr, spec);
            int bits = bytes.length * 8;
            int prefix = bits;
            if (slash >= 0) {
                String p = spec.substring(slash + 1);
                prefix = p.contains(".") ? maskLength(literal(p, spec), spec) : parsePrefix(p, bits, spec);
            }
            return new Network(bytes, prefix);
        }
        if (slash >= 0 || !spec.matches("[A-Za-z0-9.*?-]+")) {
            throw new IllegalArgumentException("not a client specification: " + spec);
        }
        return new HostPattern(spec);
    }

    private static boolean isAddressLiteral(String s) {
        return s.contains(":") || s.matches("\\d{1,3}(\\.\\d{1,3}){3}");
    }

    private static byte[] literal(String s, String spec) {
        try {
            // a literal never reaches DNS: getByName only parses it
            InetAddress a = InetAddress.getByName(s);
            return a.getAddress();
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("bad address in " + spec, e);
        }
    }

    private static int parsePrefix(String p, int bits, String spec) {
        try {
            int n = Integer.parseInt(p);
            if (n < 0 || n > bits) {
                throw new IllegalArgumentException("prefix length out of range in " + spec);
            }
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("bad prefix length in " + spec, e);
        }
    }

    private static int maskLength(byte[] mask, String spec) {
        int n = 0;
        boolean zero = false;
        for (byte b : mask) {
            for (int bit = 7; bit >= 0; bit--) {
                boolean one = ((b >> bit) & 1) == 1;
                if (one && zero) {
                    throw new IllegalArgumentException("netmask is not contiguous in " + spec);
                }
                if (one) {
                    n++;
                } else {
                    zero = true;
                }
            }
        }
        return n;
    }
}
