package io.nacre.nfs.v41.state;

/**
 * One slot of a session's fore channel and its reply cache (RFC 8881 §2.10.6.1): the sequence id of the
 * last request, whether it is still running, and the reply it got (null when the client did not ask to
 * cache it, or it was too large).
 */
public final class Slot {

    /** What SEQUENCE found on the slot. */
    public enum Kind {
        /** The next request: run it. */
        NEW,
        /** A retransmission of the last request, which has a cached reply: send {@link Entry#reply()} again. */
        REPLAY,
        /** A retransmission of a request still running: NFS4ERR_DELAY. */
        IN_PROGRESS,
        /** A retransmission of a request whose reply was not cached: NFS4ERR_RETRY_UNCACHED_REP. */
        UNCACHED,
        /** Neither the last sequence id nor the next: NFS4ERR_SEQ_MISORDERED. */
        MISORDERED,
    }

    /** The outcome of {@link #begin}. */
    public record Entry(Kind kind, byte[] reply) {
    }

    private int seqid;
    private boolean inProgress;
    private byte[] cached;

    /** A new slot: its first request has sequence id 1. */
    public Slot() {
        this(0);
    }

    /** A slot whose last request had {@code lastSeqid}. */
    Slot(int lastSeqid) {
        this.seqid = lastSeqid;
    }

    /** Accepts or classifies a request with sequence id {@code seq}. */
    public synchronized Entry begin(int seq) {
        if (seq == seqid) {
            if (inProgress) {
                return new Entry(Kind.IN_PROGRESS, null);
            }
            return cached != null ? new Entry(Kind.REPLAY, cached) : new Entry(Kind.UNCACHED, null);
        }
        if (seq != seqid + 1) { // sequence ids wrap around 2^32 (int overflow does exactly that)
            return new Entry(Kind.MISORDERED, null);
        }
        if (inProgress) {
            // the client reused a slot whose request has not been answered: it broke the protocol
            return new Entry(Kind.MISORDERED, null);
        }
        seqid = seq;
        inProgress = true;
        cached = null;
        return new Entry(Kind.NEW, null);
    }

    /** The request finished; {@code reply} is the encoded COMPOUND4res to replay, or null. */
    public synchronized void finish(byte[] reply) {
        cached = reply;
        inProgress = false;
    }

    public synchronized boolean inProgress() {
        return inProgress;
    }

    public synchronized int seqid() {
        return seqid;
    }
}
