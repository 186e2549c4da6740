package io.nacre.ost;

import java.io.IOException;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Field;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Unmaps the read-only maps of files an OST dropped (a data file deleted, a WAL segment that became a data
 * file and got a fresh file), and closes such a segment's old descriptor, once no call that could still read
 * them is running. Java unmaps a
 * {@link MappedByteBuffer} only when a GC collects it, which for a long-lived one can take hours, and
 * until then a deleted file keeps its blocks. Calls that read maps run between {@link #enter} and
 * {@link #exit}; a map is unmapped only after every such call that began before it was dropped has ended
 * (two epochs, as in RCU). {@link #reclaim} never blocks: what cannot go yet goes at a later call. Java 21
 * has no other way to unmap (FileChannel.map with an Arena is a preview there), hence the JDK's
 * {@code sun.misc.Unsafe.invokeCleaner}; without it, dropped maps are left to the GC as before.
 */
final class Unmapper {

    private static final Logger LOG = LoggerFactory.getLogger(Unmapper.class);
    private static final MethodHandle INVOKE_CLEANER = invokeCleaner();

    private final AtomicLong epoch = new AtomicLong();
    /** Calls running, by the parity of the epoch they began in. */
    private final AtomicLong[] active = {new AtomicLong(), new AtomicLong()};
    /** How to let go of what was dropped since the epoch last moved (this object's lock). */
    private List<Runnable> dropped = new ArrayList<>();
    /** Dropped before the epoch last moved: let go once the calls of the previous epoch have ended. */
    private List<Runnable> waiting = new ArrayList<>();

    private static MethodHandle invokeCleaner() {
        try {
            Class<?> unsafe = Class.forName("sun.misc.Unsafe");
            Field f = unsafe.getDeclaredField("theUnsafe");
            f.setAccessible(true);
            return MethodHandles.lookup().findVirtual(unsafe, "invokeCleaner",
                    MethodType.methodType(void.class, ByteBuffer.class)).bindTo(f.get(null));
        } catch (ReflectiveOperationException | RuntimeException e) {
            LOG.info("dropped file maps are left to the GC (no sun.misc.Unsafe.invokeCleaner: {})", e.toString());
            return null;
        }
    }

    /** A call that may read maps begins; returns what {@link #exit} takes. */
    int enter() {
        while (true) {
            long e = epoch.get();
            int i = (int) (e & 1);
            active[i].incrementAndGet();
            // Volatile reads and writes are totally ordered: either reclaim sees this call, or it sees the new epoch.
            if (epoch.get() == e) {
                return i;
            }
            active[i].decrementAndGet();
        }
    }

    void exit(int token) {
        active[token].decrementAndGet();
    }

    /** A map no longer reachable for new calls (removed from where calls find it): unmapped later. */
    synchronized void drop(MappedByteBuffer map) {
        if (map != null && INVOKE_CLEANER != null) {
            dropped.add(() -> unmap(map));
        }
    }

    /**
     * A descriptor no longer reachable for new calls: closed later, like a dropped map, so that a call
     * that found a record through it before (a read, or a group being formed under the commit lock) still
     * reads it.
     */
    synchronized void drop(FileChannel channel) {
        if (channel != null) {
            dropped.add(() -> {
                try {
                    channel.close();
                } catch (IOException e) {
                    LOG.debug("closing a dropped file failed: {}", e.toString());
                }
            });
        }
    }

    /**
     * Runs {@code then} once every call that began before now has ended, like a dropped map's unmapping (inside
     * {@link #reclaim}, under this object's lock: it must be quick and take no other lock). A dead data file goes to
     * the WAL only then: a read that still held its map would otherwise see new WAL records where its chunk was.
     */
    synchronized void whenUnused(Runnable then) {
        dropped.add(then);
    }

    /** Unmaps what no running call can hold; never blocks. Not to be called inside {@link #enter}. */
    synchronized void reclaim() {
        long e = epoch.get();
        if (!waiting.isEmpty() && active[(int) ((e - 1) & 1)].get() == 0) {
            // Every call that began before the epoch moved to e has ended.
            waiting.forEach(Runnable::run);
            waiting = new ArrayList<>();
        }
        if (waiting.isEmpty() && !dropped.isEmpty() && active[(int) ((e + 1) & 1)].get() == 0) {
            // Calls of epoch e - 1 are gone; those of e may hold what was dropped: it waits for them.
            epoch.set(e + 1);
            waiting = dropped;
            dropped = new ArrayList<>();
            if (active[(int) (e & 1)].get() == 0) {
                waiting.forEach(Runnable::run);
                waiting = new ArrayList<>();
            }
        }
    }

    /** At close, with no call running: unmaps everything dropped. */
    synchronized void reclaimAll() {
        waiting.forEach(Runnable::run);
        dropped.forEach(Runnable::run);
        waiting = new ArrayList<>();
        dropped = new ArrayList<>();
    }

    /** Maps dropped and not yet unmapped (tests). */
    synchronized int pending() {
        return waiting.size() + dropped.size();
    }

    private static void unmap(MappedByteBuffer map) {
        try {
            INVOKE_CLEANER.invokeExact((ByteBuffer) map);
        } catch (Throwable t) {
            LOG.warn("unmapping a dropped file map failed (left to the GC): {}", t.toString());
        }
    }
}
