package io.nacre.engine.layout;

import static java.util.Objects.requireNonNull;

/**
 * One component of a layout: the extent of the file it covers, the mirror it belongs to (0 when the
 * file is not mirrored), whether that mirror copy is stale (FLR: not to be read until resynced), and
 * where its bytes live.
 */
public record Component(Extent extent, int mirrorId, boolean stale, Placement placement) {

    public Component {
        requireNonNull(extent, "extent");
        requireNonNull(placement, "placement");
        if (mirrorId < 0) {
            throw new IllegalArgumentException("mirror id must be >= 0: " + mirrorId);
        }
    }

    public static Component of(Extent extent, Placement placement) {
        return new Component(extent, 0, false, placement);
    }

    public long start() {
        return extent.start();
    }

    public long end() {
        return extent.end();
    }

    /** The RAID0 placement, or null when the component is not striped over OST objects. */
    public Placement.Raid0 raid0() {
        return placement instanceof Placement.Raid0 r ? r : null;
    }

    public boolean isReleased() {
        return placement instanceof Placement.Released;
    }

    public boolean isDataOnMdt() {
        return placement instanceof Placement.DataOnMdt;
    }

    public Component withPlacement(Placement p) {
        return new Component(extent, mirrorId, stale, p);
    }

    public Component withStale(boolean s) {
        return new Component(extent, mirrorId, s, placement);
    }
}
