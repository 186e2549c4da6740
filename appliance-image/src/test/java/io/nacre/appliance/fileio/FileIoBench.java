package io.nacre.appliance.fileio;

import io.nacre.engine.Caller;
import io.nacre.engine.Fid;
import io.nacre.engine.io.FileIo;
import io.nacre.engine.layout.LayoutTemplate;
import io.nacre.engine.layout.ObjectRef;
import io.nacre.engine.meta.CreateSpec;
import io.nacre.engine.meta.FileType;
import io.nacre.engine.meta.MetadataService;
import io.nacre.engine.store.Durability;
import io.nacre.engine.store.ObjectStore;
import io.nacre.meta.testkit.EmbeddedCore;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * FileIo's streaming bandwidth next to the object store's own, in one run on the same OSTs: the baseline
 * writes (and reads) the same bytes to the same number of objects straight through ObjectStore, one
 * virtual thread per object, in 1 MiB requests, synced at the end. Run with
 * {@code ./mvnw -B -pl appliance-image -am verify -Dgroups=bench -Dtest=FileIoBench -Dsurefire.failIfNoSpecifiedTests=false}.
 */
@Tag("bench")
class FileIoBench {

    static final int MIB = 1 << 20;
    static final long TOTAL = 512L * MIB;
    static final int STRIPES = 4;

    @TempDir
    Path dir;

    @Test
    void streamingBandwidthAgainstTheObjectStore() throws Exception {
        try (EmbeddedCore core = EmbeddedCore.start(dir)) {
            MetadataService mds = core.metadata();
            ObjectStore objects = core.objects();
            byte[] chunk = new byte[MIB];
            new Random(1).nextBytes(chunk);
            List<String> rows = new ArrayList<>();
            for (int round = 0; round < 2; round++) {       // the first round warms up
                rows.clear();
                Fid fid = mds.create(Caller.ROOT, Fid.ROOT, "bench" + round,
                        CreateSpec.builder(FileType.REGULAR).layout(LayoutTemplate.of(STRIPES, MIB, "")).build())
                        .attr().fid();
                List<ObjectRef> objs = mds.layout(fid).objects();

                // Baseline: the same bytes to other objects on the same OSTs, straight.
                List<ObjectRef> raw = new ArrayList<>();
                for (int i = 0; i < STRIPES; i++) {
                    raw.add(new ObjectRef(objs.get(i).ost(), objs.get(i).id() + 1_000_000));
                }
                double rawWrite = mibPerSec(() -> perObject(raw, (o, off) ->
                        objects.write(o, off, ByteBuffer.wrap(chunk), Durability.UNSTABLE), true, objects));
                double rawRead = mibPerSec(() -> perObject(raw, (o, off) ->
                        objects.read(o, off, ByteBuffer.allocate(MIB)), false, objects));

                try (FileIo io = new FileIo(mds, objects)) {
                    double write = mibPerSec(() -> {
                        try (FileIo.Writer w = io.openWriter(fid, 0, Durability.STABLE)) {
                            for (long pos = 0; pos < TOTAL; pos += MIB) {
                                w.write(ByteBuffer.wrap(chunk));
                            }
                        }
                    });
                    double read = mibPerSec(() -> {
                        ByteBuffer b = ByteBuffer.allocate(MIB);
                        try (FileIo.Reader r = io.openReader(fid, 0, TOTAL)) {
                            while (r.read(b.clear()) >= 0) {
                                // consumed
                            }
                        }
                    });
                    ByteBuffer big = ByteBuffer.allocate(64 * MIB);
                    double callRead = mibPerSec(() -> {
                        for (long pos = 0; pos < TOTAL; pos += big.capacity()) {
                            io.read(fid, pos, big.clear());
                        }
                    });
                    // An S3 GET's pattern, one 4 MiB chunk after another: read() asks the MDS for the
                    // attributes at every call, a view asks nothing.
                    ByteBuffer four = ByteBuffer.allocateDirect(4 * MIB);
                    double fourByCall = mibPerSec(() -> {
                        for (long pos = 0; pos < TOTAL; pos += four.capacity()) {
                            io.read(fid, pos, four.clear());
                        }
                    });
                    FileIo.ReadView view = io.view(io.getattr(fid));
                    double fourByView = mibPerSec(() -> {
                        for (long pos = 0; pos < TOTAL; pos += four.capacity()) {
                            io.read(view, pos, four.clear());
                        }
                    });
                    rows.add(row("write, Writer STABLE vs ObjectStore", write, rawWrite));
                    rows.add(row("read, Reader vs ObjectStore", read, rawRead));
                    rows.add(row("read, 64 MiB read() calls vs ObjectStore", callRead, rawRead));
                    rows.add(row("read, 4 MiB through a view vs read() calls", fourByView, fourByCall));
                }
            }
            System.out.printf("%n%d MiB over %d stripes of 1 MiB%n%-42s %10s %10s %7s%n", TOTAL / MIB, STRIPES,
                    "", "MiB/s", "baseline", "ratio");
            rows.forEach(System.out::println);
        }
    }

    interface ObjectCall {
        void run(ObjectRef object, long offset) throws Exception;
    }

    interface Work {
        void run() throws Exception;
    }

    static String row(String what, double mibs, double baseline) {
        return "%-42s %10.0f %10.0f %7.2f".formatted(what, mibs, baseline, mibs / baseline);
    }

    static double mibPerSec(Work w) throws Exception {
        long t0 = System.nanoTime();
        w.run();
        return TOTAL / (double) MIB / ((System.nanoTime() - t0) / 1e9);
    }

    /** Each object gets TOTAL / STRIPES bytes in 1 MiB requests, all objects side by side. */
    static void perObject(List<ObjectRef> objs, ObjectCall call, boolean sync, ObjectStore store) throws Exception {
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> futures = new ArrayList<>();
            for (ObjectRef o : objs) {
                futures.add(threads.submit(() -> {
                    for (long off = 0; off < TOTAL / objs.size(); off += MIB) {
                        call.run(o, off);
                    }
                    if (sync) {
                        store.sync(o);
                    }
                    return null;
                }));
            }
            for (Future<?> f : futures) {
                f.get();
            }
        }
    }
}
