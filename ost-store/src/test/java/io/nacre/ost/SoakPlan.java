package io.nacre.ost;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * The soak's workload ({@link OstSoakTest}, and its crash child {@link SoakWriterMain}): a deterministic stream
 * of operations per writer thread, from a seed and the sizes of the thread's objects, and the model of what the
 * objects must then hold. Both sides generate the same operations from the same seed, so the parent can replay a
 * killed child's acknowledged steps. What the generator decides depends on sizes only, never on data, and the
 * bytes of a write come from its own seed.
 */
final class SoakPlan {

    private SoakPlan() {
    }

    enum Kind { WRITE, TRUNCATE, DESTROY, SYNC }

    /** One operation: a write of {@code length} bytes at {@code offset} (bytes from {@code dataSeed}), a truncate to {@code size}, a destroy, a sync. */
    record Op(Kind kind, long id, long offset, int length, long size, long dataSeed, boolean stable) {

        /** The bytes a write writes. */
        byte[] data() {
            return bytes(dataSeed, length);
        }

        @Override
        public String toString() {
            return switch (kind) {
                case WRITE -> "write(%d, %d+%d, %s)".formatted(id, offset, length, stable ? "STABLE" : "UNSTABLE");
                case TRUNCATE -> "truncate(%d, %d)".formatted(id, size);
                case DESTROY -> "destroy(%d)".formatted(id);
                case SYNC -> "sync";
            };
        }
    }

    /** {@code n} pseudo-random bytes from {@code seed} (cheap: the soak writes gigabytes). */
    static byte[] bytes(long seed, int n) {
        byte[] b = new byte[n];
        SplittableRandom r = new SplittableRandom(seed);
        int i = 0;
        for (; i + 8 <= n; i += 8) {
            long v = r.nextLong();
            for (int k = 0; k < 8; k++) {
                b[i + k] = (byte) (v >>> (8 * k));
            }
        }
        for (long v = r.nextLong(); i < n; i++, v >>>= 8) {
            b[i] = (byte) v;
        }
        return b;
    }

    /** The shape of a run: chunk size, WAL size, the largest object. */
    record Shape(int chunk, long segment, int segments, long maxObject) {

        long wal() {
            return segment * segments;
        }
    }

    /**
     * One writer thread's operations on its own objects: long sequential streams (one to two and a half WALs,
     * so that checkpoints adopt their segments), passes that overwrite every first, second or third piece of an
     * object (its data files lose live bytes and get compacted), small unaligned writes, truncates that shrink
     * and grow, destroys, and with {@code unstable} UNSTABLE writes and syncs.
     */
    static final class Gen {
        private final SplittableRandom r;
        private final Shape shape;
        private final long[] ids;
        private final long[] sizes;
        private final boolean unstable;
        private int stream = -1;
        private long streamAt;
        private long streamEnd;
        private int streamPiece;
        private int pass = -1;
        private long passAt;
        private long passEnd;
        private int passLength;
        private long passStride;

        Gen(long seed, Shape shape, long[] ids, long[] sizes, boolean unstable) {
            this.r = new SplittableRandom(seed);
            this.shape = shape;
            this.ids = ids.clone();
            this.sizes = sizes.clone();
            this.unstable = unstable;
        }

        Op next() {
            Op op = choose();
            int o = indexOf(op.id());
            switch (op.kind()) {
                case WRITE -> sizes[o] = Math.max(sizes[o], op.offset() + op.length());
                case TRUNCATE -> sizes[o] = op.size();
                case DESTROY -> sizes[o] = 0;
                case SYNC -> { }
            }
            return op;
        }

        private int indexOf(long id) {
            for (int i = 0; i < ids.length; i++) {
                if (ids[i] == id) {
                    return i;
                }
            }
            return 0; // SYNC
        }

        private boolean stable() {
            return !unstable || r.nextInt(4) != 0;
        }

        private Op write(int o, long offset, long length) {
            long end = Math.min(shape.maxObject(), offset + length);
            long at = Math.min(offset, end - 1);
            return new Op(Kind.WRITE, ids[o], at, (int) (end - at), 0, r.nextLong(), stable());
        }

        private Op choose() {
            int c = shape.chunk();
            if (stream >= 0 && r.nextInt(10) < 8) {
                Op op = write(stream, streamAt, Math.min(streamPiece, streamEnd - streamAt));
                streamAt += op.length();
                if (streamAt >= streamEnd || op.offset() + op.length() >= shape.maxObject()) {
                    stream = -1;
                }
                return op;
            }
            if (pass >= 0 && r.nextInt(10) < 8) {
                Op op = write(pass, passAt, passLength);
                passAt += passStride;
                if (passAt >= passEnd) {
                    pass = -1;
                }
                return op;
            }
            int o = r.nextInt(ids.length);
            long size = sizes[o];
            int x = r.nextInt(100);
            if (x < 12 && stream < 0) {
                // A stream from the start (over what earlier streams left in data files) or from the end.
                long from = r.nextBoolean() || size > shape.maxObject() - shape.wal() ? 0
                        : r.nextBoolean() ? size : size / c * c;
                long length = (long) (shape.wal() * (1 + 1.5 * r.nextDouble()));
                int[] pieces = {c, 64 << 10, 128 << 10, 256 << 10, 1 << 20};
                stream = o;
                streamAt = from;
                streamEnd = Math.min(shape.maxObject(), from + length);
                streamPiece = Math.max(c, pieces[r.nextInt(pieces.length)]);
                return choose();
            }
            if (x < 22 && pass < 0 && size >= 4L * c) {
                pass = o;
                passAt = r.nextBoolean() ? 0 : r.nextLong(size / 2);
                passEnd = r.nextBoolean() ? size : Math.min(size, passAt + shape.wal());
                passLength = c * (1 + r.nextInt(8)) + (r.nextInt(4) == 0 ? r.nextInt(c) : 0);
                passStride = (long) passLength * (1 + r.nextInt(3));
                return choose();
            }
            if (x < 60) {
                long offset = r.nextLong(Math.min(shape.maxObject() - 1, size + 4L * c) + 1);
                return write(o, offset, 1 + r.nextInt(3 * c));
            }
            if (x < 67) {
                return write(o, size == 0 ? 0 : r.nextLong(size), 1 << 20);
            }
            if (x < 82) {
                long to = switch (r.nextInt(6)) {
                    case 0 -> 0;
                    case 1 -> size / c * c;
                    case 2 -> Math.min(shape.maxObject(), size + r.nextInt(8 * c));
                    case 3 -> Math.min(shape.maxObject(), size + r.nextLong(shape.wal()));
                    default -> size == 0 ? 0 : r.nextLong(size);
                };
                if (stream == o) {
                    stream = -1;
                }
                if (pass == o) {
                    pass = -1;
                }
                return new Op(Kind.TRUNCATE, ids[o], 0, 0, to, 0, true);
            }
            if (x < 86) {
                if (stream == o) {
                    stream = -1;
                }
                if (pass == o) {
                    pass = -1;
                }
                return new Op(Kind.DESTROY, ids[o], 0, 0, 0, 0, true);
            }
            if (x < 90 && unstable) {
                return new Op(Kind.SYNC, 0, 0, 0, 0, 0, true);
            }
            return write(o, r.nextLong(Math.max(1, size)), 1 + r.nextInt(c));
        }
    }

    /** What one object must hold: its bytes, whether it exists, and the length of each chunk (its bytes used). */
    static final class Obj {
        final long id;
        final int chunk;
        byte[] data = new byte[0];
        long size;
        boolean exists;
        int[] chunkLength = new int[0];

        Obj(long id, int chunk) {
            this.id = id;
            this.chunk = chunk;
        }

        long used() {
            long u = 0;
            for (int l : chunkLength) {
                u += l;
            }
            return u;
        }

        /** The bytes [from, from + n) as far as they lie inside the object. */
        byte[] bytes(long from, int n) {
            int end = (int) Math.min(size, from + n);
            return from >= end ? new byte[0] : Arrays.copyOfRange(data, (int) from, end);
        }

        /** The range of bytes an operation may change (what a read during it may see either way); null if none. */
        long[] range(Op op) {
            return switch (op.kind()) {
                case WRITE -> new long[] {Math.min(op.offset(), size), op.offset() + op.length()};
                case TRUNCATE -> new long[] {Math.min(op.size(), size), Long.MAX_VALUE};
                case DESTROY -> new long[] {0, Long.MAX_VALUE};
                case SYNC -> null;
            };
        }

        void apply(Op op) {
            apply(op, op.kind() == Kind.WRITE ? op.data() : null);
        }

        /** Applies {@code op}, whose bytes (a write's) are {@code data}. */
        void apply(Op op, byte[] data) {
            switch (op.kind()) {
                case WRITE -> write(op.offset(), data);
                case TRUNCATE -> truncate(op.size());
                case DESTROY -> {
                    truncate(0);
                    exists = false;
                }
                case SYNC -> { }
            }
        }

        private void grow(long bytes) {
            if (bytes > data.length) {
                data = Arrays.copyOf(data, (int) Math.max(bytes, Math.min(Integer.MAX_VALUE - 8, 2L * data.length)));
            }
            int chunks = (int) ((bytes + chunk - 1) / chunk);
            if (chunks > chunkLength.length) {
                chunkLength = Arrays.copyOf(chunkLength, Math.max(chunks, 2 * chunkLength.length));
            }
        }

        void write(long offset, byte[] b) {
            long end = offset + b.length;
            grow(end);
            System.arraycopy(b, 0, data, (int) offset, b.length);
            for (long c = offset / chunk; c * chunk < end; c++) {
                int in = (int) (Math.min(end, (c + 1) * chunk) - c * chunk);
                chunkLength[(int) c] = Math.max(chunkLength[(int) c], in);
            }
            size = Math.max(size, end);
            exists = true;
        }

        void truncate(long to) {
            if (to < size) {
                Arrays.fill(data, (int) to, (int) size, (byte) 0);
                long firstDropped = (to + chunk - 1) / chunk;
                for (long c = firstDropped; c < chunkLength.length; c++) {
                    chunkLength[(int) c] = 0;
                }
                if (to % chunk != 0) {
                    int c = (int) (to / chunk);
                    chunkLength[c] = (int) Math.min(chunkLength[c], to % chunk);
                }
            } else {
                grow(to);
            }
            exists |= to > 0;
            size = to;
        }

        Obj copy() {
            Obj o = new Obj(id, chunk);
            o.data = Arrays.copyOf(data, (int) size);
            o.size = size;
            o.exists = exists;
            o.chunkLength = chunkLength.clone();
            return o;
        }
    }
}
