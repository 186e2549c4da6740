package io.nacre.meta;

import io.nacre.engine.NacreException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.zip.CRC32C;
import org.apache.ratis.server.protocol.TermIndex;

/**
 * A measuring prototype of the one-peer fast path (raft-meta/README.md, "A one-peer fast path (proposal)"), for
 * {@link WritePathBench} only: the caller's thread checks a batch ({@link Proposals}, as the leader's
 * {@code startTransaction}), makes it durable and applies it ({@link NamespaceStateMachine#applyBatch}), with no
 * other thread involved. Two ways to make it durable, the proposal's candidates:
 *
 * <ul>
 *   <li>{@link Mode#LOG} (b): the entry is appended to a log file of our own, preallocated (so that the
 *       {@code fdatasync} has no size or extent to journal), with {@code pwrite} and {@code fdatasync}; LMDB
 *       commits with MDB_NOSYNC as on the Ratis path;</li>
 *   <li>{@link Mode#LMDB} (a): no log at all, LMDB commits without MDB_NOSYNC (its own ordered sync is the
 *       journal commit).</li>
 * </ul>
 *
 * Not a server: no retry cache, no snapshots, no log segments; {@link #replay} shows that the log alone
 * rebuilds the namespace (what a power loss would need) and that a torn last record is dropped. Callers are
 * serialized (one caller in the bench; a real committer would group the callers that wait, as {@link Batcher}
 * does).
 */
final class OnePeerCommit implements AutoCloseable {

    enum Mode { LOG, LMDB }

    private static final long TERM = 1;
    private static final long PREALLOCATE = 64L << 20;
    private static final int HEADER = 4 + 4 + 8 + 8; // crc, length, term, index

    private final Mode mode;
    private final NamespaceStore store;
    private final Proposals proposals = new Proposals(new UsageCache(null, Duration.ofSeconds(1)));
    private final FileChannel log;
    private ByteBuffer body = ByteBuffer.allocateDirect(64 << 10);
    private final CRC32C crc = new CRC32C();
    private long position;
    private long allocated;
    private long index;

    OnePeerCommit(Path dir, Mode mode) throws IOException {
        this.mode = mode;
        this.store = NamespaceStore.open(dir.resolve("namespace"), null, true, mode == Mode.LMDB);
        if (mode == Mode.LOG) {
            log = FileChannel.open(dir.resolve("log"), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            preallocate();
        } else {
            log = null;
        }
    }

    /** Writes zeros ahead, as Ratis does for its segments: an overwrite in place is all a later fdatasync flushes. */
    private void preallocate() throws IOException {
        ByteBuffer zeros = ByteBuffer.allocateDirect(1 << 20);
        long end = allocated + PREALLOCATE;
        while (allocated < end) {
            zeros.clear();
            allocated += log.write(zeros, allocated);
        }
        log.force(true);
    }

    /** Checks, logs and applies one batch on this thread; returns its results as {@link Replies#decodeResults}. */
    synchronized List<Object> commit(List<Op> ops) throws IOException {
        // Durable before it is applied, applied before it is answered: an answered change is in the log.
        byte[] request = Op.encodeBatch(0, ops);
        Proposals.Entry entry;
        try (Tx tx = store.read()) {
            entry = proposals.prepare(tx, request, store.shortOfRoom());
        }
        index++;
        if (mode == Mode.LOG) {
            append(entry.bytes());
        }
        byte[] reply = NamespaceStateMachine.applyBatch(store, entry.batch(), TermIndex.valueOf(TERM, index));
        return Replies.decodeResults(reply);
    }

    /** One record, {@code crc32c(rest) | length | term | index | entry}, one pwrite, one fdatasync. */
    private void append(byte[] entry) throws IOException {
        int length = HEADER + entry.length;
        if (position + length > allocated) {
            preallocate();
        }
        if (body.capacity() < length) {
            body = ByteBuffer.allocateDirect(Math.max(length, 2 * body.capacity()));
        }
        body.clear().order(ByteOrder.LITTLE_ENDIAN).position(4);
        body.putInt(entry.length).putLong(TERM).putLong(index).put(entry);
        body.flip().position(4);
        crc.reset();
        crc.update(body);
        body.putInt(0, (int) crc.getValue()).position(0);
        while (body.hasRemaining()) {
            position += log.write(body, position);
        }
        log.force(false);
    }

    /** The log's end: where the next record goes. */
    long logEnd() {
        return position;
    }

    NamespaceStore store() {
        return store;
    }

    /**
     * Applies the records of {@code logFile} in order to {@code into} (a store that holds none of them), each
     * batch decoded from its bytes as a follower would; stops at the first record that is not whole (the
     * preallocated zeros, a record cut short, a checksum that does not match: a record whose fdatasync never
     * returned, so never acknowledged). Returns the index of the last record applied, 0 for none.
     */
    static long replay(Path logFile, NamespaceStore into) throws IOException {
        ByteBuffer log;
        try (FileChannel ch = FileChannel.open(logFile, StandardOpenOption.READ)) {
            log = ByteBuffer.allocate(Math.toIntExact(ch.size())).order(ByteOrder.LITTLE_ENDIAN);
            while (log.hasRemaining() && ch.read(log) >= 0) {
                // read it all
            }
            log.flip();
        }
        CRC32C crc = new CRC32C();
        long last = 0;
        while (log.remaining() >= HEADER) {
            int at = log.position();
            int sum = log.getInt();
            int length = log.getInt();
            if (length <= 0 || length > log.remaining() - 16) {
                break;
            }
            crc.reset();
            crc.update(log.array(), at + 4, HEADER - 4 + length);
            if ((int) crc.getValue() != sum) {
                break;
            }
            long term = log.getLong();
            long index = log.getLong();
            byte[] entry = new byte[length];
            log.get(entry);
            NamespaceStateMachine.applyBatch(into, Op.decodeBatch(entry), TermIndex.valueOf(term, index));
            last = index;
        }
        return last;
    }

    /** One operation's result, its error thrown. */
    Object one(Op op) throws IOException {
        Object r = commit(List.of(op)).get(0);
        if (r instanceof NacreException e) {
            throw e;
        }
        return r;
    }

    @Override
    public void close() throws IOException {
        if (log != null) {
            log.close();
        }
        store.close();
    }
}
