package io.nacre.meta;

import io.nacre.engine.Caller;
import io.nacre.engine.Fid;
import io.nacre.engine.layout.LayoutTemplate;
import io.nacre.engine.meta.CreateSpec;
import io.nacre.engine.meta.FileType;
import io.nacre.engine.meta.ReferencedObjects;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The orphan scrub's MDS view at scale: a single-peer MDS with bench.files files (20,000) of one to four stripes
 * over 4 OSTs; then every OST's referenced objects are read to the end (as the scrub reads them: the pages after
 * the first below its allocation mark) in pages of 65,536, 1,000 and 100 ids (bench.pages), bench.rounds (3) times
 * each. Prints the median time of a scan of all four OSTs per page size. Uses only MetadataService, so it runs
 * unchanged against another build for an A/B.
 *
 * <p>Run: {@code ./mvnw -B -Pbench -pl raft-meta -am verify -Dtest=ScrubViewBench}.
 */
@Tag("bench")
class ScrubViewBench {

    private static final int FILES = Integer.getInteger("bench.files", 20_000);
    private static final int ROUNDS = Integer.getInteger("bench.rounds", 3);
    private static final int[] PAGES = java.util.Arrays.stream(System.getProperty("bench.pages", "65536,1000,100")
            .split(",")).mapToInt(Integer::parseInt).toArray();

    @Test
    void scanOfEveryOstByPageSize() throws Exception {
        Path dir = Files.createTempDirectory("scrub-bench");
        try (MetadataServer server = TestServers.single(dir);
             MetadataClient mds = MetadataClient.connect(server.peers())) {
            TestServers.registerOsts(mds, 4);
            Fid d = mds.create(Caller.ROOT, Fid.ROOT, "bench", CreateSpec.directory(0755)).attr().fid();
            long t0 = System.nanoTime();
            try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
                List<Future<?>> made = new ArrayList<>();
                for (int w = 0; w < 32; w++) {
                    int worker = w;
                    made.add(pool.submit(() -> {
                        for (int i = worker; i < FILES; i += 32) {
                            mds.create(Caller.ROOT, d, "f" + i, CreateSpec.builder(FileType.REGULAR).mode(0644)
                                    .layout(LayoutTemplate.of(1 + i % 4, 1 << 20, "")).build());
                        }
                        return null;
                    }));
                }
                for (Future<?> f : made) {
                    f.get();
                }
            }
            System.out.printf("ScrubViewBench: %d files made in %.1f s%n", FILES, (System.nanoTime() - t0) / 1e9);
            for (int max : PAGES) {
                long[] ms = new long[ROUNDS];
                long ids = 0;
                long pages = 0;
                for (int r = 0; r < ROUNDS; r++) {
                    long start = System.nanoTime();
                    ids = 0;
                    pages = 0;
                    for (int ost = 0; ost < 4; ost++) {
                        long after = 0;
                        long below = Long.MAX_VALUE;
                        while (true) {
                            ReferencedObjects p = mds.referencedObjects(ost, after, below, max);
                            pages++;
                            below = Math.min(below, p.allocated());
                            ids += p.ids().length;
                            if (!p.more()) {
                                break;
                            }
                            after = p.ids()[p.ids().length - 1];
                        }
                    }
                    ms[r] = (System.nanoTime() - start) / 1_000_000;
                }
                java.util.Arrays.sort(ms);
                System.out.printf("ScrubViewBench: pages of %6d: %7d ids in %5d pages, median %6d ms (%s)%n", max, ids,
                        pages, ms[ROUNDS / 2], java.util.Arrays.toString(ms));
            }
        } finally {
            NamespaceStore.deleteTree(dir);
        }
    }
}
