package io.nacre.ost;

import io.nacre.engine.store.Durability;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Child process of {@link OstSoakTest}'s crash rounds: opens the OST and runs each writer thread's
 * {@link SoakPlan.Gen} (STABLE only), printing "OP thread step" after each operation returns, while another
 * thread forces checkpoints at random moments, until the parent kills it.
 *
 * <p>Arguments: the OST directory and a plan file: a first line "seed chunk segment segments maxObject mapSize",
 * then one line per writer thread, "threadSeed id size id size ...".
 */
public final class SoakWriterMain {

    private SoakWriterMain() {
    }

    record Plan(long seed, SoakPlan.Shape shape, long mapSize, long[] threadSeeds, long[][] ids, long[][] sizes) {

        /** With or without the WAL, its segments prepared in the background or not. */
        OstOptions options(boolean wal, boolean prepare) {
            return OstOptions.builder().chunkSize(shape.chunk()).mapSize(mapSize)
                    .walSegments(shape.segment(), shape.segments()).wal(wal).walPrepare(prepare).build();
        }

        SoakPlan.Gen gen(int thread, boolean unstable) {
            return new SoakPlan.Gen(threadSeeds[thread], shape, ids[thread], sizes[thread], unstable);
        }

        void write(Path file) throws java.io.IOException {
            StringBuilder b = new StringBuilder();
            b.append(seed).append(' ').append(shape.chunk()).append(' ').append(shape.segment()).append(' ')
                    .append(shape.segments()).append(' ').append(shape.maxObject()).append(' ').append(mapSize)
                    .append('\n');
            for (int t = 0; t < threadSeeds.length; t++) {
                b.append(threadSeeds[t]);
                for (int i = 0; i < ids[t].length; i++) {
                    b.append(' ').append(ids[t][i]).append(' ').append(sizes[t][i]);
                }
                b.append('\n');
            }
            Files.writeString(file, b, StandardCharsets.US_ASCII);
        }

        static Plan read(Path file) throws java.io.IOException {
            List<String> lines = Files.readAllLines(file, StandardCharsets.US_ASCII);
            String[] h = lines.get(0).split(" ");
            SoakPlan.Shape shape = new SoakPlan.Shape(Integer.parseInt(h[1]), Long.parseLong(h[2]),
                    Integer.parseInt(h[3]), Long.parseLong(h[4]));
            int threads = lines.size() - 1;
            long[] seeds = new long[threads];
            long[][] ids = new long[threads][];
            long[][] sizes = new long[threads][];
            for (int t = 0; t < threads; t++) {
                String[] f = lines.get(t + 1).split(" ");
                seeds[t] = Long.parseLong(f[0]);
                int n = (f.length - 1) / 2;
                ids[t] = new long[n];
                sizes[t] = new long[n];
                for (int i = 0; i < n; i++) {
                    ids[t][i] = Long.parseLong(f[1 + 2 * i]);
                    sizes[t][i] = Long.parseLong(f[2 + 2 * i]);
                }
            }
            return new Plan(Long.parseLong(h[0]), shape, Long.parseLong(h[5]), seeds, ids, sizes);
        }
    }

    /** Runs {@code op} against the OST; {@code data} is a write's bytes. */
    static void run(Ost ost, SoakPlan.Op op, byte[] data) {
        switch (op.kind()) {
            case WRITE -> ost.write(op.id(), op.offset(), ByteBuffer.wrap(data),
                    op.stable() ? Durability.STABLE : Durability.UNSTABLE);
            case TRUNCATE -> ost.truncate(op.id(), op.size());
            case DESTROY -> ost.destroy(op.id());
            case SYNC -> ost.sync();
        }
    }

    public static void main(String[] args) throws Exception {
        Plan plan = Plan.read(Path.of(args[1]));
        Ost ost = Ost.open(Path.of(args[0]), 0, plan.options(true, (plan.seed() & 1) == 0));
        for (int t = 0; t < plan.threadSeeds().length; t++) {
            int thread = t;
            SoakPlan.Gen gen = plan.gen(t, false);
            Thread.ofPlatform().start(() -> {
                for (long i = 0; ; i++) {
                    SoakPlan.Op op = gen.next();
                    run(ost, op, op.kind() == SoakPlan.Kind.WRITE ? op.data() : null);
                    synchronized (System.out) {
                        System.out.println("OP " + thread + " " + i);
                        System.out.flush();
                    }
                }
            });
        }
        SplittableRandom r = new SplittableRandom(plan.seed());
        while (true) {
            Thread.sleep(20 + r.nextInt(400));
            ost.checkpointNow();
        }
    }
}
