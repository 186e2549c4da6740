package io.nacre.meta;

import io.nacre.engine.NacreException;
import io.nacre.engine.Status;
import io.nacre.engine.layout.Component;
import io.nacre.engine.layout.Extent;
import io.nacre.engine.layout.Layout;
import io.nacre.engine.layout.LayoutTemplate;
import io.nacre.engine.layout.ObjectRef;
import io.nacre.engine.layout.Placement;
import io.nacre.engine.store.OstInfo;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Which layout a new file gets, pure: the file's own template, else its directory's default, else the
 * file system's (the template on the root, else {@link LayoutTemplate#DEFAULT}); "inherit" counts and
 * sizes are filled one level up at a time (lfs semantics), "all OSTs" becomes the pool's OST count.
 */
final class LayoutPolicy {

    private LayoutPolicy() {
    }

    /** The file system's default: what is set on the root, filled from {@link LayoutTemplate#DEFAULT}. */
    static LayoutTemplate fsDefault(LayoutTemplate onRoot) {
        return onRoot == null ? LayoutTemplate.DEFAULT : onRoot.inheritFrom(LayoutTemplate.DEFAULT);
    }

    /**
     * The template a new file gets, before counts are made concrete.
     *
     * @param own        the file's own template (CreateSpec.layout, setstripe on the file), or null
     * @param dirDefault its directory's default, or null
     * @param onRoot     the template set on the root, or null
     */
    static LayoutTemplate effective(LayoutTemplate own, LayoutTemplate dirDefault, LayoutTemplate onRoot) {
        LayoutTemplate fs = fsDefault(onRoot);
        LayoutTemplate base = dirDefault == null ? fs : dirDefault.inheritFrom(fs);
        return own == null ? base : own.inheritFrom(base);
    }

    /**
     * Makes every stripe count concrete against the registered OSTs: -1 becomes the pool's OST count;
     * INVALID when a pool has no OSTs or fewer OSTs than the count asked.
     */
    static LayoutTemplate concrete(LayoutTemplate t, List<OstInfo> osts) {
        List<LayoutTemplate.Entry> out = new ArrayList<>(t.entries().size());
        for (LayoutTemplate.Entry e : t.entries()) {
            if (e.dataOnMdt()) {
                out.add(e);
                continue;
            }
            int inPool = 0;
            for (OstInfo o : osts) {
                if (o.inPool(e.pool())) {
                    inPool++;
                }
            }
            String where = e.pool().isEmpty() ? "the file system" : "pool '" + e.pool() + "'";
            if (inPool == 0) {
                throw new NacreException(Status.INVALID, where + " has no OSTs"
                        + (osts.isEmpty() ? " (none registered)" : ""));
            }
            int count = e.stripeCount() == LayoutTemplate.ALL_OSTS ? inPool : e.stripeCount();
            if (count > inPool) {
                throw new NacreException(Status.INVALID, "stripe count " + count + " is more than the " + inPool
                        + " OST" + (inPool == 1 ? "" : "s") + " of " + where);
            }
            out.add(new LayoutTemplate.Entry(e.end(), count, e.stripeSize(), e.pool(), false));
        }
        return new LayoutTemplate(out);
    }

    /**
     * A template whose first component is data-on-MDT up to {@code domEnd}, followed by the template's
     * striped components past that point (Lustre's DoM + PFL): what a small file written whole gets.
     */
    static LayoutTemplate withDataOnMdt(LayoutTemplate t, long domEnd) {
        List<LayoutTemplate.Entry> out = new ArrayList<>(t.entries().size() + 1);
        out.add(LayoutTemplate.Entry.dataOnMdt(domEnd));
        for (LayoutTemplate.Entry e : t.entries()) {
            if (!e.dataOnMdt() && e.end() > domEnd) {
                out.add(e);
            }
        }
        return new LayoutTemplate(out);
    }

    /** Checks a template as setstripe on a directory gives it: counts must fit the pools as they are now. */
    static void checkFits(LayoutTemplate t, LayoutTemplate onRoot, List<OstInfo> osts) {
        concrete(t.inheritFrom(fsDefault(onRoot)), osts);
    }

    /**
     * A layout from a concrete template; {@code objects} gives the objects of the components that are
     * instantiated now (by component index); the others are left without objects.
     */
    static Layout build(LayoutTemplate concrete, long generation, Map<Integer, List<ObjectRef>> objects) {
        List<Component> comps = new ArrayList<>();
        long start = 0;
        List<LayoutTemplate.Entry> entries = concrete.entries();
        for (int i = 0; i < entries.size(); i++) {
            LayoutTemplate.Entry e = entries.get(i);
            Placement p = e.dataOnMdt() ? new Placement.DataOnMdt()
                    : new Placement.Raid0(e.stripeCount(), e.stripeSize(), e.pool(), objects.getOrDefault(i, List.of()));
            comps.add(Component.of(new Extent(start, e.end()), p));
            start = e.end();
        }
        return new Layout(generation, comps);
    }

    /** Indexes of RAID0 components overlapping [offset, offset + length) that have no objects yet. */
    static List<Integer> toInstantiate(Layout layout, long offset, long length) {
        long end = length <= 0 ? offset + 1 : (offset > Long.MAX_VALUE - length ? Long.MAX_VALUE : offset + length);
        List<Integer> out = new ArrayList<>();
        List<Component> comps = layout.components();
        for (int i = 0; i < comps.size(); i++) {
            Component c = comps.get(i);
            Placement.Raid0 r = c.raid0();
            if (r != null && !r.instantiated() && c.extent().overlaps(offset, end)) {
                out.add(i);
            }
        }
        return out;
    }

    /** The index of the first component of mirror 0 if it is RAID0 (what create instantiates), else -1. */
    static int firstRaid0(Layout layout) {
        List<Component> comps = layout.components();
        return !comps.isEmpty() && comps.get(0).raid0() != null ? 0 : -1;
    }
}
