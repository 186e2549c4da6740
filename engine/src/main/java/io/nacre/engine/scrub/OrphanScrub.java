package io.nacre.engine.scrub;

import static java.util.Objects.requireNonNull;

import io.nacre.engine.NacreException;
import io.nacre.engine.Status;
import io.nacre.engine.layout.ObjectRef;
import io.nacre.engine.meta.MetadataService;
import io.nacre.engine.meta.ReferencedObjects;
import io.nacre.engine.store.ListedObject;
import io.nacre.engine.store.ObjectStore;
import io.nacre.engine.store.OstInfo;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lustre LFSCK's layout pass over the OSTs: finds the objects an OST holds that no file's layout and no queued
 * destroy or punch names (orphans, such as an object a stale pNFS writer made anew after its file was removed
 * through another gateway) and destroys them. Per OST, the MDS's referenced ids
 * ({@link MetadataService#referencedObjects}) and the OST's objects ({@link ObjectStore#list}), both ascending,
 * are merged a page at a time: memory for two pages whatever the number of objects.
 *
 * <p>Safe against what runs meanwhile:
 * <ul>
 * <li>only ids below the OST's allocation mark, read with the first page of references, can be orphans: an object
 *     of a file created (or a restripe or restore copy staged) after the view began is never one, as ids are
 *     never reused and are handed out together with the layout that names them;
 * <li>an id below the mark that a page finds unreferenced stays unreferenced (layouts give objects up only to
 *     another layout or the destroy queue, in one change), so pages read one after another, each a linearizable
 *     read of one or several MDS peers, decide as one read would;
 * <li>an orphan written within the grace period (default an hour) is left: a stale writer may still be at it,
 *     and the margin covers what the two views cannot tell, and the skew between this node's clock and the OST
 *     nodes' (their write times are their own).
 * </ul>
 * A dry run only counts. An OST that fails (unreachable, say) is reported with its error; the others go on.
 */
public final class OrphanScrub {

    private static final Logger LOG = LoggerFactory.getLogger(OrphanScrub.class);
    /** The default grace period: generous, as a wrong destroy loses data and a late one costs only space. */
    public static final Duration DEFAULT_GRACE = Duration.ofHours(1);

    /** Orphan ids each OST's report lists at most. */
    static final int SAMPLE = 100;

    private final MetadataService mds;
    private final ObjectStore objects;
    private final Duration grace;
    private final boolean dryRun;
    private final Set<Integer> osts;
    private final Clock clock;
    private final int referencedPage;
    private final int listPage;

    private OrphanScrub(Builder b) {
        this.mds = b.mds;
        this.objects = b.objects;
        this.grace = b.grace;
        this.dryRun = b.dryRun;
        this.osts = b.osts;
        this.clock = b.clock;
        this.referencedPage = b.referencedPage;
        this.listPage = b.listPage;
    }

    public static Builder builder(MetadataService mds, ObjectStore objects) {
        return new Builder(mds, objects);
    }

    /** Builds a scrub; every knob has a default. */
    public static final class Builder {
        private final MetadataService mds;
        private final ObjectStore objects;
        private Duration grace = DEFAULT_GRACE;
        private boolean dryRun;
        private Set<Integer> osts = Set.of();
        private Clock clock = Clock.systemUTC();
        private int referencedPage = MetadataService.REFERENCED_MAX;
        private int listPage = ObjectStore.LIST_MAX;

        private Builder(MetadataService mds, ObjectStore objects) {
            this.mds = requireNonNull(mds, "mds");
            this.objects = requireNonNull(objects, "objects");
        }

        /** Orphans last written less than this long ago are left (default 1 h). */
        public Builder grace(Duration d) {
            requireNonNull(d, "grace");
            if (d.isNegative()) {
                throw new IllegalArgumentException("the grace period must not be negative: " + d);
            }
            grace = d;
            return this;
        }

        /** Only count: destroy nothing (default false). */
        public Builder dryRun(boolean on) {
            dryRun = on;
            return this;
        }

        /** The OSTs to scrub, by index (default, or empty: every OST of the file system). */
        public Builder osts(Set<Integer> indexes) {
            osts = new TreeSet<>(requireNonNull(indexes, "osts"));
            return this;
        }

        /** The clock the grace period is measured on (tests move it on instead of waiting). */
        public Builder clock(Clock c) {
            clock = requireNonNull(c, "clock");
            return this;
        }

        /** Ids per page of the MDS's references and objects per page of an OST's listing (tests make pages small). */
        public Builder pageSizes(int referenced, int listed) {
            if (referenced < 1 || referenced > MetadataService.REFERENCED_MAX || listed < 1 || listed > ObjectStore.LIST_MAX) {
                throw new IllegalArgumentException("page sizes must be 1.." + MetadataService.REFERENCED_MAX + " and 1.."
                        + ObjectStore.LIST_MAX + ": " + referenced + ", " + listed);
            }
            referencedPage = referenced;
            listPage = listed;
            return this;
        }

        public OrphanScrub build() {
            return new OrphanScrub(this);
        }
    }

    /**
     * What one OST's pass found. {@code scanned} objects held = {@code referenced} + {@code orphans} + {@code recent}
     * (unreferenced, written within the grace period: left) + {@code newer} (ids at or above the allocation mark:
     * allocated after the view was taken, left). {@code destroyed} orphans freed {@code bytesFreed} (none in a dry
     * run). {@code sample}: the first orphan ids found. {@code error}: why the pass stopped early, or null.
     */
    public record OstReport(int ost, long allocationMark, long scanned, long referenced, long orphans, long recent,
                            long newer, long destroyed, long bytesFreed, List<Long> sample, String error) {
        public OstReport {
            sample = List.copyOf(sample);
        }
    }

    /** Every OST's report, in index order. */
    public record Report(boolean dryRun, Duration grace, List<OstReport> osts) {
        public Report {
            osts = List.copyOf(osts);
        }

        public long scanned() {
            return osts.stream().mapToLong(OstReport::scanned).sum();
        }

        public long referenced() {
            return osts.stream().mapToLong(OstReport::referenced).sum();
        }

        public long orphans() {
            return osts.stream().mapToLong(OstReport::orphans).sum();
        }

        public long recent() {
            return osts.stream().mapToLong(OstReport::recent).sum();
        }

        public long newer() {
            return osts.stream().mapToLong(OstReport::newer).sum();
        }

        public long destroyed() {
            return osts.stream().mapToLong(OstReport::destroyed).sum();
        }

        public long bytesFreed() {
            return osts.stream().mapToLong(OstReport::bytesFreed).sum();
        }

        /** Whether every OST was scrubbed to its end. */
        public boolean complete() {
            return osts.stream().allMatch(o -> o.error() == null);
        }
    }

    /** Scrubs the OSTs one after the other. INVALID when an OST asked for is not in the file system. */
    public Report run() {
        List<Integer> todo = new ArrayList<>();
        Set<Integer> known = new TreeSet<>();
        for (OstInfo o : mds.osts()) {
            known.add(o.index());
        }
        if (osts.isEmpty()) {
            todo.addAll(known);
        } else {
            for (int i : osts) {
                if (!known.contains(i)) {
                    throw new NacreException(Status.INVALID, "OST%04x is not in the file system (it has %s)"
                            .formatted(i, known.isEmpty() ? "none" : known.stream()
                                    .map(k -> "OST%04x".formatted(k)).toList()));
                }
                todo.add(i);
            }
        }
        List<OstReport> reports = new ArrayList<>();
        for (int ost : todo) {
            reports.add(new Pass(ost).run());
        }
        return new Report(dryRun, grace, reports);
    }

    /** One OST's merge of the MDS's references with the OST's objects. */
    private final class Pass {
        private final int ost;
        private long mark;
        private long scanned;
        private long referenced;
        private long orphans;
        private long recent;
        private long newer;
        private long destroyed;
        private long bytesFreed;
        private final List<Long> sample = new ArrayList<>();
        private ReferencedObjects refs;
        private int at;

        Pass(int ost) {
            this.ost = ost;
        }

        OstReport run() {
            String error = null;
            try {
                merge();
                LOG.info("scrub{} of OST{}: {} objects, {} referenced, {} orphans ({} destroyed, {} bytes), {} left as"
                        + " written within {}, {} allocated after the view", dryRun ? " (dry run)" : "",
                        "%04x".formatted(ost), scanned, referenced, orphans, destroyed, bytesFreed, recent, grace, newer);
            } catch (NacreException e) {
                error = e.getMessage();
                LOG.warn("scrub of OST{} stopped: {}", "%04x".formatted(ost), e.toString());
            }
            return new OstReport(ost, mark, scanned, referenced, orphans, recent, newer, destroyed, bytesFreed, sample,
                    error);
        }

        private void merge() {
            refs = mds.referencedObjects(ost, 0, Long.MAX_VALUE, referencedPage);
            mark = refs.allocated();
            long oldEnough = clock.millis() - grace.toMillis();
            long after = 0;
            while (true) {
                List<ListedObject> page = objects.list(ost, after, listPage);
                for (ListedObject o : page) {
                    scanned++;
                    if (o.id() >= mark) {
                        newer++;
                    } else if (isReferenced(o.id())) {
                        referenced++;
                    } else if (o.lastWriteMillis() > oldEnough) {
                        recent++;
                    } else {
                        orphan(o);
                    }
                }
                if (page.size() < listPage) {
                    return;
                }
                after = page.get(page.size() - 1).id();
            }
        }

        /** Whether the MDS's view names {@code id}; ids come in ascending order, so the references are read once. */
        private boolean isReferenced(long id) {
            while (true) {
                long[] ids = refs.ids();
                while (at < ids.length && ids[at] < id) {
                    at++;
                }
                if (at < ids.length) {
                    return ids[at] == id;
                }
                if (!refs.more() || ids.length == 0) {
                    return false;
                }
                refs = mds.referencedObjects(ost, ids[ids.length - 1], mark, referencedPage);
                at = 0;
            }
        }

        private void orphan(ListedObject o) {
            orphans++;
            if (sample.size() < SAMPLE) {
                sample.add(o.id());
            }
            if (dryRun) {
                return;
            }
            ObjectRef ref = new ObjectRef(ost, o.id());
            objects.destroy(ref);
            destroyed++;
            bytesFreed += o.bytesUsed();
            LOG.debug("scrub destroyed orphan {} ({} bytes, last written at {} ms)", ref, o.bytesUsed(),
                    o.lastWriteMillis());
        }
    }
}
