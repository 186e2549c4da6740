package io.nacre.appliance.cli;

import io.nacre.appliance.admin.AdminJson;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;

/** Text output of the verbs, close to what lfs and ls print. */
final class Format {

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm").withZone(ZoneId.systemDefault());

    private Format() {
    }

    static String shortName(AdminJson.FileInfo f) {
        return f.type().equals("directory") ? f.name() + "/" : f.name();
    }

    static String longLine(AdminJson.FileInfo f) {
        String line = "%s %3d %5d %5d %12d %s %s".formatted(modeString(f.type(), Integer.parseInt(f.mode(), 8)),
                f.nlink(), f.uid(), f.gid(), f.size(), TIME.format(Instant.ofEpochSecond(0, f.mtimeNs())), f.name());
        return f.target() == null ? line : line + " -> " + f.target();
    }

    /** ls -l's ten characters: type and rwx with set-id and sticky bits. */
    static String modeString(String type, int mode) {
        char t = switch (type) {
            case "directory" -> 'd';
            case "symlink" -> 'l';
            case "block" -> 'b';
            case "char" -> 'c';
            case "fifo" -> 'p';
            case "socket" -> 's';
            default -> '-';
        };
        StringBuilder sb = new StringBuilder().append(t);
        for (int shift = 6; shift >= 0; shift -= 3) {
            int bits = (mode >> shift) & 7;
            sb.append((bits & 4) != 0 ? 'r' : '-').append((bits & 2) != 0 ? 'w' : '-');
            boolean x = (bits & 1) != 0;
            char special = shift == 6 ? ((mode & 04000) != 0 ? 's' : 0)
                    : shift == 3 ? ((mode & 02000) != 0 ? 's' : 0) : ((mode & 01000) != 0 ? 't' : 0);
            if (special != 0) {
                sb.append(x ? special : Character.toUpperCase(special));
            } else {
                sb.append(x ? 'x' : '-');
            }
        }
        return sb.toString();
    }

    static String stripe(AdminJson.StripeInfo s) {
        StringBuilder sb = new StringBuilder();
        sb.append(s.path()).append('\n');
        if (s.components() == null) {
            sb.append(s.defaultLayout() == null ? "no default layout set; new files get:\n" : "default layout:\n");
            appendTemplate(sb, s.defaultLayout() == null ? s.effectiveLayout() : s.defaultLayout());
            return sb.toString();
        }
        if (s.components().isEmpty()) {
            sb.append("no layout (no objects allocated yet)\n");
            return sb.toString();
        }
        sb.append("layout_gen:     ").append(s.layoutGeneration()).append('\n');
        sb.append("component_count: ").append(s.components().size()).append('\n');
        for (AdminJson.ComponentInfo c : s.components()) {
            sb.append("  component ").append(c.index()).append(": extent [").append(c.start()).append(", ")
                    .append(c.end() == null ? "EOF" : c.end()).append(')');
            if (c.mirrorId() != 0 || c.stale()) {
                sb.append(" mirror ").append(c.mirrorId()).append(c.stale() ? " stale" : "");
            }
            sb.append('\n');
            sb.append("    pattern:      ").append(c.pattern()).append('\n');
            if (c.pattern().equals("raid0")) {
                sb.append("    stripe_count: ").append(c.stripeCount()).append('\n');
                sb.append("    stripe_size:  ").append(c.stripeSize()).append('\n');
                if (!c.pool().isEmpty()) {
                    sb.append("    pool:         ").append(c.pool()).append('\n');
                }
                if (c.objects().isEmpty()) {
                    sb.append("    (not instantiated)\n");
                } else {
                    sb.append("    stripe   ost          objid\n");
                    for (AdminJson.StripeObject o : c.objects()) {
                        sb.append("    %6d   %-8s %#10x%n".formatted(o.stripe(), o.ostName(), o.objectId()));
                    }
                }
            } else if (c.pattern().equals("released")) {
                sb.append("    archive_id:   ").append(c.archiveId()).append('\n');
            }
        }
        return sb.toString();
    }

    private static void appendTemplate(StringBuilder sb, java.util.List<AdminJson.TemplateInfo> t) {
        long start = 0;
        for (AdminJson.TemplateInfo e : t) {
            sb.append("  [").append(start).append(", ").append(e.end() == null ? "EOF" : e.end()).append(") ");
            if (e.dataOnMdt()) {
                sb.append("data-on-MDT\n");
            } else {
                sb.append("stripe_count: ").append(e.stripeCount() == -1 ? "-1 (all OSTs)" : Integer.toString(e.stripeCount()))
                        .append("  stripe_size: ").append(e.stripeSize());
                if (!e.pool().isEmpty()) {
                    sb.append("  pool: ").append(e.pool());
                }
                sb.append('\n');
            }
            start = e.end() == null ? start : e.end();
        }
    }

    static String df(AdminJson.Df d, boolean human) {
        StringBuilder sb = new StringBuilder();
        String fmt = "%-20s %14s %14s %14s %5s%n";
        sb.append(fmt.formatted("UUID", human ? "Size" : "bytes", "Used", "Available", "Use%"));
        for (AdminJson.TargetUsage u : d.osts()) {
            sb.append(fmt.formatted("nacre-" + u.name() + "_UUID", size(u.bytesTotal(), human), size(u.bytesUsed(), human),
                    size(u.bytesFree(), human), percent(u.bytesUsed(), u.bytesTotal())));
        }
        sb.append(fmt.formatted("filesystem_summary:", size(d.bytesTotal(), human), size(d.bytesUsed(), human),
                size(d.bytesFree(), human), percent(d.bytesUsed(), d.bytesTotal())));
        sb.append("inodes: %d total, %d free%n".formatted(d.filesTotal(), d.filesFree()));
        return sb.toString();
    }

    /** The orphan scrub's report: one line per OST and the totals; in a dry run, the orphans found. */
    static String scrub(AdminJson.Scrub s, boolean human) {
        StringBuilder sb = new StringBuilder();
        long g = s.graceMs();
        sb.append("orphan scrub%s, grace %s%n".formatted(s.dryRun() ? " (dry run: nothing destroyed)" : "",
                g % 1000 == 0 ? g / 1000 + "s" : g + "ms"));
        String fmt = "%-10s %10s %10s %10s %10s %12s %10s %10s%n";
        sb.append(fmt.formatted("OST", "objects", "referenced", "orphans", "destroyed", human ? "freed" : "bytes_freed",
                "recent", "newer"));
        for (AdminJson.ScrubOst o : s.osts()) {
            sb.append(fmt.formatted(o.name(), o.scanned(), o.referenced(), o.orphans(), o.destroyed(),
                    size(o.bytesFreed(), human), o.recent(), o.newer()));
        }
        sb.append(fmt.formatted("total", s.scanned(), s.referenced(), s.orphans(), s.destroyed(),
                size(s.bytesFreed(), human), s.recent(), s.newer()));
        if (s.dryRun()) {
            for (AdminJson.ScrubOst o : s.osts()) {
                for (long id : o.orphanSample()) {
                    sb.append("orphan %s:0x%x%n".formatted(o.name(), id));
                }
                if (o.orphans() > o.orphanSample().size()) {
                    sb.append("... and %d more orphans on %s%n".formatted(o.orphans() - o.orphanSample().size(), o.name()));
                }
            }
        }
        return sb.toString();
    }

    private static String size(long v, boolean human) {
        return human ? Sizes.human(v) : Long.toString(v);
    }

    private static String percent(long used, long total) {
        return total <= 0 ? "-" : (used * 100 + total - 1) / total + "%";
    }
}
