package io.nacre.appliance.image;

import static java.util.Objects.requireNonNull;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The appliance's network: one entry per interface rule, rendered as systemd-networkd .network files.
 * Read from the seed's {@code nacre.network} section, or from a NoCloud {@code network-config} file in
 * cloud-init's version 1 (what Proxmox writes) or version 2 (netplan, what virt-install passes) format,
 * the subset an appliance needs: match by name or MAC, DHCP, static addresses, gateway, DNS, MTU.
 */
public record NetworkConfig(List<Link> links) {

    public NetworkConfig {
        links = List.copyOf(requireNonNull(links, "links"));
    }

    /** One interface rule. {@code name} is a glob ({@code ens*}); neither name nor MAC: every ethernet. */
    public record Link(String name, String mac, boolean dhcp4, boolean dhcp6, List<String> addresses,
                       String gateway4, String gateway6, List<String> dns, List<String> search, Integer mtu) {
        public Link {
            addresses = List.copyOf(addresses);
            dns = List.copyOf(dns);
            search = List.copyOf(search);
        }

        /** How the banner says it: "dhcp" or "static 192.0.2.10/24 via 192.0.2.1". */
        public String summary() {
            StringBuilder sb = new StringBuilder();
            if (name != null || mac != null) {
                sb.append(name != null ? name : mac).append(": ");
            }
            List<String> parts = new ArrayList<>();
            if (dhcp4 && dhcp6) {
                parts.add("dhcp");
            } else if (dhcp4) {
                parts.add("dhcp4");
            } else if (dhcp6) {
                parts.add("dhcp6");
            }
            if (!addresses.isEmpty()) {
                parts.add("static " + String.join(" ", addresses));
            }
            if (gateway4 != null) {
                parts.add("via " + gateway4);
            }
            if (gateway6 != null) {
                parts.add("via " + gateway6);
            }
            if (!dns.isEmpty()) {
                parts.add("dns " + String.join(" ", dns));
            }
            sb.append(parts.isEmpty() ? "link only" : String.join(", ", parts));
            return sb.toString();
        }
    }

    /** DHCP (IPv4 and IPv6) on every ethernet interface: the default without a seed. */
    public static NetworkConfig dhcp() {
        return new NetworkConfig(List.of(new Link(null, null, true, true, List.of(), null, null, List.of(), List.of(), null)));
    }

    public String summary() {
        return String.join("; ", links.stream().map(Link::summary).toList());
    }

    // ---- the seed's own section -----------------------------------------------------------------

    private static final Set<String> SIMPLE_KEYS =
            Set.of("interface", "mac", "dhcp", "address", "gateway", "dns", "search", "mtu");

    /**
     * {@code nacre.network}: one mapping or a list of them, each {@code interface} (glob), {@code mac},
     * {@code dhcp} (default: true without an address), {@code address} (CIDR, one or a list),
     * {@code gateway}, {@code dns}, {@code search}, {@code mtu}.
     */
    static NetworkConfig fromSeedSection(SeedYaml y, Object section, String key) {
        List<?> items = section instanceof List<?> l ? l : List.of(section);
        List<Link> links = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            String k = section instanceof List<?> ? key + "[" + i + "]" : key;
            Map<String, Object> m = y.map(items.get(i), k);
            y.onlyKeys(m, k, SIMPLE_KEYS);
            List<String> addresses = cidrs(y, y.strings(m, "address", k), k + ".address");
            Boolean dhcp = y.bool(m, "dhcp", k);
            boolean useDhcp = dhcp != null ? dhcp : addresses.isEmpty();
            String gateway = ip(y, y.string(m, "gateway", k), k + ".gateway");
            links.add(new Link(ifname(y, y.string(m, "interface", k), k + ".interface"),
                    mac(y, y.string(m, "mac", k), k + ".mac"), useDhcp, useDhcp, addresses,
                    gateway != null && !gateway.contains(":") ? gateway : null,
                    gateway != null && gateway.contains(":") ? gateway : null,
                    ips(y, y.strings(m, "dns", k), k + ".dns"), domains(y, y.strings(m, "search", k), k + ".search"),
                    y.integer(m, "mtu", k, 576, 65535)));
            requireSomething(y, links.get(links.size() - 1), k);
        }
        if (links.isEmpty()) {
            throw y.fail(key, "lists no interface");
        }
        return new NetworkConfig(links);
    }

    // ---- network-config, cloud-init's formats ----------------------------------------------------

    /** A NoCloud network-config file, version 1 or 2 (optionally under a top-level {@code network:} key). */
    static NetworkConfig fromNetworkConfig(String text) {
        SeedYaml y = new SeedYaml("network-config");
        Map<String, Object> doc = y.map(y.load(text), "the document");
        String key = "";
        if (doc.containsKey("network") && doc.size() == 1) {
            doc = y.map(doc.get("network"), "network");
            key = "network.";
        }
        String version = y.scalar(doc, "version", key.isEmpty() ? "the document" : "network");
        if ("1".equals(version)) {
            return fromV1(y, doc, key);
        }
        if ("2".equals(version)) {
            return fromV2(y, doc, key);
        }
        throw y.fail(key + "version", "must be 1 or 2 (cloud-init's network config formats), not " + version);
    }

    private static NetworkConfig fromV1(SeedYaml y, Map<String, Object> doc, String key) {
        y.onlyKeys(doc, key.isEmpty() ? "the document" : "network", Set.of("version", "config"));
        List<Map<String, Object>> items = y.maps(doc, "config", key.isEmpty() ? "" : "network");
        List<String> globalDns = new ArrayList<>();
        List<String> globalSearch = new ArrayList<>();
        List<Map<String, Object>> physical = new ArrayList<>();
        List<String> physicalKeys = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            String k = key + "config[" + i + "]";
            Map<String, Object> m = items.get(i);
            String type = y.string(m, "type", k);
            if ("nameserver".equals(type)) {
                y.onlyKeys(m, k, Set.of("type", "address", "search", "interface"));
                globalDns.addAll(ips(y, y.strings(m, "address", k), k + ".address"));
                globalSearch.addAll(domains(y, y.strings(m, "search", k), k + ".search"));
            } else if ("physical".equals(type)) {
                physical.add(m);
                physicalKeys.add(k);
            } else {
                throw y.fail(k + ".type", "'" + type + "' is not supported by the appliance (physical, nameserver)");
            }
        }
        List<Link> links = new ArrayList<>();
        for (int i = 0; i < physical.size(); i++) {
            Map<String, Object> m = physical.get(i);
            String k = physicalKeys.get(i);
            y.onlyKeys(m, k, Set.of("type", "name", "mac_address", "mtu", "subnets"));
            boolean dhcp4 = false;
            boolean dhcp6 = false;
            List<String> addresses = new ArrayList<>();
            String gw4 = null;
            String gw6 = null;
            List<String> dns = new ArrayList<>();
            List<String> search = new ArrayList<>();
            List<Map<String, Object>> subnets = y.maps(m, "subnets", k);
            for (int j = 0; j < subnets.size(); j++) {
                Map<String, Object> s = subnets.get(j);
                String sk = k + ".subnets[" + j + "]";
                y.onlyKeys(s, sk, Set.of("type", "address", "netmask", "gateway", "dns_nameservers", "dns_search"));
                String type = y.string(s, "type", sk);
                switch (type == null ? "" : type) {
                    case "dhcp", "dhcp4" -> dhcp4 = true;
                    case "dhcp6", "ipv6_dhcpv6-stateful", "ipv6_dhcpv6-stateless", "ipv6_slaac" -> dhcp6 = true;
                    case "static", "static6" -> {
                        String addr = y.string(s, "address", sk);
                        if (addr == null) {
                            throw y.fail(sk + ".address", "is required for a static subnet");
                        }
                        String netmask = y.string(s, "netmask", sk);
                        if (!addr.contains("/")) {
                            if (netmask != null) {
                                addr = addr + "/" + prefixOf(y, netmask, sk + ".netmask");
                            } else {
                                addr = addr + (addr.contains(":") ? "/64" : "/24");
                            }
                        }
                        addresses.add(cidr(y, addr, sk + ".address"));
                        String gw = ip(y, y.string(s, "gateway", sk), sk + ".gateway");
                        if (gw != null && gw.contains(":")) {
                            gw6 = gw;
                        } else if (gw != null) {
                            gw4 = gw;
                        }
                    }
                    default -> throw y.fail(sk + ".type", "'" + type + "' is not supported (dhcp, dhcp6, static, static6)");
                }
                dns.addAll(ips(y, y.strings(s, "dns_nameservers", sk), sk + ".dns_nameservers"));
                search.addAll(domains(y, y.strings(s, "dns_search", sk), sk + ".dns_search"));
            }
            String mac = mac(y, y.string(m, "mac_address", k), k + ".mac_address");
            // Proxmox names the interface eth0 but the guest names it ens18: the MAC is what identifies it.
            String name = mac == null ? ifname(y, y.string(m, "name", k), k + ".name") : null;
            links.add(new Link(name, mac, dhcp4, dhcp6, addresses, gw4, gw6, dns, search,
                    y.integer(m, "mtu", k, 576, 65535)));
        }
        if (links.isEmpty()) {
            throw y.fail(key + "config", "has no physical interface");
        }
        if (!globalDns.isEmpty() || !globalSearch.isEmpty()) {
            Link first = links.get(0);
            List<String> dns = new ArrayList<>(first.dns());
            dns.addAll(globalDns);
            List<String> search = new ArrayList<>(first.search());
            search.addAll(globalSearch);
            links.set(0, new Link(first.name(), first.mac(), first.dhcp4(), first.dhcp6(), first.addresses(),
                    first.gateway4(), first.gateway6(), dns, search, first.mtu()));
        }
        return new NetworkConfig(links);
    }

    private static NetworkConfig fromV2(SeedYaml y, Map<String, Object> doc, String key) {
        y.onlyKeys(doc, key.isEmpty() ? "the document" : "network", Set.of("version", "ethernets", "renderer"));
        Map<String, Object> ethernets = y.map(doc.get("ethernets"), key + "ethernets");
        List<Link> links = new ArrayList<>();
        for (Map.Entry<String, Object> e : ethernets.entrySet()) {
            String k = key + "ethernets." + e.getKey();
            Map<String, Object> m = y.map(e.getValue(), k);
            y.onlyKeys(m, k, Set.of("match", "set-name", "dhcp4", "dhcp6", "addresses", "gateway4", "gateway6",
                    "routes", "nameservers", "mtu"));
            Map<String, Object> match = y.map(m.get("match"), k + ".match");
            y.onlyKeys(match, k + ".match", Set.of("name", "macaddress"));
            String mac = mac(y, y.string(match, "macaddress", k + ".match"), k + ".match.macaddress");
            String name = ifname(y, y.string(match, "name", k + ".match"), k + ".match.name");
            if (mac == null && name == null && !match.isEmpty()) {
                throw y.fail(k + ".match", "must give a name or a macaddress");
            }
            if (match.isEmpty()) {
                name = ifname(y, e.getKey(), k); // netplan: without match, the id is the interface name
            }
            String gw4 = ip(y, y.string(m, "gateway4", k), k + ".gateway4");
            String gw6 = ip(y, y.string(m, "gateway6", k), k + ".gateway6");
            List<Map<String, Object>> routes = y.maps(m, "routes", k);
            for (int j = 0; j < routes.size(); j++) {
                Map<String, Object> r = routes.get(j);
                String rk = k + ".routes[" + j + "]";
                y.onlyKeys(r, rk, Set.of("to", "via"));
                String to = y.string(r, "to", rk);
                String via = ip(y, y.string(r, "via", rk), rk + ".via");
                if (via == null || to == null) {
                    throw y.fail(rk, "needs to: and via:");
                }
                if (to.equals("default") || to.equals("0.0.0.0/0")) {
                    gw4 = via;
                } else if (to.equals("::/0")) {
                    gw6 = via;
                } else {
                    throw y.fail(rk + ".to", "only default routes are supported, not " + to);
                }
            }
            Map<String, Object> ns = y.map(m.get("nameservers"), k + ".nameservers");
            y.onlyKeys(ns, k + ".nameservers", Set.of("addresses", "search"));
            Link link = new Link(name, mac, Boolean.TRUE.equals(y.bool(m, "dhcp4", k)),
                    Boolean.TRUE.equals(y.bool(m, "dhcp6", k)),
                    cidrs(y, y.strings(m, "addresses", k), k + ".addresses"), gw4, gw6,
                    ips(y, y.strings(ns, "addresses", k + ".nameservers"), k + ".nameservers.addresses"),
                    domains(y, y.strings(ns, "search", k + ".nameservers"), k + ".nameservers.search"),
                    y.integer(m, "mtu", k, 576, 65535));
            requireSomething(y, link, k);
            links.add(link);
        }
        if (links.isEmpty()) {
            throw y.fail(key + "ethernets", "lists no interface");
        }
        return new NetworkConfig(links);
    }

    private static void requireSomething(SeedYaml y, Link l, String key) {
        if (!l.dhcp4() && !l.dhcp6() && l.addresses().isEmpty()) {
            throw y.fail(key, "has neither DHCP nor an address: the appliance would be unreachable");
        }
    }

    // ---- validation of the values ---------------------------------------------------------------

    private static final Pattern IPV4 = Pattern.compile(
            "((25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\\.){3}(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])");
    private static final Pattern IPV6_CHARS = Pattern.compile("[0-9A-Fa-f:.]{2,45}");
    private static final Pattern IFNAME = Pattern.compile("[A-Za-z0-9_.:*?\\-\\[\\]]{1,15}");
    private static final Pattern MAC = Pattern.compile("([0-9A-Fa-f]{2}:){5}[0-9A-Fa-f]{2}");
    private static final Pattern DOMAIN = Pattern.compile(
            "(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\\.)*[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\\.?");

    /** An IP address literal (never a name: nothing here may trigger a DNS lookup). */
    static boolean isIp(String s) {
        if (IPV4.matcher(s).matches()) {
            return true;
        }
        if (!s.contains(":") || !IPV6_CHARS.matcher(s).matches()) {
            return false;
        }
        try {
            return !(InetAddress.getByName(s) instanceof Inet4Address);
        } catch (UnknownHostException e) {
            return false;
        }
    }

    static String ip(SeedYaml y, String s, String key) {
        if (s != null && !isIp(s.strip())) {
            throw y.fail(key, "must be an IP address, not '" + s + "'");
        }
        return s == null ? null : s.strip();
    }

    private static List<String> ips(SeedYaml y, List<String> in, String key) {
        return in.stream().map(s -> ip(y, s, key)).toList();
    }

    static String cidr(SeedYaml y, String s, String key) {
        String t = s.strip();
        int slash = t.indexOf('/');
        if (slash < 0) {
            throw y.fail(key, "must be an address with its prefix length, like 192.0.2.10/24, not '" + s + "'");
        }
        String addr = t.substring(0, slash);
        String prefix = t.substring(slash + 1);
        int max = addr.contains(":") ? 128 : 32;
        if (!isIp(addr) || !prefix.matches("[0-9]{1,3}") || Integer.parseInt(prefix) > max || Integer.parseInt(prefix) == 0) {
            throw y.fail(key, "must be an address with its prefix length, like 192.0.2.10/24, not '" + s + "'");
        }
        return addr + "/" + Integer.parseInt(prefix);
    }

    private static List<String> cidrs(SeedYaml y, List<String> in, String key) {
        return in.stream().map(s -> cidr(y, s, key)).toList();
    }

    private static int prefixOf(SeedYaml y, String netmask, String key) {
        if (!IPV4.matcher(netmask).matches()) {
            throw y.fail(key, "must be a dotted IPv4 netmask, not '" + netmask + "'");
        }
        long bits = 0;
        for (String octet : netmask.split("\\.")) {
            bits = bits << 8 | Integer.parseInt(octet);
        }
        int prefix = Long.bitCount(bits);
        if (prefix == 0 || bits != (0xffffffffL << (32 - prefix) & 0xffffffffL)) {
            throw y.fail(key, "is not a contiguous netmask: " + netmask);
        }
        return prefix;
    }

    private static String ifname(SeedYaml y, String s, String key) {
        if (s != null && !IFNAME.matcher(s).matches()) {
            throw y.fail(key, "must be an interface name or glob (up to 15 characters), not '" + s + "'");
        }
        return s;
    }

    private static String mac(SeedYaml y, String s, String key) {
        if (s != null && !MAC.matcher(s).matches()) {
            throw y.fail(key, "must be a MAC address like 52:54:00:12:34:56, not '" + s + "'");
        }
        return s == null ? null : s.toLowerCase(Locale.ROOT);
    }

    private static List<String> domains(SeedYaml y, List<String> in, String key) {
        for (String d : in) {
            if (!DOMAIN.matcher(d).matches()) {
                throw y.fail(key, "must be DNS domain names, not '" + d + "'");
            }
        }
        return in;
    }

    static boolean isDomain(String s) {
        return DOMAIN.matcher(s).matches();
    }
}
