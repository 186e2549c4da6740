package io.nacre.appliance.hsm;

import io.nacre.appliance.cli.Sizes;
import io.nacre.engine.hsm.HsmLimits;
import io.nacre.engine.hsm.PolicyRules;
import io.nacre.s3.copytool.S3ArchiveConfig;
import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The HSM part of Nacre's configuration: the S3 archives (one copytool each), the agent, and the policy
 * rules. A Java properties file (see README, "HSM"; comments on lines of their own, as Properties reads them):
 *
 * <pre>
 * # any S3; AWS when absent
 * archive.1.endpoint = http://10.0.0.9:9000
 * archive.1.bucket = nacre-archive
 * archive.1.prefix = fs1
 * archive.1.region = us-east-1
 * # or the AWS default chain (AWS_ACCESS_KEY_ID...)
 * archive.1.access_key = ...
 * archive.1.secret_key = ...
 * archive.1.part_size = 16M
 * archive.1.parts_in_flight = 2
 * # bytes per second, 0 for no limit
 * archive.1.bandwidth = 100M
 * # requests at once per archive (restore storms queue)
 * agent.max_actions = 4
 * policy.interval = 1m
 * policy.archive.idle.older_than = 30m
 * policy.archive.idle.path = /projects
 * policy.archive.idle.pool = fast
 * policy.archive.idle.min_size = 1M
 * policy.archive.idle.archive_id = 1
 * policy.release.fast.pool = fast
 * policy.release.fast.high = 85%
 * policy.release.fast.low = 70%
 * policy.remove.after = 30d
 * # how long an S3 GET of a released object waits
 * s3.restore_wait = 15s
 * </pre>
 */
public record HsmSettings(List<S3ArchiveConfig> archives, int maxActions, String agentName, PolicyRules policy,
                          Duration policyInterval, Duration s3RestoreWait) {

    /** How long an S3 GET of a released object waits for its restore by default, before 503 SlowDown. */
    public static final Duration DEFAULT_S3_RESTORE_WAIT = Duration.ofSeconds(15);

    public static final HsmSettings NONE = new HsmSettings(List.of(), 4, null, PolicyRules.NONE, Duration.ofMinutes(1),
            DEFAULT_S3_RESTORE_WAIT);

    private static final Pattern ARCHIVE = Pattern.compile("archive\\.(\\d+)\\.([a-z_]+)");
    private static final Pattern RULE = Pattern.compile("policy\\.(archive|release)\\.([A-Za-z0-9_-]+)\\.([a-z_]+)");
    private static final Set<String> ARCHIVE_KEYS = Set.of("endpoint", "bucket", "prefix", "region", "access_key",
            "secret_key", "path_style", "part_size", "parts_in_flight", "bandwidth");
    private static final Set<String> ARCHIVE_RULE_KEYS = Set.of("older_than", "path", "pool", "min_size", "max_size",
            "archive_id");
    private static final Set<String> RELEASE_RULE_KEYS = Set.of("pool", "high", "low");

    public HsmSettings {
        archives = List.copyOf(archives);
        s3RestoreWait = s3RestoreWait == null ? DEFAULT_S3_RESTORE_WAIT : s3RestoreWait;
        if (s3RestoreWait.isNegative()) {
            throw new IllegalArgumentException("s3.restore_wait must be >= 0: " + s3RestoreWait);
        }
        if (maxActions < 1) {
            throw new IllegalArgumentException("agent.max_actions must be >= 1: " + maxActions);
        }
    }

    public boolean isEmpty() {
        return archives.isEmpty() && policy.isEmpty();
    }

    public static HsmSettings load(Path file) {
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            return parse(r, file.toString());
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read the HSM configuration " + file + ": " + e.getMessage(), e);
        }
    }

    public static HsmSettings parse(String text) {
        try {
            return parse(new StringReader(text), "the HSM configuration");
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static HsmSettings parse(Reader r, String where) throws IOException {
        Properties p = new Properties();
        p.load(r);
        Map<Integer, Map<String, String>> archives = new TreeMap<>();
        Map<String, Map<String, String>> archiveRules = new TreeMap<>();
        Map<String, Map<String, String>> releaseRules = new TreeMap<>();
        int maxActions = 4;
        String agentName = null;
        Duration interval = Duration.ofMinutes(1);
        Duration removeAfter = null;
        Duration restoreWait = DEFAULT_S3_RESTORE_WAIT;
        for (String key : new TreeSet<>(p.stringPropertyNames())) {
            String v = p.getProperty(key).strip();
            Matcher a = ARCHIVE.matcher(key);
            Matcher rule = RULE.matcher(key);
            try {
                if (a.matches()) {
                    int id = HsmLimits.checkArchiveId(Integer.parseInt(a.group(1)));
                    known(key, a.group(2), ARCHIVE_KEYS);
                    archives.computeIfAbsent(id, k -> new TreeMap<>()).put(a.group(2), v);
                } else if (rule.matches()) {
                    boolean isArchive = rule.group(1).equals("archive");
                    known(key, rule.group(3), isArchive ? ARCHIVE_RULE_KEYS : RELEASE_RULE_KEYS);
                    (isArchive ? archiveRules : releaseRules).computeIfAbsent(rule.group(2), k -> new TreeMap<>())
                            .put(rule.group(3), v);
                } else {
                    switch (key) {
                        case "agent.max_actions" -> maxActions = Integer.parseInt(v);
                        case "agent.name" -> agentName = v;
                        case "policy.interval" -> interval = duration(v);
                        case "policy.remove.after" -> removeAfter = duration(v);
                        case "s3.restore_wait" -> restoreWait = duration(v);
                        default -> throw new IllegalArgumentException("unknown setting " + key);
                    }
                }
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(where + ": " + key + " = " + v + ": " + e.getMessage(), e);
            }
        }
        List<S3ArchiveConfig> configs = new ArrayList<>();
        archives.forEach((id, m) -> configs.add(archive(where, id, m)));
        List<PolicyRules.ArchiveRule> ar = new ArrayList<>();
        archiveRules.forEach((name, m) -> ar.add(new PolicyRules.ArchiveRule(name,
                duration(require(where, "policy.archive." + name, m, "older_than")), m.get("path"), m.get("pool"),
                m.containsKey("min_size") ? Sizes.parse(m.get("min_size")) : 0,
                m.containsKey("max_size") ? Sizes.parse(m.get("max_size")) : Long.MAX_VALUE,
                Integer.parseInt(m.getOrDefault("archive_id", "1")))));
        List<PolicyRules.ReleaseRule> rr = new ArrayList<>();
        releaseRules.forEach((name, m) -> rr.add(new PolicyRules.ReleaseRule(name, m.get("pool"),
                fraction(require(where, "policy.release." + name, m, "high")),
                fraction(require(where, "policy.release." + name, m, "low")))));
        return new HsmSettings(configs, maxActions, agentName, new PolicyRules(ar, rr, removeAfter), interval,
                restoreWait);
    }

    private static void known(String key, String field, Set<String> allowed) {
        if (!allowed.contains(field)) {
            throw new IllegalArgumentException("unknown setting " + key + " (known: " + new TreeSet<>(allowed) + ")");
        }
    }

    private static String require(String where, String prefix, Map<String, String> m, String field) {
        String v = m.get(field);
        if (v == null || v.isEmpty()) {
            throw new IllegalArgumentException(where + ": " + prefix + "." + field + " is required");
        }
        return v;
    }

    private static S3ArchiveConfig archive(String where, int id, Map<String, String> m) {
        S3ArchiveConfig.Builder b = S3ArchiveConfig.builder(id, require(where, "archive." + id, m, "bucket"));
        if (m.containsKey("endpoint")) {
            b.endpoint(URI.create(m.get("endpoint")));
        }
        b.region(m.get("region")).prefix(m.get("prefix"));
        if (m.containsKey("access_key") || m.containsKey("secret_key")) {
            b.credentials(m.get("access_key"), m.get("secret_key"));
        }
        if (m.containsKey("path_style")) {
            b.pathStyle(Boolean.parseBoolean(m.get("path_style")));
        }
        if (m.containsKey("part_size")) {
            b.partSize(Math.toIntExact(Sizes.parse(m.get("part_size"))));
        }
        if (m.containsKey("parts_in_flight")) {
            b.partsInFlight(Integer.parseInt(m.get("parts_in_flight")));
        }
        if (m.containsKey("bandwidth")) {
            b.bandwidth(Sizes.parse(m.get("bandwidth")));
        }
        try {
            return b.build();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(where + ": archive." + id + ": " + e.getMessage(), e);
        }
    }

    /**
     * These settings and one more archive given on the command line: {@code s3://bucket/prefix} on
     * {@code endpoint} (AWS when null), credentials from the AWS default chain (AWS_ACCESS_KEY_ID...).
     */
    public HsmSettings withArchive(int archiveId, String url, String endpoint) {
        if (url == null || !url.startsWith("s3://") || url.length() <= "s3://".length()) {
            throw new IllegalArgumentException("an archive is s3://BUCKET[/PREFIX], not " + url);
        }
        String rest = url.substring("s3://".length());
        int slash = rest.indexOf('/');
        S3ArchiveConfig.Builder b = S3ArchiveConfig.builder(archiveId, slash < 0 ? rest : rest.substring(0, slash))
                .prefix(slash < 0 ? "" : rest.substring(slash + 1));
        if (endpoint != null) {
            b.endpoint(URI.create(endpoint));
        }
        List<S3ArchiveConfig> all = new ArrayList<>(archives);
        if (all.stream().anyMatch(c -> c.archiveId() == archiveId)) {
            throw new IllegalArgumentException("archive " + archiveId + " is configured twice");
        }
        all.add(b.build());
        return new HsmSettings(all, maxActions, agentName, policy, policyInterval, s3RestoreWait);
    }

    /** The same with another agent concurrency and name (null: keep). */
    public HsmSettings withAgent(Integer actions, String name) {
        return new HsmSettings(archives, actions == null ? maxActions : actions, name == null ? agentName : name, policy,
                policyInterval, s3RestoreWait);
    }

    /** "30s", "15m", "2h", "30d", or a number of seconds. */
    public static Duration duration(String text) {
        String s = text.strip().toLowerCase(Locale.ROOT);
        Matcher m = Pattern.compile("(\\d+)\\s*(ms|s|m|min|h|d)?").matcher(s);
        if (!m.matches()) {
            throw new IllegalArgumentException("not a duration: '" + text + "' (use 30s, 15m, 2h, 30d)");
        }
        long n = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "s" : m.group(2);
        return switch (unit) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            case "m", "min" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            default -> Duration.ofDays(n);
        };
    }

    /** "85%", "85" (percent) or "0.85". */
    static double fraction(String text) {
        String s = text.strip();
        boolean pct = s.endsWith("%");
        double v = Double.parseDouble(pct ? s.substring(0, s.length() - 1) : s);
        return pct || v > 1 ? v / 100 : v;
    }
}
