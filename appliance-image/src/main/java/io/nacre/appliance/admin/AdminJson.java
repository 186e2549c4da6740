package io.nacre.appliance.admin;

import io.nacre.engine.layout.Component;
import io.nacre.engine.layout.Extent;
import io.nacre.engine.layout.Layout;
import io.nacre.engine.layout.LayoutTemplate;
import io.nacre.engine.layout.ObjectRef;
import io.nacre.engine.layout.Placement;
import io.nacre.engine.meta.Attr;
import java.util.List;

/**
 * The admin API's JSON documents, which are also what {@code --json} prints: field names are stable
 * (snake_case on the wire); new fields may be added, none renamed or removed. README documents them.
 */
public final class AdminJson {

    private AdminJson() {
    }

    /** An error: the Status name (NOT_FOUND, INVALID...) and a sentence for people. */
    public record Error(String error, String message) {
    }

    /** One file or directory. Times are nanoseconds since the epoch; mode is octal text ("0644"). */
    public record FileInfo(String name, String path, String fid, String type, String mode, int nlink, int uid,
                           int gid, long size, long mtimeNs, long ctimeNs, String target) {
        static FileInfo of(String name, String path, Attr a, String target) {
            return new FileInfo(name, path, a.fid().toString(), a.type().name().toLowerCase(java.util.Locale.ROOT),
                    "%04o".formatted(a.mode()), a.nlink(), a.uid(), a.gid(), a.size(), a.mtime(), a.ctime(), target);
        }
    }

    /** A directory listing. */
    public record Listing(String path, List<FileInfo> entries) {
    }

    /** One OST object of a stripe. */
    public record StripeObject(int stripe, int ost, String ostName, long objectId) {
    }

    /**
     * One layout component. {@code end} is null for EOF. {@code pattern} is raid0, mdt or released;
     * {@code objects} is empty until the component is instantiated (PFL).
     */
    public record ComponentInfo(int index, long start, Long end, int mirrorId, boolean stale, String pattern,
                                int stripeCount, int stripeSize, String pool, int archiveId,
                                List<StripeObject> objects) {
    }

    /** A template component (a directory default): end null for EOF, count -1 for all OSTs, 0 inherit. */
    public record TemplateInfo(Long end, int stripeCount, int stripeSize, String pool, boolean dataOnMdt) {
    }

    /**
     * getstripe: for a file, its layout; for a directory, its own default ({@code defaultLayout}, null when
     * none is set) and the template new files in it get ({@code effectiveLayout}).
     */
    public record StripeInfo(String path, String fid, String type, Long layoutGeneration,
                             List<ComponentInfo> components, List<TemplateInfo> defaultLayout,
                             List<TemplateInfo> effectiveLayout) {
    }

    /** One target's space, as lfs df: bytes and objects (objects only for OSTs; inodes for the MDT). */
    public record TargetUsage(String name, int index, long bytesTotal, long bytesUsed, long bytesFree, long objects) {
    }

    /** POST /api/v1/scrub: a dry run or not, the grace period (null: the default), the OSTs (null or empty: all). */
    public record ScrubRequest(boolean dryRun, Long graceMs, List<Integer> osts) {
    }

    /**
     * One OST's orphan scrub: objects held ({@code scanned}) = referenced + orphans + recent (unreferenced but
     * written within the grace period: left) + newer (allocated after the scrub's view: left); orphans destroyed
     * and the bytes they used; the first orphan ids; why the pass stopped early, or null.
     */
    public record ScrubOst(String name, int index, long allocationMark, long scanned, long referenced, long orphans,
                           long recent, long newer, long destroyed, long bytesFreed, List<Long> orphanSample,
                           String error) {
    }

    /** The orphan scrub: every OST's pass and the totals. */
    public record Scrub(boolean dryRun, long graceMs, List<ScrubOst> osts, long scanned, long referenced, long orphans,
                        long recent, long newer, long destroyed, long bytesFreed, boolean complete) {
        static Scrub of(io.nacre.engine.scrub.OrphanScrub.Report r) {
            List<ScrubOst> osts = r.osts().stream().map(o -> new ScrubOst("OST%04x".formatted(o.ost()), o.ost(),
                    o.allocationMark(), o.scanned(), o.referenced(), o.orphans(), o.recent(), o.newer(), o.destroyed(),
                    o.bytesFreed(), o.sample(), o.error())).toList();
            return new Scrub(r.dryRun(), r.grace().toMillis(), osts, r.scanned(), r.referenced(), r.orphans(), r.recent(),
                    r.newer(), r.destroyed(), r.bytesFreed(), r.complete());
        }
    }

    /** df: every OST, the MDT's inodes, and the file system's totals. */
    public record Df(List<TargetUsage> osts, long filesTotal, long filesFree, long bytesTotal, long bytesUsed,
                     long bytesFree) {
    }

    /** /health: "ok" when every role answers, and each role's own state. */
    public record Health(String status, java.util.Map<String, String> roles) {
    }

    static List<ComponentInfo> components(Layout layout) {
        List<ComponentInfo> out = new java.util.ArrayList<>();
        List<Component> comps = layout.components();
        for (int i = 0; i < comps.size(); i++) {
            Component c = comps.get(i);
            Long end = c.end() == Extent.EOF ? null : c.end();
            switch (c.placement()) {
                case Placement.Raid0 r -> {
                    List<StripeObject> objs = new java.util.ArrayList<>();
                    for (int s = 0; s < r.objects().size(); s++) {
                        ObjectRef o = r.objects().get(s);
                        objs.add(new StripeObject(s, o.ost(), "OST%04x".formatted(o.ost()), o.id()));
                    }
                    out.add(new ComponentInfo(i, c.start(), end, c.mirrorId(), c.stale(), "raid0", r.stripeCount(),
                            r.stripeSize(), r.pool(), 0, objs));
                }
                case Placement.DataOnMdt d -> out.add(new ComponentInfo(i, c.start(), end, c.mirrorId(), c.stale(),
                        "mdt", 0, 0, "", 0, List.of()));
                case Placement.Released r -> out.add(new ComponentInfo(i, c.start(), end, c.mirrorId(), c.stale(),
                        "released", 0, 0, "", r.archiveId(), List.of()));
            }
        }
        return out;
    }

    static List<TemplateInfo> template(LayoutTemplate t) {
        if (t == null) {
            return null;
        }
        return t.entries().stream()
                .map(e -> new TemplateInfo(e.end() == Extent.EOF ? null : e.end(), e.stripeCount(), e.stripeSize(),
                        e.pool(), e.dataOnMdt()))
                .toList();
    }

    static LayoutTemplate template(List<TemplateInfo> infos) {
        return new LayoutTemplate(infos.stream()
                .map(t -> new LayoutTemplate.Entry(t.end() == null ? Extent.EOF : t.end(), t.stripeCount(),
                        t.stripeSize(), t.pool(), t.dataOnMdt()))
                .toList());
    }
}
