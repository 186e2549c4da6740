package io.nacre.engine.layout;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.TreeSet;

/**
 * A file's layout: components covering its extents, grouped by mirror. Within one mirror the
 * components start at 0 and follow each other without gap or overlap, in order (Lustre PFL); several
 * mirrors cover the same extents (FLR). The generation changes whenever the layout changes, so that
 * pNFS layouts and cached copies can tell they are out of date.
 */
public record Layout(long generation, List<Component> components) {

    /** A file with no layout yet (created with delayed layout, or a directory/symlink). */
    public static final Layout NONE = new Layout(0, List.of());

    public Layout {
        components = List.copyOf(Objects.requireNonNull(components, "components"));
        for (int m : mirrorIds(components)) {
            long expect = 0;
            boolean first = true;
            for (Component c : components) {
                if (c.mirrorId() != m) {
                    continue;
                }
                if (c.start() != expect) {
                    throw new IllegalArgumentException("mirror " + m + ": component " + c.extent()
                            + " does not start where the previous one ends (" + expect + ")");
                }
                if (c.isDataOnMdt() && !first) {
                    throw new IllegalArgumentException("data-on-MDT can only be the first component");
                }
                first = false;
                expect = c.end();
            }
        }
    }

    public boolean isEmpty() {
        return components.isEmpty();
    }

    /** Mirror ids present, ascending. */
    public List<Integer> mirrors() {
        return List.copyOf(mirrorIds(components));
    }

    public List<Component> mirror(int mirrorId) {
        return components.stream().filter(c -> c.mirrorId() == mirrorId).toList();
    }

    /** The component of the given mirror covering {@code offset}, or null beyond the last one. */
    public Component componentAt(int mirrorId, long offset) {
        for (Component c : components) {
            if (c.mirrorId() == mirrorId && c.extent().contains(offset)) {
                return c;
            }
        }
        return null;
    }

    /** The first mirror whose components over [offset, offset+length) are all in sync, or -1. */
    public int readableMirror(long offset, long length) {
        if (offset < 0 || length < 0) {
            throw new IllegalArgumentException("bad range: offset " + offset + ", length " + length);
        }
        // An empty range asks about the byte at offset; a range reaching past Long.MAX_VALUE ends there.
        long end = offset > Long.MAX_VALUE - Math.max(length, 1) ? Long.MAX_VALUE : offset + Math.max(length, 1);
        for (int m : mirrors()) {
            boolean ok = components.stream()
                    .filter(c -> c.mirrorId() == m && c.extent().overlaps(offset, end))
                    .noneMatch(Component::stale);
            if (ok) {
                return m;
            }
        }
        return -1;
    }

    /** True when all the data lives only in the archive (HSM released). */
    public boolean isReleased() {
        return !components.isEmpty() && components.stream().allMatch(Component::isReleased);
    }

    /** Every OST object the layout names, all mirrors. */
    public List<ObjectRef> objects() {
        List<ObjectRef> out = new ArrayList<>();
        for (Component c : components) {
            if (c.raid0() != null) {
                out.addAll(c.raid0().objects());
            }
        }
        return out;
    }

    public Layout withComponents(List<Component> comps) {
        return new Layout(generation + 1, comps);
    }

    private static TreeSet<Integer> mirrorIds(List<Component> comps) {
        TreeSet<Integer> ids = new TreeSet<>();
        for (Component c : comps) {
            ids.add(c.mirrorId());
        }
        return ids;
    }
}
