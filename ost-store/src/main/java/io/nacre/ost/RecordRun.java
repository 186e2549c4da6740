package io.nacre.ost;

import io.nacre.engine.NacreException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.function.IntFunction;

/**
 * Records that follow each other back to back in one file (a WAL segment, or a data file that was one), the
 * images of consecutive chunks of one object: read with one scattering read, each payload straight into the
 * reader's buffer and the headers between them into a scratch buffer, then each record's header and CRC32C
 * checked over exactly the bytes read, so the bytes checked are the bytes returned. A copy from the file's map
 * did this before: it faults in every page it touches first in that map, where the read copies from the page
 * cache with no fault.
 */
final class RecordRun {

    /** Records one run read takes at most: a 4 MiB read of 64 KiB chunks. */
    static final int MAX = 64;

    /** Direct buffers for the headers of a run, {@link #MAX} headers each. */
    private static final ArrayBlockingQueue<ByteBuffer> HEADERS = new ArrayBlockingQueue<>(16);

    /** The records' sequence numbers and payload lengths, in file order; {@link #n} of them. */
    final long[] seqs = new long[MAX];
    final int[] lengths = new int[MAX];
    /** Where each payload goes in the reader's buffer (absolute indexes). */
    final int[] at = new int[MAX];
    int n;

    /** Adds the next record of the run. */
    void add(long seq, int length, int into) {
        seqs[n] = seq;
        lengths[n] = length;
        at[n] = into;
        n++;
    }

    /** Bytes of the run in its file, headers included. */
    long bytes() {
        long total = 0;
        for (int i = 0; i < n; i++) {
            total += Wal.HEADER + lengths[i];
        }
        return total;
    }

    /** A scratch buffer for {@link #read}'s headers; give it back with {@link #giveBack}. */
    static ByteBuffer takeHeaders() {
        ByteBuffer b = HEADERS.poll();
        return b != null ? b : ByteBuffer.allocateDirect(Wal.HEADER * MAX);
    }

    static void giveBack(ByteBuffer headers) {
        HEADERS.offer(headers.clear());
    }

    /**
     * Reads the run from {@code ch}'s position on (the caller set it) with one scattering read, the payloads into
     * {@code dst} at {@link #at}, the headers into {@code headers}; returns the bytes read, fewer than
     * {@link #bytes()} when the file ends early (the checks then fail).
     */
    long read(FileChannel ch, ByteBuffer headers, ByteBuffer dst) throws IOException {
        if (n < 1 || n > MAX) {
            throw new IllegalArgumentException("run of " + n + " records");
        }
        ByteBuffer[] iov = new ByteBuffer[2 * n];
        for (int i = 0; i < n; i++) {
            iov[2 * i] = headers.slice(i * Wal.HEADER, Wal.HEADER);
            iov[2 * i + 1] = dst.slice(at[i], lengths[i]);
        }
        long total = bytes();
        long got = 0;
        while (got < total) {
            long k = ch.read(iov);
            if (k < 0) {
                break;
            }
            got += k;
        }
        return got;
    }

    /** Where record {@code i} of the run starts in its file, the run starting at {@code start}. */
    long offset(long start, int i) {
        long at = start;
        for (int k = 0; k < i; k++) {
            at += Wal.HEADER + lengths[k];
        }
        return at;
    }

    /**
     * Checks what {@link #read} read ({@code got} bytes): each record must be the image of chunk {@code first + i}
     * of object {@code id} that the run names, whole. Returns the first record that is not (another record is
     * there, or the file ended before it), -1 if every one is; {@code corrupt.apply(i)} is thrown for one whose
     * payload fails its CRC32C.
     */
    int firstMissing(ByteBuffer headers, long got, long id, long first, ByteBuffer dst,
                     IntFunction<NacreException> corrupt) {
        long end = 0;
        for (int i = 0; i < n; i++) {
            end += Wal.HEADER + lengths[i];
            ByteBuffer h = headers.slice(i * Wal.HEADER, Wal.HEADER);
            if (end > got || !Wal.holds(h, seqs[i], lengths[i], id, first + i)) {
                return i;
            }
            if (!Wal.crcMatches(h, dst.slice(at[i], lengths[i]))) {
                throw corrupt.apply(i);
            }
        }
        return -1;
    }
}
