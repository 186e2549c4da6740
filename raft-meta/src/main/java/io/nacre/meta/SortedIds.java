package io.nacre.meta;

import io.nacre.engine.NacreException;
import io.nacre.engine.Status;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.PriorityQueue;

/**
 * Object ids gathered in any order, then read back ascending without duplicates, in bounded memory: an external
 * sort. Ids are kept in a buffer of {@code runIds}; a full buffer is sorted, deduplicated and appended to a file
 * as a run; reading merges the runs, each through a small buffer. Ids that all fit in the buffer never touch the
 * file. Not thread-safe: one owner at a time.
 */
final class SortedIds implements AutoCloseable {

    /** Ids one run's read buffer holds while merging (16 KiB). */
    static final int READ_IDS = 2048;
    /** Ids written to the file per write call (64 KiB). */
    private static final int WRITE_IDS = 8192;

    private final Path file;
    private final int runIds;
    private long[] buf;
    private int n;
    private FileChannel ch;
    private long fileIds;
    private final List<long[]> runs = new ArrayList<>(); // {first id index in the file, count}
    private boolean sealed;
    // reading
    private int at;
    private PriorityQueue<Run> heads;
    private long last = Long.MIN_VALUE;
    private boolean hasPeeked;
    private long peeked;

    /** {@code file}: where runs go if there are more ids than {@code runIds} (made then, deleted at close). */
    SortedIds(Path file, int runIds) {
        if (runIds < 1) {
            throw new IllegalArgumentException("a run holds at least one id: " + runIds);
        }
        this.file = file;
        this.runIds = runIds;
        this.buf = new long[Math.min(runIds, 1024)];
    }

    void add(long id) {
        if (sealed) {
            throw new IllegalStateException("ids are being read");
        }
        if (n == buf.length) {
            if (n < runIds) {
                buf = Arrays.copyOf(buf, (int) Math.min(runIds, 2L * n));
            } else {
                spill();
            }
        }
        buf[n++] = id;
    }

    /** The number of runs written to the file so far (0 when every id fit in memory). */
    int runs() {
        return runs.size();
    }

    /** Ends gathering: from now on the ids are read, ascending. */
    void seal() {
        if (sealed) {
            return;
        }
        sealed = true;
        if (runs.isEmpty()) {
            n = dedupe(buf, n);
            buf = Arrays.copyOf(buf, n);
            return;
        }
        if (n > 0) {
            spill();
        }
        buf = null; // the run buffer is done with: merging needs only the runs' read buffers
        heads = new PriorityQueue<>(runs.size(), (a, b) -> Long.compare(a.head(), b.head()));
        for (long[] r : runs) {
            Run run = new Run(r[0], r[1]);
            if (run.fill()) {
                heads.add(run);
            }
        }
    }

    boolean hasNext() {
        return peek() != Long.MAX_VALUE;
    }

    /** The next id, without taking it; Long.MAX_VALUE when there is none (never an object id: ids stay below). */
    long peek() {
        if (!hasPeeked) {
            long id = advance();
            if (id == Long.MAX_VALUE) {
                return id;
            }
            peeked = id;
            hasPeeked = true;
        }
        return peeked;
    }

    long next() {
        long id = peek();
        hasPeeked = false;
        return id;
    }

    private long advance() {
        if (!sealed) {
            throw new IllegalStateException("not sealed");
        }
        while (true) {
            long id;
            if (heads == null) {
                if (at == n) {
                    return Long.MAX_VALUE;
                }
                id = buf[at++];
            } else {
                Run r = heads.poll();
                if (r == null) {
                    return Long.MAX_VALUE;
                }
                id = r.take();
                if (r.fill()) {
                    heads.add(r);
                }
            }
            if (id != last) { // runs are deduplicated each, but an id may be in several
                last = id;
                return id;
            }
        }
    }

    private void spill() {
        n = dedupe(buf, n);
        try {
            if (ch == null) {
                Files.createDirectories(file.getParent());
                ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
                        StandardOpenOption.WRITE, StandardOpenOption.DELETE_ON_CLOSE);
            }
            ByteBuffer out = ByteBuffer.allocate(Math.min(n, WRITE_IDS) * Long.BYTES);
            for (int i = 0; i < n; ) {
                out.clear();
                int end = Math.min(n, i + WRITE_IDS);
                for (; i < end; i++) {
                    out.putLong(buf[i]);
                }
                out.flip();
                while (out.hasRemaining()) {
                    ch.write(out, fileIds * Long.BYTES + out.position());
                }
                fileIds = fileIds + out.limit() / Long.BYTES;
            }
        } catch (IOException e) {
            throw new NacreException(Status.IO, "cannot spill referenced object ids to " + file + ": " + e);
        }
        runs.add(new long[] {fileIds - n, n});
        n = 0;
    }

    private static int dedupe(long[] a, int n) {
        Arrays.sort(a, 0, n);
        int w = 0;
        for (int i = 0; i < n; i++) {
            if (w == 0 || a[i] != a[w - 1]) {
                a[w++] = a[i];
            }
        }
        return w;
    }

    @Override
    public void close() {
        buf = null;
        heads = null;
        if (ch != null) {
            try {
                ch.close(); // DELETE_ON_CLOSE
            } catch (IOException e) {
                throw new NacreException(Status.IO, "cannot close " + file + ": " + e);
            }
            ch = null;
        }
    }

    /** One run of the file being merged, read a buffer at a time. */
    private final class Run {
        private long next;
        private final long end;
        private final ByteBuffer in = ByteBuffer.allocate(READ_IDS * Long.BYTES).flip();

        Run(long first, long count) {
            this.next = first;
            this.end = first + count;
        }

        long head() {
            return in.getLong(in.position());
        }

        long take() {
            return in.getLong();
        }

        /** Whether the run has an id left (reading the next buffer from the file when this one is done). */
        boolean fill() {
            if (in.hasRemaining()) {
                return true;
            }
            if (next == end) {
                return false;
            }
            in.clear().limit((int) Math.min(READ_IDS, end - next) * Long.BYTES);
            try {
                while (in.hasRemaining()) {
                    if (ch.read(in, next * Long.BYTES + in.position()) < 0) {
                        throw new NacreException(Status.IO, "spilled ids end early in " + file);
                    }
                }
            } catch (IOException e) {
                throw new NacreException(Status.IO, "cannot read spilled ids from " + file + ": " + e);
            }
            next += in.flip().remaining() / Long.BYTES;
            return true;
        }
    }
}
