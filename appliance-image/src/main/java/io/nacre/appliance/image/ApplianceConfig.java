package io.nacre.appliance.image;

import static java.util.Objects.requireNonNull;

import io.nacre.nfs.export.ExportTable;
import io.nacre.s3.auth.KeyStore;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * What the appliance runs as, read from its NoCloud seed (or the defaults without one): host name,
 * network, the S3 root key pair (null: the one Nacre generated), listener ports, NFS export rules, the
 * roles this node runs and its cluster peers, and commands to run once Nacre is healthy. Pure: parsing
 * and validation only; {@link ApplianceFiles} renders it into system files.
 *
 * <p>The seed's user-data is cloud-init's {@code #cloud-config} YAML: {@code hostname}, {@code fqdn} and
 * {@code runcmd} keep their cloud-init meaning (runcmd runs at every boot here, once Nacre is healthy), the
 * appliance's own settings sit under {@code nacre:}, and other cloud-init keys are listed as ignored.
 */
public record ApplianceConfig(String instanceId, String hostname, String fqdn, NetworkConfig network, S3 s3,
                              Nfs nfs, int adminPort, List<String> roles, List<String> peers, List<String> runcmd,
                              List<String> ignored, boolean fromSeed) {

    /** Every role of one node; today's build runs them all in one process. */
    public static final List<String> ALL_ROLES = List.of("mds", "ost", "nfs", "s3");
    public static final String DEFAULT_HOSTNAME = "nacre";
    public static final String DEFAULT_EXPORTS = "/ *(rw)";
    public static final int DEFAULT_S3_PORT = 9000;
    public static final int DEFAULT_ADMIN_PORT = 9001;
    public static final int DEFAULT_NFS_PORT = 2049;

    /** The S3 endpoint: the root key pair (both null when Nacre generates it), virtual-host domain, port. */
    public record S3(String accessKey, String secretKey, String domain, int port) {
        public boolean keyFromSeed() {
            return accessKey != null;
        }
    }

    /** The NFS endpoint: the export rules in exports(5) syntax, one export line, and the port. */
    public record Nfs(String exports, int port) {
    }

    public ApplianceConfig {
        requireNonNull(hostname, "hostname");
        requireNonNull(network, "network");
        requireNonNull(s3, "s3");
        requireNonNull(nfs, "nfs");
        roles = List.copyOf(roles);
        peers = List.copyOf(peers);
        runcmd = List.copyOf(runcmd);
        ignored = List.copyOf(ignored);
    }

    /** The appliance without a seed: all-in-one, DHCP, generated S3 key, every NFS client read-write. */
    public static ApplianceConfig defaults() {
        return new ApplianceConfig(null, DEFAULT_HOSTNAME, null, NetworkConfig.dhcp(),
                new S3(null, null, null, DEFAULT_S3_PORT), new Nfs(DEFAULT_EXPORTS, DEFAULT_NFS_PORT), DEFAULT_ADMIN_PORT,
                ALL_ROLES, List.of(), List.of(), List.of(), false);
    }

    private static final Set<String> TOP_KEYS = Set.of("hostname", "fqdn", "nacre", "runcmd");
    private static final Set<String> NACRE_KEYS = Set.of("network", "s3", "nfs", "admin", "roles", "peers");
    private static final Pattern LABEL = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?");

    /** Parses and checks a seed; a {@link SeedException} says what is wrong and where. */
    public static ApplianceConfig from(Seed seed) {
        requireNonNull(seed, "seed");
        SeedYaml md = new SeedYaml("meta-data");
        Map<String, Object> meta = isBlank(seed.metaData()) ? Map.of() : md.map(md.load(seed.metaData()), "the document");
        String instanceId = md.scalar(meta, "instance-id", "meta-data");
        String localHostname = md.string(meta, "local-hostname", "meta-data");

        SeedYaml ud = new SeedYaml("user-data");
        Map<String, Object> user = Map.of();
        if (!isBlank(seed.userData())) {
            String text = seed.userData().stripLeading();
            if (text.startsWith("\uFEFF")) {
                text = text.substring(1);
            }
            if (!text.startsWith("#cloud-config")) {
                throw ud.fail("must start with the line #cloud-config (the appliance reads cloud-config YAML, "
                        + (text.startsWith("#!") ? "not scripts: put commands under runcmd:)" : "not other user-data formats)"));
            }
            user = ud.map(ud.load(text), "the document");
        }
        List<String> ignored = new ArrayList<>(new TreeSet<>(user.keySet()));
        ignored.removeAll(TOP_KEYS);

        String[] names = hostnames(ud, ud.string(user, "hostname", "user-data"), ud.string(user, "fqdn", "user-data"),
                localHostname);

        Map<String, Object> nacre = ud.map(user.get("nacre"), "nacre");
        ud.onlyKeys(nacre, "nacre", NACRE_KEYS);

        NetworkConfig network;
        if (!isBlank(seed.networkConfig())) {
            if (nacre.containsKey("network")) {
                throw ud.fail("nacre.network", "and a network-config file both give the network: keep one");
            }
            network = NetworkConfig.fromNetworkConfig(seed.networkConfig());
        } else if (nacre.get("network") != null) {
            network = NetworkConfig.fromSeedSection(ud, nacre.get("network"), "nacre.network");
        } else {
            network = NetworkConfig.dhcp();
        }

        Map<String, Object> s3 = ud.map(nacre.get("s3"), "nacre.s3");
        ud.onlyKeys(s3, "nacre.s3", Set.of("access_key", "secret_key", "domain", "port"));
        String ak = ud.string(s3, "access_key", "nacre.s3");
        String sk = ud.string(s3, "secret_key", "nacre.s3");
        if ((ak == null) != (sk == null)) {
            throw ud.fail("nacre.s3", "gives access_key and secret_key together, or neither (Nacre then generates the pair)");
        }
        if (ak != null) {
            try {
                new KeyStore.Key(ak, sk, 0, 0, true);
            } catch (IllegalArgumentException e) {
                throw ud.fail("nacre.s3", "has a key pair Nacre refuses: " + e.getMessage());
            }
            if (sk.length() < 8) {
                throw ud.fail("nacre.s3.secret_key", "is shorter than 8 characters");
            }
        }
        String domain = ud.string(s3, "domain", "nacre.s3");
        if (domain != null && !NetworkConfig.isDomain(domain)) {
            throw ud.fail("nacre.s3.domain", "must be a DNS domain, not '" + domain + "'");
        }
        int s3Port = port(ud, s3, "nacre.s3", DEFAULT_S3_PORT);

        Map<String, Object> nfs = ud.map(nacre.get("nfs"), "nacre.nfs");
        ud.onlyKeys(nfs, "nacre.nfs", Set.of("exports", "port"));
        String exports = ud.string(nfs, "exports", "nacre.nfs");
        exports = exports == null ? DEFAULT_EXPORTS : checkExports(ud, exports);
        int nfsPort = port(ud, nfs, "nacre.nfs", DEFAULT_NFS_PORT);

        Map<String, Object> admin = ud.map(nacre.get("admin"), "nacre.admin");
        ud.onlyKeys(admin, "nacre.admin", Set.of("port"));
        int adminPort = port(ud, admin, "nacre.admin", DEFAULT_ADMIN_PORT);
        if (new HashSet<>(List.of(s3Port, nfsPort, adminPort)).size() != 3) {
            throw ud.fail("nacre", "gives two endpoints the same port (S3 " + s3Port + ", NFS " + nfsPort + ", admin "
                    + adminPort + ")");
        }

        List<String> roles = nacre.containsKey("roles") ? ud.strings(nacre, "roles", "nacre") : ALL_ROLES;
        List<String> peers = ud.strings(nacre, "peers", "nacre");
        checkTopology(ud, roles, peers);

        return new ApplianceConfig(instanceId, names[0], names[1], network, new S3(ak, sk, domain, s3Port),
                new Nfs(exports, nfsPort), adminPort, ALL_ROLES.stream().filter(roles::contains).toList(), peers,
                runcmd(ud, user.get("runcmd")), ignored, true);
    }

    /** [host name, fully qualified name or null] from user-data's hostname/fqdn, else meta-data's local-hostname. */
    private static String[] hostnames(SeedYaml y, String hostname, String fqdn, String localHostname) {
        String given = hostname != null ? hostname : fqdn != null ? fqdn : localHostname;
        if (given == null) {
            return new String[] {DEFAULT_HOSTNAME, null};
        }
        String key = hostname != null ? "hostname" : fqdn != null ? "fqdn" : "local-hostname (meta-data)";
        if (!NetworkConfig.isDomain(given) || given.endsWith(".")) {
            throw y.fail(key, "must be a host name (letters, digits, '-', labels of up to 63), not '" + given + "'");
        }
        String shortName = given.contains(".") ? given.substring(0, given.indexOf('.')) : given;
        String full = fqdn != null ? fqdn : given.contains(".") ? given : null;
        if (!LABEL.matcher(shortName).matches()) {
            throw y.fail(key, "must start with a letter or digit: '" + given + "'");
        }
        if (full != null && (!NetworkConfig.isDomain(full) || full.endsWith("."))) {
            throw y.fail("fqdn", "must be a domain name, not '" + full + "'");
        }
        return new String[] {shortName, full};
    }

    private static int port(SeedYaml y, Map<String, Object> section, String key, int dflt) {
        Integer p = y.integer(section, "port", key, 1, 65535);
        return p == null ? dflt : p;
    }

    /** One export line in exports(5) syntax, checked by the NFS gateway's own parser (what nacre up reads). */
    private static String checkExports(SeedYaml y, String exports) {
        String line = exports.strip();
        if (line.isEmpty() || line.contains("\n")) {
            throw y.fail("nacre.nfs.exports", "must be one export line, like \"/ 192.0.2.0/24(rw) *(ro)\"");
        }
        try {
            ExportTable.parse(line);
        } catch (IllegalArgumentException e) {
            throw y.fail("nacre.nfs.exports", "is not an export line Nacre accepts: " + e.getMessage());
        }
        return line;
    }

    private static void checkTopology(SeedYaml y, List<String> roles, List<String> peers) {
        for (String r : roles) {
            if (!ALL_ROLES.contains(r)) {
                throw y.fail("nacre.roles", "has an unknown role '" + r + "'; roles are " + ALL_ROLES);
            }
        }
        if (!new HashSet<>(roles).containsAll(ALL_ROLES) || !peers.isEmpty()) {
            throw y.fail("nacre", "asks for roles " + roles + " with peers " + peers + ": this build of Nacre runs"
                    + " every role in one process (all-in-one, no peers); one role per node comes with clustering");
        }
    }

    private static List<String> runcmd(SeedYaml y, Object value) {
        if (value == null) {
            return List.of();
        }
        if (!(value instanceof List<?> items)) {
            throw y.fail("runcmd", "must be a list of commands");
        }
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            Object item = items.get(i);
            String line;
            if (item instanceof String s) {
                line = s;
            } else if (item instanceof List<?> argv && !argv.isEmpty()) {
                List<String> words = new ArrayList<>();
                for (Object w : argv) {
                    if (!(w instanceof String || w instanceof Number)) {
                        throw y.fail("runcmd[" + i + "]", "must be a string or a list of strings");
                    }
                    words.add(shellQuote(w.toString()));
                }
                line = String.join(" ", words);
            } else {
                throw y.fail("runcmd[" + i + "]", "must be a string or a list of strings");
            }
            if (line.indexOf('\0') >= 0) {
                throw y.fail("runcmd[" + i + "]", "contains a NUL character");
            }
            lines.add(line);
        }
        return lines;
    }

    /** A word for sh: single-quoted unless it is plainly safe. */
    static String shellQuote(String word) {
        if (word.matches("[A-Za-z0-9_@%+=:,./-]+")) {
            return word;
        }
        return "'" + word.replace("'", "'\\''") + "'";
    }

    private static boolean isBlank(String s) {
        return s == null || s.isBlank();
    }
}
