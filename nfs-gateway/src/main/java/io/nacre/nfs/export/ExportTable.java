package io.nacre.nfs.export;

import static java.util.Objects.requireNonNull;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Who may mount what, in exports(5) syntax. One export: its path in the namespace (the root, "/", by
 * default) and the client rules, e.g.
 *
 * <pre>
 * /  127.0.0.1(rw,no_root_squash)  10.0.0.0/8(rw)  *(ro,all_squash,anonuid=1000,anongid=1000)
 * </pre>
 *
 * Options: rw, ro, root_squash (default), no_root_squash, all_squash, no_all_squash, anonuid=N,
 * anongid=N, secure (client source port below 1024), insecure (default here, unlike knfsd),
 * sec=sys|none; sync, async, wdelay, no_wdelay, subtree_check, no_subtree_check, hide, nohide,
 * crossmnt and fsid=... are accepted for compatibility and have no effect (writes are always
 * handled as the client asks). A client without a matching rule is refused.
 */
public final class ExportTable {

    private final String path;
    private final List<ClientRule> rules;
    /** The rule of each client address seen (host name patterns cost a reverse lookup). */
    private final Map<InetAddress, Optional<ClientRule>> byAddress = new ConcurrentHashMap<>();

    private ExportTable(String path, List<ClientRule> rules) {
        this.path = path;
        this.rules = List.copyOf(rules);
    }

    /** Every client, read-write, root squashed: exports(5)'s defaults. */
    public static ExportTable everyone() {
        return parse("/ *(rw)");
    }

    /**
     * Parses an exports text: one export line (blank lines and {@code #} comments ignored; a trailing
     * backslash continues a line). The path may be omitted, meaning "/".
     */
    public static ExportTable parse(String text) {
        requireNonNull(text, "text");
        List<String> lines = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        for (String raw : text.split("\n", -1)) {
            String line = raw.replaceFirst("#.*$", "").stripTrailing();
            if (line.endsWith("\\")) {
                cur.append(line, 0, line.length() - 1).append(' ');
                continue;
            }
            cur.append(line);
            if (!cur.toString().isBlank()) {
                lines.add(cur.toString().strip());
            }
            cur.setLength(0);
        }
        if (!cur.toString().isBlank()) {
            lines.add(cur.toString().strip());
        }
        if (lines.size() != 1) {
            throw new IllegalArgumentException("an export table has exactly one export line, found " + lines.size());
        }
        return parseLine(lines.get(0));
    }

    private static ExportTable parseLine(String line) {
        String[] fields = line.split("\\s+");
        int i = 0;
        String path = "/";
        if (fields[0].startsWith("/") && !fields[0].contains("(")) {
            path = fields[0];
            i = 1;
        }
        if (i == fields.length) {
            throw new IllegalArgumentException("export " + path + " names no clients");
        }
        List<ClientRule> rules = new ArrayList<>();
        for (; i < fields.length; i++) {
            rules.add(parseClient(fields[i]));
        }
        return new ExportTable(path, rules);
    }

    private static ClientRule parseClient(String field) {
        int open = field.indexOf('(');
        String who = open < 0 ? field : field.substring(0, open);
        String opts = "";
        if (open >= 0) {
            if (!field.endsWith(")")) {
                throw new IllegalArgumentException("unclosed option list: " + field);
            }
            opts = field.substring(open + 1, field.length() - 1);
        }
        if (who.isEmpty()) {
            who = "*";
        }
        boolean ro = false;
        boolean rootSquash = true;
        boolean allSquash = false;
        int anonUid = ClientRule.DEFAULT_ANON_ID;
        int anonGid = ClientRule.DEFAULT_ANON_ID;
        boolean secure = false;
        for (String opt : opts.isEmpty() ? new String[0] : opts.split(",")) {
            String o = opt.strip();
            int eq = o.indexOf('=');
            String key = eq < 0 ? o : o.substring(0, eq);
            String value = eq < 0 ? null : o.substring(eq + 1);
            switch (key) {
                case "rw" -> ro = false;
                case "ro" -> ro = true;
                case "root_squash" -> rootSquash = true;
                case "no_root_squash" -> rootSquash = false;
                case "all_squash" -> allSquash = true;
                case "no_all_squash" -> allSquash = false;
                case "anonuid" -> anonUid = id(key, value, field);
                case "anongid" -> anonGid = id(key, value, field);
                case "secure" -> secure = true;
                case "insecure" -> secure = false;
                case "sec" -> checkSec(value, field);
                case "sync", "async", "wdelay", "no_wdelay", "subtree_check", "no_subtree_check", "hide", "nohide",
                     "crossmnt", "fsid", "insecure_locks", "secure_locks", "no_auth_nlm", "auth_nlm" -> {
                    // accepted for exports(5) compatibility; no effect here
                }
                default -> throw new IllegalArgumentException("unknown export option '" + o + "' in " + field);
            }
        }
        Squash squash = allSquash ? Squash.ALL : rootSquash ? Squash.ROOT : Squash.NONE;
        return new ClientRule(ClientMatcher.parse(who), ro, squash, anonUid, anonGid, secure);
    }

    private static int id(String key, String value, String field) {
        if (value == null) {
            throw new IllegalArgumentException(key + " needs a value in " + field);
        }
        try {
            long v = Long.parseLong(value);
            if (v < 0 || v > 0xffffffffL) {
                throw new IllegalArgumentException(key + " out of range in " + field);
            }
            return (int) v;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + " is not a number in " + field, e);
        }
    }

    private static void checkSec(String value, String field) {
        if (value == null) {
            throw new IllegalArgumentException("sec needs a value in " + field);
        }
        for (String flavor : value.split(":")) {
            if (!flavor.equals("sys") && !flavor.equals("none")) {
                throw new IllegalArgumentException("security flavor '" + flavor + "' is not supported (sys, none) in "
                        + field);
            }
        }
    }

    /** The exported directory, as a path in the namespace. */
    public String path() {
        return path;
    }

    public List<ClientRule> rules() {
        return rules;
    }

    /**
     * The rule for a client: the most specific one that matches (first listed among equals), empty when
     * the client may not mount. A rule marked {@code secure} matches only from a port below 1024.
     */
    public Optional<ClientRule> ruleFor(InetSocketAddress client) {
        Optional<ClientRule> rule = byAddress.computeIfAbsent(client.getAddress(), this::match);
        if (rule.isPresent() && rule.get().secure() && client.getPort() >= 1024) {
            return Optional.empty();
        }
        return rule;
    }

    private Optional<ClientRule> match(InetAddress addr) {
        ClientRule best = null;
        for (ClientRule r : rules) {
            if (r.clients().matches(addr) && (best == null || r.clients().specificity() > best.clients().specificity())) {
                best = r;
            }
        }
        return Optional.ofNullable(best);
    }
}
