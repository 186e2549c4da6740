package io.nacre.engine.io;

import static java.util.Objects.requireNonNull;

import io.nacre.engine.Caller;
import io.nacre.engine.Fid;
import io.nacre.engine.NacreException;
import io.nacre.engine.Status;
import io.nacre.engine.io.IoPlan.DomTarget;
import io.nacre.engine.io.IoPlan.ObjectTarget;
import io.nacre.engine.io.IoPlan.Target;
import io.nacre.engine.layout.Component;
import io.nacre.engine.layout.Layout;
import io.nacre.engine.layout.LayoutTemplate;
import io.nacre.engine.layout.ObjectRef;
import io.nacre.engine.layout.Placement;
import io.nacre.engine.layout.Striping;
import io.nacre.engine.meta.Attr;
import io.nacre.engine.meta.FileType;
import io.nacre.engine.meta.MetadataService;
import io.nacre.engine.meta.MetadataService.RemoveKind;
import io.nacre.engine.meta.PendingDestroy;
import io.nacre.engine.meta.Results.AttrChange;
import io.nacre.engine.meta.Results.DirChange;
import io.nacre.engine.meta.SetAttr;
import io.nacre.engine.store.Durability;
import io.nacre.engine.store.ObjectStat;
import io.nacre.engine.store.ObjectStore;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Lock;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads and writes files through their layouts: every OST object of a request is read or written side
 * by side on virtual threads, one request per object (see {@link IoPlan}), in windows of bounded size,
 * so memory stays bounded whatever the request. Size and mtime are the MDS's: stable writes record them
 * before returning, unstable ones keep them here (shown by {@link #getattr}) until {@link #commit} or
 * the periodic flush. One FileIo serves a whole process: gateways share it, so that its ordering of
 * truncates against writes covers them all.
 */
public final class FileIo implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(FileIo.class);
    /** A read's size floor when only the MDS's size counts. */
    private static final LongSupplier NO_FLOOR = () -> 0;

    /** A sequential stream of writes from an offset (S3 PUT, NFS): bounded buffering, parallel flushes. */
    public interface Writer extends WritableByteChannel {
        /**
         * Copies src's remaining bytes into the stream, flushing full windows in the background; blocks
         * while the stream has its maximum of bytes in flight. Throws the error of an earlier flush.
         */
        @Override
        int write(ByteBuffer src);

        /** The file offset the next byte goes to. */
        long position();

        /**
         * Flushes what is buffered and waits for every flush; for a STABLE stream makes all of it durable
         * and records size and mtime at the MDS. Throws if any write of the stream failed (then nothing
         * is recorded). Later calls do nothing.
         */
        @Override
        void close();
    }

    /** A sequential read of a range (S3 GET), fetching the next window ahead while this one is consumed. */
    public interface Reader extends ReadableByteChannel {
        /** Copies the next bytes into dst; -1 at the end of the range (clipped to the size at open). */
        @Override
        int read(ByteBuffer dst);

        /** The file offset of the next byte. */
        long position();

        /** The offset the range ends at (the file size at open when the range reached beyond it). */
        long end();

        @Override
        void close();
    }

    private final MetadataService mds;
    private final ObjectStore objects;
    private final int window;
    private final long maxInFlight;
    private final int readAhead;
    private final Duration flushInterval;

    private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
    private final Verifier verifier = new Verifier();
    private final PendingWrites pending = new PendingWrites();
    private final FidLocks locks = new FidLocks(1024);
    private final QueuedDestroys queued;
    private final RestoreOnAccess restores;
    private final LayoutCache layouts = new LayoutCache();
    private final KeptSpaceUsed keptSpaceUsed = new KeptSpaceUsed();
    /** Files with Writer streams open, and how many: their data may lie beyond the recorded size. */
    private final Map<Fid, Integer> openStreams = new ConcurrentHashMap<>();
    /** Files this process is restriping now: their staged copies are not leftovers. */
    private final Map<Fid, Integer> migrating = new ConcurrentHashMap<>();
    private final CountDownLatch closing = new CountDownLatch(1);
    private final Thread flusher;
    private volatile boolean closed;
    private volatile LayoutGuard layoutGuard = LayoutGuard.NONE;
    private volatile OpenFiles openFiles = OpenFiles.NONE;

    public FileIo(MetadataService mds, ObjectStore objects) {
        this(builder(mds, objects));
    }

    private FileIo(Builder b) {
        this.mds = b.mds;
        this.objects = b.objects;
        this.window = b.window;
        this.maxInFlight = Math.max(b.maxInFlight, b.window);
        this.readAhead = b.readAhead;
        this.flushInterval = b.flushInterval;
        this.queued = new QueuedDestroys(mds, objects, threads, keptSpaceUsed::forget);
        this.restores = new RestoreOnAccess(mds, threads);
        // a platform thread: a virtual one's timed wait wakes the virtual-thread scheduler (see Destroyer.start)
        this.flusher = Thread.ofPlatform().name("fileio-flush").daemon(true).start(this::flushLoop);
    }

    public static Builder builder(MetadataService mds, ObjectStore objects) {
        return new Builder(mds, objects);
    }

    /** Builds a FileIo; every knob has a default. */
    public static final class Builder {
        private final MetadataService mds;
        private final ObjectStore objects;
        private int window = 16 << 20;
        private long maxInFlight = 64L << 20;
        private int readAhead = 1;
        private Duration flushInterval = Duration.ofSeconds(1);

        private Builder(MetadataService mds, ObjectStore objects) {
            this.mds = requireNonNull(mds, "mds");
            this.objects = requireNonNull(objects, "objects");
        }

        /**
         * How many bytes one round of parallel I/O covers (default 16 MiB): the unit of a call's work,
         * of a Writer's flush and of a Reader's read-ahead. Rounded to whole stripe rows where they fit.
         */
        public Builder windowBytes(int bytes) {
            if (bytes < Placement.STRIPE_ALIGN) {
                throw new IllegalArgumentException("window must be at least 64 KiB: " + bytes);
            }
            window = bytes;
            return this;
        }

        /** The most bytes a Writer has in flight to the OSTs at once (default 64 MiB, at least one window). */
        public Builder maxInFlightBytes(long bytes) {
            if (bytes <= 0 || bytes > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("in-flight bytes must be 1..2^31-1: " + bytes);
            }
            maxInFlight = bytes;
            return this;
        }

        /** How many windows a Reader fetches ahead of the one being consumed (default 1; 0 for none). */
        public Builder readAheadWindows(int windows) {
            if (windows < 0 || windows > 64) {
                throw new IllegalArgumentException("read-ahead windows must be 0..64: " + windows);
            }
            readAhead = windows;
            return this;
        }

        /** How often sizes of unstable writes are recorded at the MDS without a commit (default 1 s). */
        public Builder pendingFlushInterval(Duration interval) {
            if (interval.isNegative() || interval.isZero()) {
                throw new IllegalArgumentException("flush interval must be positive: " + interval);
            }
            flushInterval = interval;
            return this;
        }

        public FileIo build() {
            return new FileIo(this);
        }
    }

    // ---- attributes -------------------------------------------------------------------------------

    /** The MDS's attributes with the size and mtime of uncommitted writes merged in. */
    public Attr getattr(Fid fid) {
        requireNonNull(fid, "fid");
        Attr a = mds.getattr(fid);
        layouts.seen(a);
        return pending.merge(a);
    }

    /**
     * Whether this FileIo holds writes to the file that the MDS has not fully recorded yet (size, mtime or
     * data version): while it does, what the MDS says of the file's data (its size, a checksum kept with
     * its data version) may be behind the bytes a read returns.
     */
    public boolean hasUnrecordedWrites(Fid fid) {
        return pending.has(requireNonNull(fid, "fid"));
    }

    /**
     * What a file's OST objects hold, from one stat of each: {@code end}, the end of the file's data as the
     * objects hold it (Lustre's glimpse: the largest file offset one past an object's last byte, through the
     * striping math, over every instantiated RAID0 object, or 0; writes that bypass this FileIo, pNFS clients
     * writing to the data servers, are there before the MDS records their size), and {@code used}, the bytes
     * the objects occupy, holes not counted (st_blocks; the MDS's attributes only estimate it from the size).
     */
    public record ObjectsUsage(long end, long used) {
    }

    /**
     * The file's {@link ObjectsUsage}, every object asked once, side by side (Linux asks space_used in every
     * GETATTR, a CLOSE's too: one OSS round trip, not one per stripe); an OST's failure is thrown.
     */
    public ObjectsUsage usage(Fid fid) {
        requireNonNull(fid, "fid");
        ensureOpen();
        AtomicLong end = new AtomicLong();
        AtomicLong used = new AtomicLong();
        List<Parallel.Call> calls = new ArrayList<>();
        for (Component c : mds.layout(fid).components()) {
            Placement.Raid0 r = c.raid0();
            if (r == null) {
                continue;
            }
            for (int s = 0; s < r.objects().size(); s++) {      // empty until instantiated, then one per stripe
                ObjectRef object = r.objects().get(s);
                int stripe = s;
                calls.add(() -> {
                    ObjectStat st = objects.stat(object);
                    used.addAndGet(st.bytesUsed());
                    if (st.size() > 0) {
                        long to = Striping.fileSizeFromObject(c.start(), r.stripeSize(), r.stripeCount(), stripe, st.size());
                        end.accumulateAndGet(Math.min(to, c.end()), Math::max);
                    }
                });
            }
        }
        Parallel.run(threads, calls);
        return new ObjectsUsage(end.get(), used.get());
    }

    /** The bytes the file's data occupies on its OSTs, holes not counted: {@link #usage}'s {@code used}. */
    public long spaceUsed(Fid fid) {
        return usage(fid).used();
    }

    /**
     * space_used of the file whose attributes are {@code a}, as {@link #spaceUsed(Fid)}, when an answer of the
     * OSTs is kept for its change attribute (see {@link #spaceUsed(Attr)}); empty otherwise, and while this
     * FileIo holds writes to the file that the MDS has not recorded (they moved the objects, not the change
     * attribute).
     */
    public OptionalLong keptSpaceUsed(Attr a) {
        requireNonNull(a, "a");
        if (hasUnrecordedWrites(a.fid())) {
            return OptionalLong.empty();
        }
        return keptSpaceUsed.get(a.fid(), a.change());
    }

    /**
     * {@link #spaceUsed(Fid)} asked of the OSTs for the file whose attributes are {@code a}, and kept for its
     * change attribute: later GETATTRs at the same change attribute answer it from {@link #keptSpaceUsed}
     * without a round trip to every OST of the file. Not for a file others may be writing straight to its
     * objects (a pNFS write layout is out): ask {@link #spaceUsed(Fid)}, and {@link #forgetSpaceUsed} when
     * granting them that.
     */
    public long spaceUsed(Attr a) {
        requireNonNull(a, "a");
        long ticket = keptSpaceUsed.ticket();
        long at = System.nanoTime();
        long used = spaceUsed(a.fid());
        if (!hasUnrecordedWrites(a.fid())) {
            keptSpaceUsed.keep(a.fid(), a.change(), used, ticket, at);
        }
        return used;
    }

    /**
     * Forgets the space_used kept for the file (see {@link #spaceUsed(Attr)}) and keeps no answer being asked
     * now: for a caller about to let others write the file's objects directly (a pNFS write layout granted).
     */
    public void forgetSpaceUsed(Fid fid) {
        keptSpaceUsed.forget(requireNonNull(fid, "fid"));
    }

    /** The end of the file's data as its OST objects hold it: {@link #usage}'s {@code end}. */
    public long glimpse(Fid fid) {
        return usage(fid).end();
    }

    /** The current write verifier (see {@link #write}). */
    public long verifier() {
        return verifier.value();
    }

    // ---- read -------------------------------------------------------------------------------------

    /**
     * Reads [offset, offset + dst.remaining()) clipped to the file size into dst, advancing it; returns
     * the bytes read, 0 at or after the end of the file. Holes read as zeros. Released (HSM) data: DELAY.
     */
    public int read(Fid fid, long offset, ByteBuffer dst) {
        return readAt(fid, offset, dst).bytes();
    }

    /** What {@link #readAt} read: how many bytes, and whether they reached the end of the file. */
    public record ReadResult(int bytes, boolean eof) {
    }

    /**
     * As {@link #read}, and says whether the read reached the file's end (NFS READ's eof: also when the
     * bytes end exactly at the size, so that a client does not ask again for nothing).
     */
    public ReadResult readAt(Fid fid, long offset, ByteBuffer dst) {
        return readAt(fid, offset, dst, NO_FLOOR);
    }

    /**
     * As {@link #readAt(Fid, long, ByteBuffer)}, with the file's size at least what {@code sizeFloor}
     * returns: bytes others wrote straight to the objects that the MDS has not recorded yet (pNFS clients
     * writing to the data servers before their LAYOUTCOMMIT; the caller glimpses the objects). It is asked
     * under the file's read lock, so that a truncate here comes before or after the whole read, and only
     * when the read reaches the MDS's size (a read within it asks nothing more).
     */
    public ReadResult readAt(Fid fid, long offset, ByteBuffer dst, LongSupplier sizeFloor) {
        requireNonNull(fid, "fid");
        requireNonNull(sizeFloor, "sizeFloor");
        checkRead(offset, dst);
        Lock lock = locks.of(fid).readLock();
        lock.lock();
        try {
            Attr a = getattr(fid);
            checkRegular(a);
            long size = a.size();
            if (size - offset <= dst.remaining()) {
                size = Math.max(size, sizeFloor.getAsLong());
            }
            if (offset >= size || !dst.hasRemaining()) {
                return new ReadResult(0, offset >= size);
            }
            int n = (int) Math.min(dst.remaining(), size - offset);
            readThrough(fid, layoutAt(fid, a.change()), offset, dst, n);
            return new ReadResult(n, offset + n >= size);
        } finally {
            lock.unlock();
        }
    }

    /** What every read checks first: that this FileIo is open and the read makes sense. */
    private void checkRead(long offset, ByteBuffer dst) {
        requireNonNull(dst, "dst");
        ensureOpen();
        if (offset < 0) {
            throw new NacreException(Status.INVALID, "negative offset " + offset);
        }
    }

    /** The file's layout as of its attributes at {@code change}: the cached one, or the MDS's. */
    private Layout layoutAt(Fid fid, long change) {
        Layout layout = layouts.get(fid, change);
        return layout != null ? layout : layouts.put(fid, change, mds.layout(fid));
    }

    /** Reads n bytes at offset through the layout into dst, advancing it (under the file's read lock). */
    private void readThrough(Fid fid, Layout layout, long offset, ByteBuffer dst, int n) {
        ByteBuffer out = dst.slice(dst.position(), n);
        long pos = offset;
        while (out.hasRemaining()) {
            int k = (int) Math.min(out.remaining(), IoPlan.windowEnd(layout, pos, window) - pos);
            IoPlan plan = readPlan(fid, layout, pos, k);
            readWindow(fid, plan, out.slice(out.position(), k));
            out.position(out.position() + k);
            pos += k;
        }
        dst.position(dst.position() + n);
    }

    /**
     * A file's attributes (from {@link #getattr}) and the layout they go with: reads through it ask the
     * MDS nothing, so that a reader of a whole file in pieces (an S3 GET) makes one metadata call at its
     * start and one at its end rather than one per piece.
     */
    public record ReadView(Attr attr, Layout layout) {
    }

    /** The view of a regular file at attributes just fetched with {@link #getattr} (at most one MDS call). */
    public ReadView view(Attr seen) {
        requireNonNull(seen, "seen");
        ensureOpen();
        checkRegular(seen);
        return new ReadView(seen, layoutAt(seen.fid(), seen.change()));
    }

    /**
     * As {@link #read}, through a view instead of the MDS's attributes now: clipped to the view's size,
     * through its layout, under the file's read lock as every read (a truncate or restripe in this process
     * never comes into the middle of one). The file may have changed since the view, here or elsewhere:
     * the bytes may then be newer ones, or zeros where a truncate or restripe took the view's away. A
     * caller that promises the view's bytes asks {@link #unchanged} after its last read, before they count.
     */
    public int read(ReadView view, long offset, ByteBuffer dst) {
        requireNonNull(view, "view");
        checkRead(offset, dst);
        Fid fid = view.attr().fid();
        long size = view.attr().size();
        if (offset >= size || !dst.hasRemaining()) {
            return 0;
        }
        int n = (int) Math.min(dst.remaining(), size - offset);
        Lock lock = locks.of(fid).readLock();
        lock.lock();
        try {
            readThrough(fid, view.layout(), offset, dst, n);
            return n;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Whether the file's data is still the view's: the same size and data version now, through the same
     * layout (generation). One MDS call; two when the attributes changed in another way (an xattr, HSM state).
     */
    public boolean unchanged(ReadView view) {
        requireNonNull(view, "view");
        Attr then = view.attr();
        Attr now = getattr(then.fid());
        if (now.size() != then.size() || now.dataVersion() != then.dataVersion()) {
            return false;
        }
        return now.change() == then.change()
                || layoutAt(then.fid(), now.change()).generation() == view.layout().generation();
    }

    /** Opens a sequential read of [offset, offset + length), clipped to the file's size now. */
    public Reader openReader(Fid fid, long offset, long length) {
        requireNonNull(fid, "fid");
        ensureOpen();
        if (offset < 0 || length < 0) {
            throw new NacreException(Status.INVALID, "bad range: offset " + offset + ", length " + length);
        }
        Attr a = getattr(fid);
        checkRegular(a);
        long end = Math.min(a.size(), offset > Long.MAX_VALUE - length ? Long.MAX_VALUE : offset + length);
        return new StreamReader(this, fid, offset, Math.max(offset, end), window, readAhead);
    }

    IoPlan readPlan(Fid fid, Layout layout, long offset, int length) {
        IoPlan plan = IoPlan.forRead(layout, offset, length);
        if (!plan.released().isEmpty()) {
            releasedData(fid, plan.released());
        }
        restores.available(fid);
        return plan;
    }

    /** Reads one window into out (exactly the window's bytes), one request per target, side by side. */
    void readWindow(Fid fid, IoPlan plan, ByteBuffer out) {
        boolean[] aliased = new boolean[plan.targets().size()];
        ByteBuffer[] bufs = plan.readBuffers(out, aliased);
        fetch(fid, plan, bufs, aliased);
        plan.copyOut(0, out.duplicate(), bufs, aliased);
    }

    /** Reads every target of a read plan into its buffer; what an object or the MDT lacks reads as zeros. */
    void fetch(Fid fid, IoPlan plan, ByteBuffer[] bufs, boolean[] aliased) {
        List<Parallel.Call> calls = new ArrayList<>();
        List<Target> targets = plan.targets();
        for (int i = 0; i < targets.size(); i++) {
            Target t = targets.get(i);
            ByteBuffer b = bufs[i].duplicate().clear();
            boolean zeroRest = aliased != null && aliased[i];
            calls.add(() -> {
                int n = switch (t) {
                    case ObjectTarget o -> readFully(o.object(), o.objectOffset(), b);
                    case DomTarget d -> {
                        byte[] bytes = mds.domRead(fid, d.offset(), d.length());
                        int k = Math.min(bytes.length, d.length());
                        b.put(0, bytes, 0, k);
                        yield k;
                    }
                };
                if (zeroRest && n < b.capacity()) {
                    IoPlan.zero(b, n, b.capacity() - n);
                }
            });
        }
        Parallel.run(threads, calls);
    }

    /** Reads an object extent until dst is full or the object ends; returns the bytes read. */
    private int readFully(ObjectRef object, long offset, ByteBuffer dst) {
        int start = dst.position();
        while (dst.hasRemaining()) {
            int n = objects.read(object, offset + dst.position() - start, dst);
            if (n <= 0) {
                break;
            }
        }
        return dst.position() - start;
    }

    /**
     * HSM: every access to released data ends up here. Queues the file's restore (once, in the background) and throws
     * DELAY at once, or IO when its restore failed for good.
     */
    void releasedData(Fid fid, List<Component> released) {
        int archive = released.get(0).placement() instanceof Placement.Released r ? r.archiveId() : 0;
        throw restores.accessed(fid, archive);
    }

    // ---- write ------------------------------------------------------------------------------------

    /**
     * Writes src's remaining bytes at offset to every mirror, advancing src; instantiates components as
     * needed. STABLE: the data is durable and size and mtime recorded at the MDS before this returns.
     * UNSTABLE: size and mtime are kept here until {@link #commit} (or the periodic flush). Returns the
     * write verifier: if it differs from what a later commit returns, unstable data may have been lost.
     */
    public long write(Fid fid, long offset, ByteBuffer src, Durability durability) {
        requireNonNull(fid, "fid");
        requireNonNull(src, "src");
        requireNonNull(durability, "durability");
        ensureOpen();
        int len = src.remaining();
        checkWriteRange(offset, len);
        if (len == 0) {
            return verifier.value();
        }
        performFence(fid);
        Lock lock = locks.of(fid).readLock();
        lock.lock();
        try {
            Layout layout = writableLayout(fid, null, offset, len);
            // A write of several windows goes unstable to the objects and is synced once at the end,
            // rather than synced window by window.
            boolean oneWindow = IoPlan.windowEnd(layout, offset, window) >= offset + len;
            Durability perWindow = oneWindow ? durability : Durability.UNSTABLE;
            Map<ObjectRef, Long> written = new ConcurrentHashMap<>();
            ByteBuffer rest = src.slice(src.position(), len);
            long pos = offset;
            while (rest.hasRemaining()) {
                int k = (int) Math.min(rest.remaining(), IoPlan.windowEnd(layout, pos, window) - pos);
                IoPlan plan = writePlan(fid, layout, pos, k);
                ByteBuffer[] bufs = plan.gather(rest.slice(rest.position(), k));
                store(fid, plan, bufs, k, perWindow, written);
                rest.position(rest.position() + k);
                pos += k;
            }
            long end = offset + len;
            if (durability == Durability.STABLE) {
                if (perWindow == Durability.UNSTABLE) {
                    syncWritten(written);
                }
                layouts.wrote(mds.dataWritten(fid, end, SetAttr.SERVER_TIME));
            } else {
                pending.wrote(fid, written.keySet(), end, nowNanos());
            }
            src.position(src.position() + len);
            return verifier.value();
        } finally {
            lock.unlock();
        }
    }

    /** Opens a sequential write stream at offset. */
    public Writer openWriter(Fid fid, long offset, Durability durability) {
        requireNonNull(fid, "fid");
        requireNonNull(durability, "durability");
        ensureOpen();
        checkWriteRange(offset, 0);
        openStreams.merge(fid, 1, Integer::sum);
        return new StreamWriter(this, fid, offset, durability, window, maxInFlight);
    }

    /** A Writer stream of the file was closed. */
    void streamClosed(Fid fid) {
        openStreams.computeIfPresent(fid, (k, n) -> n == 1 ? null : n - 1);
    }

    /**
     * The layout to write [offset, offset + length) through: {@code known} (or the MDS's) when every
     * component there has its objects, else the MDS's after instantiating them.
     */
    Layout writableLayout(Fid fid, Layout known, long offset, long length) {
        Layout layout = known;
        if (layout == null) {
            layout = layouts.get(fid, LayoutCache.ANY_CHANGE);
            if (layout == null) {
                layout = layouts.put(fid, LayoutCache.ANY_CHANGE, mds.layout(fid));
            }
        }
        if (layout.isEmpty() || IoPlan.needsInstantiation(layout, offset, length)) {
            layout = layouts.put(fid, LayoutCache.ANY_CHANGE, mds.instantiate(fid, offset, length));
            LOG.debug("instantiated {} at [{}, +{}): generation {}", fid, offset, length, layout.generation());
        }
        if (layout.isEmpty()) {
            throw new NacreException(Status.INVALID, fid + " has no layout to write through");
        }
        return layout;
    }

    IoPlan writePlan(Fid fid, Layout layout, long offset, int length) {
        IoPlan plan = IoPlan.forWrite(layout, offset, length);
        if (!plan.released().isEmpty()) {
            releasedData(fid, plan.released());
        }
        return plan;
    }

    /**
     * Writes the first {@code valid} bytes of a planned window (gathered into bufs) to every target, side
     * by side; notes in {@code written} each object with the OST instance of its first write.
     */
    void store(Fid fid, IoPlan plan, ByteBuffer[] bufs, int valid, Durability durability,
               Map<ObjectRef, Long> written) {
        List<Parallel.Call> calls = new ArrayList<>();
        List<Target> targets = plan.targets();
        for (int i = 0; i < targets.size(); i++) {
            int n = plan.validLength(i, valid);
            if (n == 0) {
                continue;
            }
            Target t = targets.get(i);
            ByteBuffer b = bufs[i].duplicate().clear().limit(n);
            calls.add(switch (t) {
                case ObjectTarget o -> () -> {
                    long instance = objects.write(o.object(), o.objectOffset(), b, durability);
                    verifier.observe(o.object().ost(), instance);
                    written.putIfAbsent(o.object(), instance);
                };
                case DomTarget d -> () -> {
                    byte[] bytes = new byte[n];
                    b.get(0, bytes);
                    mds.domWrite(fid, d.offset(), bytes);
                };
            });
        }
        Parallel.run(threads, calls);
    }

    /**
     * Syncs objects written unstable on behalf of a stable write: an OST whose instance changed since the
     * write may have lost the data, which is then an error (the caller must write again).
     */
    void syncWritten(Map<ObjectRef, Long> written) {
        List<Parallel.Call> calls = new ArrayList<>();
        written.forEach((object, instance) -> calls.add(() -> {
            long now = objects.sync(object);
            verifier.observe(object.ost(), now);
            if (now != instance) {
                throw new NacreException(Status.IO, "OST" + "%04x".formatted(object.ost())
                        + " restarted while " + object + " was being written; the data may be lost, write again");
            }
        }));
        Parallel.run(threads, calls);
    }

    /** Notes unstable writes of a stream's window (see {@link PendingWrites}). */
    void wroteUnstable(Fid fid, Map<ObjectRef, Long> written, long end) {
        pending.wrote(fid, written.keySet(), end, nowNanos());
    }

    /** Records at the MDS that a stable stream's data reaches end (under the file's read lock). */
    void recordStable(Fid fid, Map<ObjectRef, Long> written, long end, boolean sync) {
        Lock lock = locks.of(fid).readLock();
        lock.lock();
        try {
            if (sync) {
                syncWritten(written);
            }
            mds.dataWritten(fid, end, SetAttr.SERVER_TIME);
        } finally {
            lock.unlock();
        }
    }

    // ---- commit -----------------------------------------------------------------------------------

    /**
     * Makes the file's unstable writes durable (syncs the objects they went to) and records their size
     * and mtime at the MDS. Returns the verifier; when an OST restarted since the writes, it differs from
     * theirs and the client must send them again.
     */
    public long commit(Fid fid) {
        requireNonNull(fid, "fid");
        ensureOpen();
        commitPending(fid);
        return verifier.value();
    }

    void commitPending(Fid fid) {
        // The read lock keeps a truncate from coming between the snapshot and the recording of its size.
        Lock lock = locks.of(fid).readLock();
        lock.lock();
        try {
            PendingWrites.Snapshot s = pending.snapshot(fid);
            if (s == null) {
                return;
            }
            List<Parallel.Call> calls = new ArrayList<>();
            for (ObjectRef object : s.dirty().keySet()) {
                calls.add(() -> verifier.observe(object.ost(), objects.sync(object)));
            }
            Parallel.run(threads, calls);
            if (s.hasSize()) {
                recordSize(s);
            }
            pending.done(s, true, s.hasSize());
        } finally {
            lock.unlock();
        }
    }

    private void recordSize(PendingWrites.Snapshot s) {
        try {
            layouts.wrote(mds.dataWritten(s.fid(), s.end(), s.mtime()));
        } catch (NacreException e) {
            if (e.status() == Status.STALE || e.status() == Status.NOT_FOUND) {
                // The file is gone: nothing of it is left to record or sync.
                pending.forget(s.fid());
                layouts.forget(s.fid());
            }
            throw e;
        }
    }

    /** Records the sizes of unstable writes at the MDS (the periodic flush); the data stays to commit. */
    void flushSizes() {
        for (Fid fid : pending.withUnrecordedSize()) {
            Lock lock = locks.of(fid).readLock();
            lock.lock();
            try {
                PendingWrites.Snapshot s = pending.snapshot(fid);
                if (s != null && s.hasSize()) {
                    recordSize(s);
                    pending.done(s, false, true);
                }
            } catch (RuntimeException e) {
                LOG.warn("could not record the size of unstable writes to {}: {}", fid, e.toString());
            } finally {
                lock.unlock();
            }
        }
    }

    private void flushLoop() {
        try {
            while (!closing.await(flushInterval.toNanos(), TimeUnit.NANOSECONDS)) {
                flushSizes();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.error("the periodic flush of unstable sizes stopped", e);
        }
    }

    // ---- truncate ---------------------------------------------------------------------------------

    /**
     * Sets the file's size (permission checked by the MDS): the MDS records it and queues the punches of
     * the objects, which are performed here side by side before this returns, so that bytes beyond the
     * new size read as zeros when the file grows again. Growing a file first trims objects of anything
     * beyond the old size (left by a failed write), for the same reason.
     */
    public Attr truncate(Caller caller, Fid fid, long size) {
        requireNonNull(caller, "caller");
        requireNonNull(fid, "fid");
        ensureOpen();
        if (size < 0) {
            throw new NacreException(Status.INVALID, "negative size " + size);
        }
        Lock lock = locks.of(fid).writeLock();
        lock.lock();
        try {
            layouts.forget(fid);
            performFenced(fid);
            PendingWrites.Snapshot s = pending.snapshot(fid);
            if (s != null && s.hasSize()) {
                recordSize(s);
                pending.done(s, false, true);
            }
            Attr before = mds.getattr(fid);
            checkRegular(before);
            if (size != before.size()) {
                Layout layout = mds.layout(fid);
                if (layout.isReleased()) {
                    releasedData(fid, layout.components());
                }
            }
            // Not while a stream writes the file: its data beyond the size is not recorded until it closes.
            if (size > before.size() && !openStreams.containsKey(fid)) {
                trimBeyond(mds.layout(fid), before.size());
            }
            AttrChange change = mds.setattr(caller, fid, SetAttr.builder().size(size).build());
            Map<PendingDestroy, RuntimeException> failed = queued.perform(change.punches());
            if (!failed.isEmpty()) {
                queued.fence(fid, failed.keySet());
                RuntimeException first = failed.values().iterator().next();
                throw new NacreException(punchStatus(first), "the size of " + fid + " is now " + size + " but "
                        + failed.size() + " object punch(es) failed; they are retried before the next write: "
                        + first.getMessage(), first);
            }
            return pending.merge(change.attr());
        } finally {
            lock.unlock();
        }
    }

    /** Cuts every instantiated object back to what a file of {@code size} bytes puts in it. */
    private void trimBeyond(Layout layout, long size) {
        List<Parallel.Call> calls = new ArrayList<>();
        for (Component c : layout.components()) {
            Placement.Raid0 r = c.raid0();
            if (r == null || !r.instantiated() || c.end() <= size) {
                continue;
            }
            for (int s = 0; s < r.stripeCount(); s++) {
                ObjectRef object = r.objects().get(s);
                long keep = Striping.objectSize(c.start(), c.end(), r.stripeSize(), r.stripeCount(), s, size);
                calls.add(() -> {
                    if (objects.stat(object).size() > keep) {
                        objects.truncate(object, keep);
                    }
                });
            }
        }
        Parallel.run(threads, calls);
    }

    /**
     * Before writing a file: performs punches an earlier truncate of it could not (an OST was away), under
     * the file's write lock; throws (UNAVAILABLE while the OST's node is away) when they still fail. Writes
     * through this FileIo do it themselves; a caller letting others write the objects directly (a pNFS
     * write layout) calls it first, so that such a punch never runs after their data and the bytes the
     * truncate cut off never come back as data or size.
     */
    public void performFence(Fid fid) {
        requireNonNull(fid, "fid");
        if (queued.fenced(fid)) {
            Lock lock = locks.of(fid).writeLock();
            lock.lock();
            try {
                performFenced(fid);
            } finally {
                lock.unlock();
            }
        }
    }

    /** Performs the fenced punches of a file; call with its write lock held. */
    private void performFenced(Fid fid) {
        List<PendingDestroy> punches = queued.fencedPunches(fid);
        if (punches.isEmpty()) {
            return;
        }
        Map<PendingDestroy, RuntimeException> failed = queued.perform(punches);
        List<PendingDestroy> done = new ArrayList<>(punches);
        done.removeAll(failed.keySet());
        queued.unfence(fid, done);
        if (!failed.isEmpty()) {
            RuntimeException first = failed.values().iterator().next();
            throw new NacreException(punchStatus(first), "punches left by a truncate of " + fid + " still fail: "
                    + first.getMessage(), first);
        }
    }

    /**
     * What a failed punch makes of the operation: UNAVAILABLE when its OST's node did not answer (a caller
     * tries again later: NFS answers NFS4ERR_DELAY, and the retry performs the punch once the node is back),
     * IO otherwise.
     */
    private static Status punchStatus(RuntimeException failure) {
        return failure instanceof NacreException e && e.status() == Status.UNAVAILABLE ? Status.UNAVAILABLE : Status.IO;
    }

    // ---- HSM release ------------------------------------------------------------------------------

    /**
     * lfs hsm_release through this FileIo: under the file's write lock (no write of this process runs),
     * with its unstable writes committed first (a write not yet recorded makes the file dirty, so the
     * release is refused rather than the write lost), and refused (BUSY) while a Writer stream is open on
     * it. The MDS checks that the file is archived and unchanged since (see
     * {@link io.nacre.engine.hsm.HsmCoordinator#hsmRelease}).
     */
    public Attr release(Caller caller, Fid fid) {
        requireNonNull(caller, "caller");
        requireNonNull(fid, "fid");
        ensureOpen();
        // before the lock: a client giving back its layout may first flush through this process
        try (LayoutGuard.Held held = layoutGuard.hold(fid, "HSM release")) {
            return releaseLocked(caller, fid);
        }
    }

    /**
     * Who is asked to give up a file's layout before a release or restripe (a pNFS metadata server in this
     * process); {@link LayoutGuard#NONE} by default.
     */
    public void layoutGuard(LayoutGuard guard) {
        layoutGuard = requireNonNull(guard, "guard");
    }

    /**
     * Who keeps files removed while open (the NFS gateway of this process); {@link OpenFiles#NONE} by default.
     */
    public void openFiles(OpenFiles keeper) {
        openFiles = requireNonNull(keeper, "keeper");
    }

    /**
     * Removes {@code name} from {@code parent} as {@link MetadataService#remove} does, except that the last name
     * of a file some client has open goes out of the namespace without the file: its openers keep it until their
     * last close (see {@link OpenFiles}). For the gateways' and the admin verbs' removes. Returns the change of
     * {@code parent}.
     */
    public DirChange remove(Caller caller, Fid parent, String name, RemoveKind kind) {
        if (kind != RemoveKind.DIRECTORY) {
            DirChange kept = openFiles.keepIfOpen(caller, parent, name);
            if (kept != null) {
                return kept;
            }
        }
        return mds.remove(caller, parent, name, kind).dir();
    }

    /**
     * Before a rename onto {@code name} in {@code parent}: if it is the last name of a file some client has
     * open, the file is kept for its openers (see {@link OpenFiles}) and the name is free for the rename.
     */
    public void keepIfOpen(Caller caller, Fid parent, String name) {
        openFiles.keepIfOpen(caller, parent, name);
    }

    private Attr releaseLocked(Caller caller, Fid fid) {
        Lock lock = locks.of(fid).writeLock();
        lock.lock();
        try {
            if (openStreams.containsKey(fid)) {
                throw new NacreException(Status.BUSY, fid + " is being written (a stream is open); not released");
            }
            commitPending(fid);
            Attr a = mds.getattr(fid);
            checkRegular(a);
            layouts.forget(fid);
            return mds.hsmRelease(caller, fid, a.dataVersion());
        } finally {
            layouts.forget(fid);
            lock.unlock();
        }
    }

    // ---- restripe (lfs migrate) --------------------------------------------------------------------

    /**
     * lfs migrate: gives a file that may hold data, and may be open and written meanwhile, a new layout from
     * {@code template} (stripe count, size, pool; the normal allocator places the objects). Its layouts are
     * recalled from pNFS clients for the whole migrate (they do I/O through this process meanwhile); the data
     * is copied into new objects with bounded memory, then the new layout is swapped in with
     * {@link MetadataService#swapLayout} under the file's write lock, so every byte acknowledged before or
     * during the migrate is in the new objects, and the old objects are destroyed. A write during the copy
     * makes it start again; after {@link Migration#ATTEMPTS} copies (the last one blocking the file's
     * writers) BUSY. Needs ownership of the file or write on it. INVALID for a released file, NOT_SUPPORTED
     * for data-on-MDT on either side, BUSY while a Writer stream is open on the file. Returns the new layout.
     */
    public Layout migrate(Caller caller, Fid fid, LayoutTemplate template) {
        requireNonNull(caller, "caller");
        requireNonNull(fid, "fid");
        requireNonNull(template, "template");
        ensureOpen();
        // before the lock: a client giving back its layout may first flush through this process
        try (LayoutGuard.Held held = layoutGuard.hold(fid, "restripe")) {
            migrating.merge(fid, 1, Integer::sum);
            try {
                return new Migration(this, caller, fid, template).run();
            } finally {
                migrating.computeIfPresent(fid, (k, n) -> n == 1 ? null : n - 1);
            }
        }
    }

    /**
     * Removes the staged copies that no restripe of this process is making: those a crash between a copy and
     * its swap left behind (their objects go to the destroy queue). For a node's start, and only where restripes
     * are made by this process alone (a restripe elsewhere would lose its staged copy and answer BUSY). Returns
     * how many were removed.
     */
    public int sweepMigrations() {
        ensureOpen();
        return Migration.sweep(mds, fid -> fid != null && migrating.containsKey(fid));
    }

    /** Whether a Writer stream is open on the file (it keeps the layout it writes through). */
    boolean streaming(Fid fid) {
        return openStreams.containsKey(fid);
    }

    void forgetLayout(Fid fid) {
        layouts.forget(fid);
    }

    // ---- for the Destroyer ------------------------------------------------------------------------

    MetadataService mds() {
        return mds;
    }

    QueuedDestroys queued() {
        return queued;
    }

    ExecutorService threads() {
        return threads;
    }

    Lock writeLock(Fid fid) {
        return locks.of(fid).writeLock();
    }

    Lock readLock(Fid fid) {
        return locks.of(fid).readLock();
    }

    // ---- life cycle -------------------------------------------------------------------------------

    /**
     * Commits every file's unstable writes (so clients need not resend them), stops the periodic flush
     * and waits for running I/O. Streams left open are not flushed.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        closing.countDown();
        try {
            flusher.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (Fid fid : pending.files()) {
            try {
                commitPending(fid);
            } catch (NacreException e) {
                LOG.warn("unstable writes to {} not committed at close: {}", fid, e.toString());
            }
        }
        threads.close();
    }

    void ensureOpen() {
        if (closed) {
            throw new NacreException(Status.UNAVAILABLE, "FileIo is closed");
        }
    }

    private static void checkRegular(Attr a) {
        if (a.type() != FileType.REGULAR) {
            throw new NacreException(a.type() == FileType.DIRECTORY ? Status.IS_DIR : Status.INVALID,
                    a.fid() + " is a " + a.type().name().toLowerCase() + ", not a regular file");
        }
    }

    private static void checkWriteRange(long offset, long length) {
        if (offset < 0) {
            throw new NacreException(Status.INVALID, "negative offset " + offset);
        }
        if (offset > Long.MAX_VALUE - length) {
            throw new NacreException(Status.TOO_BIG, "a write to " + offset + " of " + length
                    + " bytes would pass the largest file size");
        }
    }

    static long nowNanos() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }
}
