package io.nacre.appliance.image;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The system files an {@link ApplianceConfig} becomes in the VM image: host name and hosts, the
 * systemd-networkd units, and under /etc/nacre the arguments of {@code nacre up}, the S3 root key and the
 * cluster secret (systemd credentials of the service, readable by root only), the export rules, the runcmd script and a summary the console banner reads.
 * {@link #render} is pure; {@link #install} writes what differs, atomically, and removes network units of
 * ours that the configuration no longer has.
 */
public final class ApplianceFiles {

    /** A file to write (content, octal mode), or to remove when {@code content} is null. */
    public record File(String path, String content, String mode) {
        public File {
            requireNonNull(path, "path");
            requireNonNull(mode, "mode");
        }
    }

    static final String NETWORK_DIR = "etc/systemd/network";
    static final String NETWORK_PREFIX = "50-nacre-";
    static final String EXPORTS = "etc/nacre/exports";
    private static final String HEADER = "# Written by nacre-configure from the seed at each boot; edits here are replaced.\n";

    private ApplianceFiles() {
    }

    /** Every file of the configuration, paths relative to the root of the system. */
    public static List<File> render(ApplianceConfig c) {
        List<File> out = new ArrayList<>();
        out.add(new File("etc/hostname", c.hostname() + "\n", "644"));
        String names = c.fqdn() != null ? c.fqdn() + " " + c.hostname() : c.hostname();
        out.add(new File("etc/hosts", "127.0.0.1\tlocalhost\n127.0.1.1\t" + names + "\n"
                + "::1\tlocalhost ip6-localhost ip6-loopback\nff02::1\tip6-allnodes\nff02::2\tip6-allrouters\n", "644"));
        List<NetworkConfig.Link> links = c.network().links();
        for (int i = 0; i < links.size(); i++) {
            out.add(new File(NETWORK_DIR + "/" + NETWORK_PREFIX + i + ".network", networkUnit(links.get(i)), "644"));
        }
        out.add(new File("etc/nacre/up.args", String.join("\n", upArgs(c)) + "\n", "644"));
        String key = c.s3().keyFromSeed() ? c.s3().accessKey() + "\n" + c.s3().secretKey() + "\n" : "";
        out.add(new File("etc/nacre/s3-root.key", key, "600"));
        // like the key, a credential of the service (an empty file: no cluster)
        out.add(new File("etc/nacre/cluster.secret", c.cluster() == null ? "" : c.cluster().secret() + "\n", "600"));
        out.add(new File(EXPORTS, HEADER + c.nfs().exports() + "\n", "644"));
        out.add(new File("etc/nacre/runcmd", c.runcmd().isEmpty() ? null
                : "#!/bin/sh\n" + HEADER + String.join("\n", c.runcmd()) + "\n", "700"));
        out.add(new File("etc/nacre/appliance.conf", summary(c), "644"));
        return out;
    }

    /** The arguments of {@code nacre up} after {@code --data} and {@code --bind}, which the image fixes. */
    static List<String> upArgs(ApplianceConfig c) {
        List<String> args = new ArrayList<>(List.of(
                "--s3-port", Integer.toString(c.s3().port()),
                "--admin-port", Integer.toString(c.adminPort()),
                "--nfs-port", Integer.toString(c.nfs().port()),
                "--nfs-exports", "/" + EXPORTS));
        if (c.s3().domain() != null) {
            args.add("--s3-domain");
            args.add(c.s3().domain());
        }
        if (c.ost().count() != ApplianceConfig.Ost.DEFAULT.count()) {
            args.addAll(List.of("--osts", Integer.toString(c.ost().count())));
        }
        ApplianceConfig.Cluster cl = c.cluster();
        if (cl != null) {
            args.addAll(List.of("--cluster", cl.name(), "--node-id", cl.node(), "--peers", cl.peerList(),
                    "--roles", String.join(",", c.roles()), "--oss-port", Integer.toString(c.ost().port()),
                    "--first-ost", Integer.toString(c.ost().first())));
            if (cl.address() != null) {
                args.addAll(List.of("--advertise", cl.address()));
            }
        }
        return args;
    }

    static String networkUnit(NetworkConfig.Link l) {
        StringBuilder sb = new StringBuilder(HEADER).append("[Match]\n");
        if (l.mac() != null) {
            sb.append("MACAddress=").append(l.mac()).append('\n');
        }
        if (l.name() != null) {
            sb.append("Name=").append(l.name()).append('\n');
        }
        if (l.mac() == null && l.name() == null) {
            sb.append("Type=ether\nKind=!*\n");
        }
        if (l.mtu() != null) {
            sb.append("\n[Link]\nMTUBytes=").append(l.mtu()).append('\n');
        }
        sb.append("\n[Network]\n");
        String dhcp = l.dhcp4() && l.dhcp6() ? "yes" : l.dhcp4() ? "ipv4" : l.dhcp6() ? "ipv6" : "no";
        sb.append("DHCP=").append(dhcp).append('\n');
        for (String a : l.addresses()) {
            sb.append("Address=").append(a).append('\n');
        }
        for (String g : new String[] {l.gateway4(), l.gateway6()}) {
            if (g != null) {
                sb.append("Gateway=").append(g).append('\n');
            }
        }
        for (String d : l.dns()) {
            sb.append("DNS=").append(d).append('\n');
        }
        if (!l.search().isEmpty()) {
            sb.append("Domains=").append(String.join(" ", l.search())).append('\n');
        }
        if (l.dhcp4()) {
            sb.append("\n[DHCPv4]\n# The seed names this host, not the DHCP server.\nUseHostname=no\n");
        }
        return sb.toString();
    }

    /** key=value lines, one value per line, for the banner and for people. */
    static String summary(ApplianceConfig c) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("seed", c.fromSeed() ? "cidata" + (c.instanceId() != null ? " (instance-id " + c.instanceId() + ")" : "")
                : "none (defaults)");
        m.put("hostname", c.hostname());
        m.put("fqdn", c.fqdn() == null ? "" : c.fqdn());
        m.put("network", c.network().summary());
        m.put("roles", String.join(",", c.roles()));
        m.put("cluster", c.cluster() == null ? "" : c.cluster().name());
        m.put("node", c.cluster() == null ? "" : c.cluster().node());
        m.put("peers", c.cluster() == null ? "" : c.cluster().peerList());
        m.put("s3_port", Integer.toString(c.s3().port()));
        m.put("s3_domain", c.s3().domain() == null ? "" : c.s3().domain());
        m.put("s3_key", c.s3().keyFromSeed() ? "seed" : "generated");
        m.put("s3_access_key", c.s3().keyFromSeed() ? c.s3().accessKey() : "");
        m.put("nfs_port", Integer.toString(c.nfs().port()));
        m.put("nfs_exports", c.nfs().exports());
        m.put("admin_port", Integer.toString(c.adminPort()));
        m.put("runcmd", Integer.toString(c.runcmd().size()));
        m.put("ignored", String.join(",", c.ignored()));
        StringBuilder sb = new StringBuilder(HEADER);
        m.forEach((k, v) -> sb.append(k).append('=').append(v.replace('\n', ' ')).append('\n'));
        return sb.toString();
    }

    /**
     * Writes the files under {@code root} where they differ (content or mode), each through a temporary file
     * and a rename, and removes our network units the configuration no longer names. Returns the paths it
     * changed.
     */
    public static List<String> install(Path root, List<File> files) throws IOException {
        List<String> changed = new ArrayList<>();
        List<String> keep = new ArrayList<>();
        for (File f : files) {
            Path p = root.resolve(f.path());
            keep.add(f.path());
            if (f.content() == null) {
                if (Files.deleteIfExists(p)) {
                    changed.add(f.path());
                }
                continue;
            }
            byte[] bytes = f.content().getBytes(StandardCharsets.UTF_8);
            Set<PosixFilePermission> perms = permissions(f.mode());
            if (Files.isRegularFile(p) && Arrays.equals(Files.readAllBytes(p), bytes)
                    && Files.getPosixFilePermissions(p).equals(perms)) {
                continue;
            }
            Files.createDirectories(p.getParent());
            Path tmp = p.resolveSibling("." + p.getFileName() + ".nacre-tmp");
            Files.deleteIfExists(tmp);
            Files.createFile(tmp, PosixFilePermissions.asFileAttribute(perms));
            Files.setPosixFilePermissions(tmp, perms); // exactly the mode, whatever the umask
            Files.write(tmp, bytes);
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                ch.force(true);
            }
            try {
                Files.move(tmp, p, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, p, StandardCopyOption.REPLACE_EXISTING);
            }
            changed.add(f.path());
        }
        Path net = root.resolve(NETWORK_DIR);
        if (Files.isDirectory(net)) {
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(net, NETWORK_PREFIX + "*.network")) {
                for (Path p : ds) {
                    String rel = NETWORK_DIR + "/" + p.getFileName();
                    if (!keep.contains(rel)) {
                        Files.delete(p);
                        changed.add(rel);
                    }
                }
            }
        }
        return changed;
    }

    private static Set<PosixFilePermission> permissions(String octal) {
        int m = Integer.parseInt(octal, 8);
        StringBuilder sb = new StringBuilder();
        for (int shift = 6; shift >= 0; shift -= 3) {
            int bits = m >> shift & 7;
            sb.append((bits & 4) != 0 ? 'r' : '-').append((bits & 2) != 0 ? 'w' : '-').append((bits & 1) != 0 ? 'x' : '-');
        }
        return PosixFilePermissions.fromString(sb.toString());
    }
}
