package io.nacre.ost;

import io.nacre.engine.fault.Faults;
import io.nacre.engine.store.ObjectStat;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;

/**
 * What an OST's WAL holds that LMDB does not yet: (object, chunk) -> where its newest image is in the WAL,
 * object -> size and bytes used (or destroyed), object -> cut (the first chunk whose LMDB value a truncate
 * or destroy made dead). Reads, stat and usage look here before LMDB. Groups {@link #publish published}
 * (flushed, in sequence order) enter it; a checkpoint takes a {@link #snapshot} and, once LMDB holds it,
 * {@link #applied drops} what it applied unless newer entries replaced it.
 *
 * <p>Beside it, the groups formed but not yet published ({@link #formed}): later groups build on their
 * images (a read-modify-write of a chunk another stream is still flushing), readers never see them.
 */
final class Overlay {

    /** While a checkpoint drops what it applied from the overlay, between the cuts and the images (tests read meanwhile). */
    static final String FAULT_BETWEEN_DROPS = "ost.checkpoint.between_drops";

    /** (object id, chunk index). */
    record ChunkKey(long id, long chunk) {
    }

    /**
     * An object's size, bytes used and last write time (milliseconds since the epoch) as the WAL has them;
     * identity matters (the checkpoint drops only what it applied).
     */
    static final class PendingStat {
        final long size;
        final long used;
        final long written;
        /** Destroyed: reads as absent, and the checkpoint removes its LMDB record. */
        final boolean destroyed;

        PendingStat(long size, long used, long written) {
            this(size, used, written, false);
        }

        private PendingStat(long size, long used, long written, boolean destroyed) {
            this.size = size;
            this.used = used;
            this.written = written;
            this.destroyed = destroyed;
        }

        static PendingStat destroyedObject() {
            return new PendingStat(0, 0, 0, true);
        }

        ObjectStat asStat() {
            return destroyed ? ObjectStat.ABSENT : new ObjectStat(size, used);
        }
    }

    /** A chunk image appended in a group: later changes (of the group, or of later groups) build on it. */
    record Staged(Wal.Loc loc, java.nio.ByteBuffer image) {
    }

    /** The overlay changes of one group of records; published once its records are on disk. */
    static final class Group {
        final Map<ChunkKey, Staged> chunks = new HashMap<>();
        final Map<Long, PendingStat> objects = new HashMap<>();
        /** Truncates and destroys: object id -> first chunk dropped (applied before {@link #chunks} at publish). */
        final Map<Long, Long> cuts = new HashMap<>();
        long bytes;
        boolean appended;
    }

    /** What one checkpoint applies: the overlay as of a group boundary, and the segments it then frees. */
    record Snapshot(Map<ChunkKey, Wal.Loc> chunks, Map<Long, PendingStat> objects, Map<Long, Long> cuts,
                    long seq, List<Integer> segments) {
    }

    /** Chunks whose newest image is in the WAL, not yet in LMDB. Publishing adds, only the checkpoint removes. */
    private final ConcurrentHashMap<ChunkKey, Wal.Loc> chunks = new ConcurrentHashMap<>();
    /** Size and bytes used of objects with chunks in {@link #chunks}, or truncated or destroyed in the WAL. */
    private final ConcurrentHashMap<Long, PendingStat> objects = new ConcurrentHashMap<>();
    /**
     * Objects truncated or destroyed in the WAL: object id -> first chunk index whose LMDB value is dead
     * (the checkpoint deletes those chunks before it writes the overlay's images).
     */
    private final ConcurrentHashMap<Long, Long> cuts = new ConcurrentHashMap<>();
    /** Bumped after every checkpoint commit, before it drops overlay entries: readers renew their LMDB view. */
    private final AtomicLong generation = new AtomicLong();
    /** Payload bytes in {@link #chunks}: what the next checkpoint will write into LMDB. */
    private final AtomicLong bytes = new AtomicLong();
    /** Chunk images of groups formed but not yet published. */
    private final ConcurrentHashMap<ChunkKey, Staged> formedChunks = new ConcurrentHashMap<>();
    /** Sizes of objects in groups formed but not yet published. */
    private final ConcurrentHashMap<Long, PendingStat> formedObjects = new ConcurrentHashMap<>();
    /** Payload bytes of groups formed but not yet published. */
    private final AtomicLong formedBytes = new AtomicLong();

    // ---- what readers see -----------------------------------------------------------------------------

    /** Where the chunk's newest published image is in the WAL; null if LMDB has it (or nobody does). */
    Wal.Loc chunk(long id, long chunk) {
        return chunks.get(new ChunkKey(id, chunk));
    }

    /** The object's published size and use; null if LMDB has them. */
    PendingStat object(long id) {
        return objects.get(id);
    }

    /** The first chunk whose LMDB value a truncate or destroy in the WAL made dead; null if none. */
    Long cut(long id) {
        return cuts.get(id);
    }

    /** Whether the chunk's LMDB value is dead (a truncate or destroy in the WAL dropped it). */
    boolean cutsOff(long id, long chunk) {
        Long cut = cuts.get(id);
        return cut != null && chunk >= cut;
    }

    /** Every object with a published size (usage counts them against LMDB's). */
    void forEachObject(BiConsumer<Long, PendingStat> action) {
        objects.forEach(action);
    }

    /** Payload lengths of the object's published images from chunk {@code from} on, by chunk index. */
    void forEachChunkFrom(long id, long from, BiConsumer<Long, Integer> action) {
        for (Map.Entry<ChunkKey, Wal.Loc> e : chunks.entrySet()) {
            if (e.getKey().id() == id && e.getKey().chunk() >= from) {
                action.accept(e.getKey().chunk(), e.getValue().length());
            }
        }
    }

    /** Changes after every checkpoint commit: a reader's LMDB view older than that may miss what left the overlay. */
    long generation() {
        return generation.get();
    }

    /** Payload bytes published and formed: what checkpoints will write into LMDB. */
    long pendingBytes() {
        return bytes.get() + formedBytes.get();
    }

    // ---- groups formed, not yet published (commit lock to add) --------------------------------------------

    /** The newest image of a chunk in a group formed but not yet published; null if none. */
    Staged formedChunk(ChunkKey k) {
        return formedChunks.get(k);
    }

    /** The object's size in a group formed but not yet published; null if none. */
    PendingStat formedObject(long id) {
        return formedObjects.get(id);
    }

    /** A group was formed: later groups build on its images. */
    void formed(Group g) {
        // Plain loops: per group, bound method references cost an allocation each (the slow path, in perf).
        for (Map.Entry<ChunkKey, Staged> e : g.chunks.entrySet()) {
            formedChunks.put(e.getKey(), e.getValue());
        }
        formedObjects.putAll(g.objects);
        formedBytes.addAndGet(g.bytes);
    }

    /** A formed group was published (or failed): it no longer counts as formed. */
    void settled(Group g) {
        // Only the entries this group put there: a later group may have replaced them.
        for (Map.Entry<ChunkKey, Staged> e : g.chunks.entrySet()) {
            formedChunks.remove(e.getKey(), e.getValue());
        }
        for (Map.Entry<Long, PendingStat> e : g.objects.entrySet()) {
            formedObjects.remove(e.getKey(), e.getValue());
        }
        formedBytes.addAndGet(-g.bytes);
    }

    // ---- publishing and checkpoints -------------------------------------------------------------------

    /** Makes a group's records visible to readers (after they reached the WAL file, in sequence order). */
    void publish(Group g) {
        g.cuts.forEach((id, cut) -> {
            cuts.merge(id, cut, Math::min);
            for (Map.Entry<ChunkKey, Wal.Loc> e : chunks.entrySet()) {
                if (e.getKey().id() == id && e.getKey().chunk() >= cut && chunks.remove(e.getKey(), e.getValue())) {
                    bytes.addAndGet(-e.getValue().length());
                }
            }
        });
        for (Map.Entry<ChunkKey, Staged> e : g.chunks.entrySet()) {
            Wal.Loc loc = e.getValue().loc();
            Wal.Loc prev = chunks.put(e.getKey(), loc);
            bytes.addAndGet(loc.length() - (prev == null ? 0 : prev.length()));
        }
        objects.putAll(g.objects);
    }

    /** The overlay as it is now (every group formed already published), for a checkpoint up to {@code seq}. */
    Snapshot snapshot(long seq, List<Integer> segments) {
        return new Snapshot(new HashMap<>(chunks), new HashMap<>(objects), new HashMap<>(cuts), seq,
                List.copyOf(segments));
    }

    /**
     * LMDB holds the snapshot now: readers renew their views, then the entries it applied leave the overlay
     * (those that newer groups replaced stay). The cuts go before the images: a lookup takes the image first,
     * then the cut, then LMDB, so an image it no longer finds is one whose cut is gone too, and LMDB's value
     * (that image, committed) counts. Before, the images went first: a lookup in between found no image and the
     * cut still there, and took an image written past a truncate or destroy (the checkpoint had just committed
     * it) for a dead chunk: a read returned zeros, and a write that merged with the chunk stored zeros over
     * acknowledged bytes.
     */
    void applied(Snapshot snap) {
        generation.incrementAndGet();
        snap.cuts().forEach(cuts::remove);
        Faults.hit(FAULT_BETWEEN_DROPS);
        for (Map.Entry<ChunkKey, Wal.Loc> e : snap.chunks().entrySet()) {
            if (chunks.remove(e.getKey(), e.getValue())) {
                bytes.addAndGet(-e.getValue().length());
            }
        }
        snap.objects().forEach(objects::remove);
    }
}
