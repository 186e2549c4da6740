package io.nacre.engine.store;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;

/**
 * One OST's space: bytes (data, checksums and index included) and objects.
 *
 * <p>An OST lives on a file system that other OSTs may share (the four of {@code nacre up} share one disk).
 * {@code device} names it ("machine:device"; empty when unknown), {@code deviceFree} is its free space as
 * this OST saw it, and {@code growth} is the part of {@code bytesFree} that would come out of it (the rest
 * is free inside the OST's own files). {@link #total} counts a shared file system's free space once.
 *
 * <p>{@code bytesFreeing} is what destroys and truncates the OST has taken are still to give back: an OST
 * applies them later (ost-store: its checkpoint, then the compaction of the data files they leave mostly dead,
 * which an idle OST finishes), and until then {@code bytesUsed} need not show what they free. 0 once the
 * figures are what those changes make them; a caller that freed space (the HSM release policy) waits for that before it measures again.
 */
public record OstUsage(int ost, long bytesTotal, long bytesUsed, long bytesFree, long objects, String device,
                       long growth, long deviceFree, long bytesFreeing) {

    public OstUsage {
        device = device == null ? "" : device;
        growth = device.isEmpty() ? 0 : Math.max(0, Math.min(growth, bytesFree));
        deviceFree = device.isEmpty() ? 0 : Math.max(0, deviceFree);
        bytesFreeing = Math.max(0, bytesFreeing);
    }

    /** An OST with nothing still to give back. */
    public OstUsage(int ost, long bytesTotal, long bytesUsed, long bytesFree, long objects, String device,
                    long growth, long deviceFree) {
        this(ost, bytesTotal, bytesUsed, bytesFree, objects, device, growth, deviceFree, 0);
    }

    /** An OST whose file system is its own (or unknown). */
    public OstUsage(int ost, long bytesTotal, long bytesUsed, long bytesFree, long objects) {
        this(ost, bytesTotal, bytesUsed, bytesFree, objects, "", 0, 0);
    }

    /**
     * The space of several OSTs together (ost -1): used bytes and objects add up, and so does the free space
     * inside their own files; what they could still grow by on a shared file system adds up only to that
     * file system's free space (the largest any of them saw: they are read at slightly different times).
     */
    public static OstUsage total(Collection<OstUsage> usages) {
        long used = 0;
        long free = 0;
        long objects = 0;
        long freeing = 0;
        Map<String, long[]> devices = new HashMap<>();
        for (OstUsage u : usages) {
            used += u.bytesUsed();
            objects += u.objects();
            freeing += u.bytesFreeing();
            free += u.bytesFree() - u.growth();
            if (!u.device().isEmpty()) {
                long[] d = devices.computeIfAbsent(u.device(), k -> new long[2]);
                d[0] += u.growth();
                d[1] = Math.max(d[1], u.deviceFree());
            }
        }
        for (long[] d : devices.values()) {
            free += Math.min(d[0], d[1]);
        }
        return new OstUsage(-1, used + free, used, free, objects, "", 0, 0, freeing);
    }
}
