package io.nacre.ost;

import java.time.Duration;
import java.util.Set;

/**
 * How an {@link Ost} is opened: chunk size (fixed when the OST is created), LMDB map size, pools, and an
 * optional bandwidth limit so that tests can give every OST the same bandwidth. Build with {@link #builder()}.
 */
public final class OstOptions {

    /** Chosen by measurement, see {@link Ost} and ost-store/README.md. */
    public static final int DEFAULT_CHUNK_SIZE = 64 * 1024;
    /** The map is sparse: this bounds the OST's size, it is not allocated. */
    public static final long DEFAULT_MAP_SIZE = 1L << 40;

    /** How LMDB commits reach the disk; only the benchmark picks another than {@link #DEFAULT_MODE}. */
    enum LmdbMode {
        /** LMDB's default: the commit writes data pages, fdatasync, meta page, fdatasync. */
        SYNC_COMMIT,
        /** MDB_WRITEMAP: values are written in the map; the commit msyncs data, then the meta page. */
        WRITEMAP_SYNC_COMMIT,
        /** MDB_WRITEMAP|MDB_MAPASYNC: commits do not flush; one env sync per group makes it durable. */
        WRITEMAP_ASYNC_GROUP_SYNC,
        /** MDB_NOSYNC: commits do not flush; one env sync per group makes it durable. */
        NOSYNC_GROUP_SYNC,
    }

    static final LmdbMode DEFAULT_MODE = LmdbMode.SYNC_COMMIT;

    /** WAL segment size; raised at open to at least 8 chunks. */
    public static final long DEFAULT_WAL_SEGMENT_SIZE = 32L << 20;
    /** WAL segments; a checkpoint starts when half of them are in use. */
    public static final int DEFAULT_WAL_SEGMENTS = 16;
    /**
     * Turns the background preparation of the WAL segments off by default, for a whole test run (many
     * tests open OSTs that never see 512 MiB of writes): system property {@code nacre.ost.wal.prepare} or
     * environment variable {@code NACRE_OST_WAL_PREPARE} = {@code false} (an environment variable also
     * reaches the processes a test starts).
     */
    static final String PREPARE_PROPERTY = "nacre.ost.wal.prepare";
    /**
     * Whether a run of consecutive chunks whose images lie back to back in a WAL segment or a data file is read
     * with one scattering read instead of a pread per chunk (a segment not mapped yet) or a copy from the file's
     * map (a page fault per page first touched in it): system property {@code nacre.ost.read.runs} or
     * environment variable {@code NACRE_OST_READ_RUNS} = {@code false} turns it off as the default of a whole
     * process (for A/B runs without a rebuild); on otherwise.
     */
    static final String READ_RUNS_PROPERTY = "nacre.ost.read.runs";
    /** WAL streams (segments appended and flushed concurrently); at most a third of the segments. */
    static final int DEFAULT_WAL_STREAMS = 4;
    /**
     * After the open, the WAL's preparation keeps one free segment per stream prepared and leaves the other fresh files
     * waiting for the dead data files of a delete or an overwrite to take their place; once the writers have been idle
     * this long it prepares those too, so that a stream after a long pause writes into prepared space. Long enough
     * for a delete after a read of what was just written (the guest bench's pattern); see ost-store/README.md.
     */
    static final Duration DEFAULT_WAL_PREPARE_WAITING_AFTER = Duration.ofSeconds(60);

    private final int chunkSize;
    private final long mapSize;
    private final long bandwidthLimit;
    private final Set<String> pools;
    private final LmdbMode mode;
    private final boolean wal;
    private final long walSegmentSize;
    private final int walSegments;
    private final int walStreams;
    private final boolean walStreamsInTurn;
    private final boolean walPrepare;
    private final Duration walPrepareWaitingAfter;
    private final boolean readRuns;

    private OstOptions(Builder b) {
        this.chunkSize = b.chunkSize;
        this.mapSize = b.mapSize;
        this.bandwidthLimit = b.bandwidthLimit;
        this.pools = Set.copyOf(b.pools);
        this.mode = b.mode;
        this.wal = b.wal;
        this.walSegmentSize = b.walSegmentSize;
        this.walSegments = b.walSegments;
        this.walStreams = b.walStreams;
        this.walStreamsInTurn = b.walStreamsInTurn;
        this.walPrepare = b.walPrepare;
        this.walPrepareWaitingAfter = b.walPrepareWaitingAfter;
        this.readRuns = b.readRuns;
    }

    public static OstOptions defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Bytes of object data per LMDB value; used only when the OST is created, then read from the OST. */
    public int chunkSize() {
        return chunkSize;
    }

    public long mapSize() {
        return mapSize;
    }

    /** Bytes per second this OST reads plus writes at most; 0 means unlimited. */
    public long bandwidthLimit() {
        return bandwidthLimit;
    }

    public Set<String> pools() {
        return pools;
    }

    LmdbMode mode() {
        return mode;
    }

    /** Whether writes go through the write-ahead log (the default) or straight into LMDB. */
    boolean wal() {
        return wal;
    }

    public long walSegmentSize() {
        return walSegmentSize;
    }

    public int walSegments() {
        return walSegments;
    }

    /** Whether the WAL's segments are written with zeros in the background when the OST opens. */
    public boolean walPrepare() {
        return walPrepare;
    }

    /** Whether runs of WAL or data file records are read with one scattering read each (see {@link Builder#readRuns}). */
    public boolean readRuns() {
        return readRuns;
    }

    int walStreams() {
        return walStreams;
    }

    Duration walPrepareWaitingAfter() {
        return walPrepareWaitingAfter;
    }

    boolean walStreamsInTurn() {
        return walStreamsInTurn;
    }

    public static final class Builder {
        private int chunkSize = DEFAULT_CHUNK_SIZE;
        private long mapSize = DEFAULT_MAP_SIZE;
        private long bandwidthLimit;
        private Set<String> pools = Set.of();
        private LmdbMode mode = DEFAULT_MODE;
        private boolean wal = true;
        private long walSegmentSize = DEFAULT_WAL_SEGMENT_SIZE;
        private int walSegments = DEFAULT_WAL_SEGMENTS;
        private int walStreams = DEFAULT_WAL_STREAMS;
        private boolean walStreamsInTurn;
        private Duration walPrepareWaitingAfter = DEFAULT_WAL_PREPARE_WAITING_AFTER;
        private boolean walPrepare = !"false".equalsIgnoreCase(
                System.getProperty(PREPARE_PROPERTY, System.getenv("NACRE_OST_WAL_PREPARE")));
        private boolean readRuns = !"false".equalsIgnoreCase(
                System.getProperty(READ_RUNS_PROPERTY, System.getenv("NACRE_OST_READ_RUNS")));

        private Builder() {
        }

        /** A power of two from 4 KiB to 4 MiB. */
        public Builder chunkSize(int bytes) {
            if (bytes < 4096 || bytes > (4 << 20) || Integer.bitCount(bytes) != 1) {
                throw new IllegalArgumentException("chunk size must be a power of two in [4 KiB, 4 MiB]: " + bytes);
            }
            this.chunkSize = bytes;
            return this;
        }

        public Builder mapSize(long bytes) {
            if (bytes < (16 << 20)) {
                throw new IllegalArgumentException("map size must be at least 16 MiB: " + bytes);
            }
            this.mapSize = bytes;
            return this;
        }

        /** Limits reads plus writes to {@code bytesPerSecond}; 0 (the default) means unlimited. */
        public Builder bandwidthLimit(long bytesPerSecond) {
            if (bytesPerSecond < 0) {
                throw new IllegalArgumentException("bandwidth limit must be >= 0: " + bytesPerSecond);
            }
            this.bandwidthLimit = bytesPerSecond;
            return this;
        }

        public Builder pools(Set<String> pools) {
            this.pools = Set.copyOf(pools);
            return this;
        }

        Builder mode(LmdbMode mode) {
            this.mode = mode;
            return this;
        }

        /** Off: every group of writes is one synchronous LMDB commit (the mode before the WAL). */
        Builder wal(boolean on) {
            this.wal = on;
            return this;
        }

        /**
         * Bytes per WAL segment (1 MiB to 1 GiB) and how many segments (at least 6): the WAL's size, which a
         * burst of writes fills at the WAL's rate before checkpoints set the pace, and what it takes on disk.
         * The default, {@value #DEFAULT_WAL_SEGMENTS} x 32 MiB, was measured (ost-store/README.md); tests use
         * a few MiB. An OST may be reopened with other values (recovery reads the segments as they are).
         */
        public Builder walSegments(long bytes, int count) {
            if (bytes < (1 << 20) || bytes > (1 << 30) || count < 6) {
                throw new IllegalArgumentException("WAL segments must be 1 MiB to 1 GiB, at least 6 of them: "
                        + bytes + " x " + count);
            }
            this.walSegmentSize = bytes;
            this.walSegments = count;
            return this;
        }

        /**
         * Whether a read of consecutive chunks whose images lie back to back in a WAL segment or a data file takes
         * one scattering read instead of a pread per chunk (a segment not written to its full size yet, so not
         * mapped) or a copy from the file's map (a page fault per page the copy touches first in it). Default on; {@code nacre.ost.read.runs} / {@code NACRE_OST_READ_RUNS} =
         * {@code false} turns the default off.
         */
        public Builder readRuns(boolean on) {
            this.readRuns = on;
            return this;
        }

        /**
         * Whether the OST writes its WAL segments with zeros on a background thread when it opens (the
         * default, unless turned off for a test run, see {@link #PREPARE_PROPERTY}), so that the writes of a
         * fresh OST are not written twice. Off, writers write each segment with zeros as they first reach it.
         */
        public Builder walPrepare(boolean on) {
            this.walPrepare = on;
            return this;
        }

        /** WAL streams flushed concurrently (1 to 16; at most a third of the segments are used as streams). */
        Builder walStreams(int count) {
            if (count < 1 || count > 16) {
                throw new IllegalArgumentException("WAL streams must be 1 to 16: " + count);
            }
            this.walStreams = count;
            return this;
        }

        /**
         * Tests: groups take the idle streams in turn (the one back first first), so that one thread's
         * successive writes land in different segments; by default the stream back last goes first, so
         * that a lone writer keeps appending to one file.
         */
        Builder walStreamsInTurn(boolean inTurn) {
            this.walStreamsInTurn = inTurn;
            return this;
        }

        /**
         * Tests: how long the writers must have been idle before the background preparation also writes the fresh
         * files it leaves waiting for dead data files (default {@link #DEFAULT_WAL_PREPARE_WAITING_AFTER}).
         */
        Builder walPrepareWaitingAfter(Duration idle) {
            this.walPrepareWaitingAfter = java.util.Objects.requireNonNull(idle);
            return this;
        }

        public OstOptions build() {
            return new OstOptions(this);
        }
    }
}
