package io.nacre.meta;

import static org.assertj.core.api.Assertions.assertThat;

import io.nacre.engine.Caller;
import io.nacre.engine.Fid;
import io.nacre.engine.meta.CreateSpec;
import io.nacre.engine.meta.DirEntry;
import io.nacre.engine.meta.DirPage;
import io.nacre.engine.meta.FileType;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A directory of 100,000 entries: listing from any name seeks there, and readdir walks it exactly once. */
@Tag("heavy")
class LargeDirectoryTest {

    private static final int N = 100_000;

    @Test
    void hundredThousandEntriesListAndReaddirCompletely(@TempDir Path dir) throws Exception {
        try (MetadataServer s = TestServers.single(dir); MetadataClient mds = MetadataClient.connect(s.peers())) {
            Fid d = mds.create(Caller.ROOT, Fid.ROOT, "big", CreateSpec.directory(0755)).attr().fid();
            CreateSpec spec = CreateSpec.builder(FileType.REGULAR).delayLayout(true).build();
            ExecutorService pool = Executors.newFixedThreadPool(64);
            List<Future<?>> fs = new ArrayList<>();
            for (int t = 0; t < 64; t++) {
                int id = t;
                fs.add(pool.submit(() -> {
                    for (int i = id; i < N; i += 64) {
                        mds.create(Caller.ROOT, d, "k%06d".formatted(i), spec);
                    }
                }));
            }
            for (Future<?> f : fs) {
                f.get();
            }
            pool.shutdown();
            assertThat(mds.getattr(d).nlink()).isEqualTo(2);

            // S3-style: start after a name in the middle
            DirPage mid = mds.list(Caller.ROOT, d, "k050000", 3);
            assertThat(mid.entries()).extracting(DirEntry::name).containsExactly("k050001", "k050002", "k050003");
            assertThat(mds.list(Caller.ROOT, d, "k099999", 10).entries()).isEmpty();

            int seen = 0;
            String after = "";
            String previous = "";
            DirPage p;
            do {
                p = mds.list(Caller.ROOT, d, after, 1000);
                for (DirEntry e : p.entries()) {
                    assertThat(e.name()).isGreaterThan(previous);
                    previous = e.name();
                    seen++;
                }
                after = previous;
            } while (!p.eof());
            assertThat(seen).isEqualTo(N);

            long cookie = 0;
            int byCookie = 0;
            do {
                p = mds.readdir(Caller.ROOT, d, cookie, 1000);
                byCookie += p.entries().size();
                if (!p.entries().isEmpty()) {
                    cookie = p.entries().get(p.entries().size() - 1).cookie();
                }
            } while (!p.eof());
            assertThat(byCookie).isEqualTo(N);
        }
    }
}
