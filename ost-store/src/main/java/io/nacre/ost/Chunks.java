package io.nacre.ost;

import io.nacre.engine.NacreException;
import io.nacre.engine.Status;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * The on-disk form of object data: a chunk key is (object id, chunk index), both big-endian so LMDB's
 * byte order is numeric order; a chunk value is a CRC32C followed by the chunk's bytes from its start to
 * its last written byte. The CRC covers the key too, so a value found under the wrong key is caught.
 */
final class Chunks {

    static final int KEY_BYTES = 16;
    static final int CRC_BYTES = 4;
    /** A pointer's bytes after its check word: data file id, record offset, sequence number, payload length. */
    static final int POINTER_BYTES = 28;
    /**
     * A pointer's check word is CRC32C(key + pointer bytes) XOR this: never the plain CRC of the same bytes,
     * so an intact value is either data or a pointer, never both; a damaged one is neither (CORRUPT).
     */
    private static final int POINTER_MARK = 0x5a3c96e1;

    private static final byte[] ZEROS = new byte[64 * 1024];

    private Chunks() {
    }

    static ByteBuffer newKey() {
        return ByteBuffer.allocateDirect(KEY_BYTES);
    }

    /** Fills {@code key} (a direct 16-byte buffer) and returns it ready to pass to LMDB. */
    static ByteBuffer key(ByteBuffer key, long id, long chunk) {
        key.clear();
        key.putLong(0, id).putLong(8, chunk);
        return key;
    }

    static long idOf(ByteBuffer key) {
        return key.getLong(key.position());
    }

    static long chunkOf(ByteBuffer key) {
        return key.getLong(key.position() + 8);
    }

    static int crc(ByteBuffer key, ByteBuffer value, int payloadLength) {
        int p = value.position() + CRC_BYTES;
        return crcOf(key, value.duplicate().limit(p + payloadLength).position(p));
    }

    private static int crcOf(ByteBuffer key, ByteBuffer payload) {
        CRC32C crc = new CRC32C();
        crc.update(key.duplicate().position(0).limit(KEY_BYTES));
        crc.update(payload);
        return (int) crc.getValue();
    }

    /**
     * Copies a stored value's whole payload into {@code dst}, then checks the copy against the CRC: one pass
     * over the stored bytes instead of two. CORRUPT if it does not match ({@code dst} then filled, its
     * position back where it was).
     */
    static void copyChecked(ByteBuffer key, ByteBuffer value, ByteBuffer dst, String ost) {
        int length = value.remaining() - CRC_BYTES;
        if (length < 0) {
            verify(key, value, ost);
        }
        int at = dst.position();
        dst.put(payload(value));
        if (value.getInt(value.position()) != crcOf(key, dst.duplicate().position(at).limit(at + length))) {
            dst.position(at);
            throw corrupt(key, ost);
        }
    }

    /** Where a chunk's image lies in a data file (an adopted WAL segment), see {@link DataFiles}. */
    record Pointer(long file, long offset, long seq, int length) {
    }

    /** The pointer a stored value holds; null if it is not an intact pointer (then it is data, or damaged). */
    static Pointer pointer(ByteBuffer key, ByteBuffer value) {
        int p = value.position();
        if (value.remaining() != CRC_BYTES + POINTER_BYTES
                || (value.getInt(p) ^ POINTER_MARK) != crc(key, value, POINTER_BYTES)) {
            return null;
        }
        return new Pointer(value.getLong(p + 4), value.getLong(p + 12), value.getLong(p + 20), value.getInt(p + 28));
    }

    /** Writes a pointer into {@code value} ({@link #CRC_BYTES} + {@link #POINTER_BYTES} reserved), check word first. */
    static void putPointer(ByteBuffer key, ByteBuffer value, Pointer ptr) {
        int p = value.position();
        value.putLong(p + 4, ptr.file()).putLong(p + 12, ptr.offset()).putLong(p + 20, ptr.seq())
                .putInt(p + 28, ptr.length());
        value.putInt(p, crc(key, value, POINTER_BYTES) ^ POINTER_MARK);
    }

    /** The payload length of a stored value: a pointer's record length, else the bytes after the CRC (unchecked). */
    static int payloadLength(ByteBuffer key, ByteBuffer value) {
        Pointer ptr = pointer(key, value);
        return ptr != null ? ptr.length() : value.remaining() - CRC_BYTES;
    }

    private static NacreException corrupt(ByteBuffer key, String ost) {
        return new NacreException(Status.CORRUPT, "%s: object 0x%x chunk %d fails its CRC32C"
                .formatted(ost, idOf(key), chunkOf(key)));
    }

    /** Seals a value whose payload was just written: stores the CRC in its first bytes. */
    static void seal(ByteBuffer key, ByteBuffer value) {
        value.putInt(value.position(), crc(key, value, value.remaining() - CRC_BYTES));
    }

    /** Checks a stored value against its CRC and returns its payload length; CORRUPT if it does not match. */
    static int verify(ByteBuffer key, ByteBuffer value, String ost) {
        int length = value.remaining() - CRC_BYTES;
        if (length < 0 || value.getInt(value.position()) != crc(key, value, length)) {
            throw corrupt(key, ost);
        }
        return length;
    }

    /** The payload of a stored value, as a view. */
    static ByteBuffer payload(ByteBuffer value) {
        return value.duplicate().position(value.position() + CRC_BYTES);
    }

    /**
     * A chunk's new bytes after writing {@code piece} at {@code inChunk} over {@code oldPayload} (null if
     * none): old bytes kept, a gap zero-filled, {@code newLength} bytes in all.
     */
    static ByteBuffer merge(ByteBuffer oldPayload, int inChunk, ByteBuffer piece, int newLength) {
        ByteBuffer merged = ByteBuffer.allocate(newLength);
        if (oldPayload != null) {
            merged.put(oldPayload.duplicate());
        }
        merged.position(inChunk);
        merged.put(piece.duplicate());
        return merged.clear();
    }

    /**
     * The part of a byte range that falls into one chunk: the chunk's index, where the part starts inside
     * the chunk, its length, and where it starts inside the range.
     */
    record Span(long chunk, int inChunk, int length, int inRange) {

        /** The end of the part inside the chunk. */
        int endInChunk() {
            return inChunk + length;
        }

        /** Whether writing this part leaves nothing of a chunk that held {@code oldLength} bytes. */
        boolean replaces(int oldLength) {
            return inChunk == 0 && length >= oldLength;
        }

        /** This part of {@code range} (whose position is the range's start), as a view. */
        ByteBuffer of(ByteBuffer range) {
            return range.slice(range.position() + inRange, length);
        }
    }

    /** Splits {@code length} bytes from {@code offset} at the chunk boundaries. */
    static List<Span> spans(int chunkSize, long offset, int length) {
        List<Span> out = new ArrayList<>(length / chunkSize + 2);
        for (int done = 0; done < length; ) {
            long pos = offset + done;
            int inChunk = (int) (pos % chunkSize);
            int n = Math.min(chunkSize - inChunk, length - done);
            out.add(new Span(pos / chunkSize, inChunk, n, done));
            done += n;
        }
        return out;
    }

    static void putZeros(ByteBuffer dst, int count) {
        int left = count;
        while (left > 0) {
            int n = Math.min(left, ZEROS.length);
            dst.put(ZEROS, 0, n);
            left -= n;
        }
    }
}
