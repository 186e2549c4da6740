package io.nacre.meta;

import static org.assertj.core.api.Assertions.assertThat;

import io.nacre.engine.Caller;
import io.nacre.engine.Fid;
import io.nacre.engine.meta.CreateSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.apache.ratis.util.MD5FileUtil;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The step the one-peer fast path's growth rests on (README, "A one-peer fast path (proposal)", growing from one
 * peer to three): a peer whose Ratis storage holds a snapshot of everything and no log segments opens its log after
 * the snapshot and goes on from there, across restarts.
 */
class LogAfterSnapshotTest {

    private static Path groupDir(Path peerDir) throws IOException {
        try (Stream<Path> s = Files.walk(peerDir)) {
            return s.filter(p -> p.getFileName().toString().equals("namespace")).findFirst().orElseThrow().getParent();
        }
    }

    private static List<String> logSegments(Path group) throws IOException {
        try (Stream<Path> s = Files.list(group.resolve("current"))) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("log_")).sorted().toList();
        }
    }

    @Test
    void aPeerWithASnapshotAndNoLogGoesOnAfterTheSnapshot(@TempDir Path dir) throws Exception {
        Fid d;
        try (Cluster cluster = new Cluster(dir, 1, 1_000_000, 32L << 20)) {
            try (MetadataClient mds = cluster.client()) {
                TestServers.registerOsts(mds, 2);
                d = mds.create(Caller.ROOT, Fid.ROOT, "d", CreateSpec.directory(0755)).attr().fid();
                for (int i = 0; i < 50; i++) {
                    mds.create(Caller.ROOT, d, "f" + i, CreateSpec.file(0644));
                }
            }
            cluster.stop(0);

            // The switch: a snapshot of everything applied, made Ratis's latest; the log segments removed.
            Path group = groupDir(dir.resolve("mds0"));
            byte[] applied = NamespaceStore.metaOf(group.resolve("namespace"), "applied");
            long term = Keys.getLong(applied, 0);
            long index = Keys.getLong(applied, 8);
            Path work = group.resolve("switch.dir");
            Path snapshot = group.resolve("sm").resolve("snapshot." + term + "_" + index);
            try (NamespaceStore s = NamespaceStore.open(group.resolve("namespace"), null, false)) {
                NamespaceStore.install(s.copyInto(work), snapshot);
            }
            MD5FileUtil.computeAndSaveMd5ForFile(snapshot.toFile());
            NamespaceStore.deleteTree(work);
            for (String segment : logSegments(group)) {
                Files.delete(group.resolve("current").resolve(segment));
            }

            cluster.start(0);
            try (MetadataClient mds = cluster.client()) {
                assertThat(Creators.names(mds, d)).hasSize(50);
                for (int i = 50; i < 60; i++) {
                    mds.create(Caller.ROOT, d, "f" + i, CreateSpec.file(0644));
                }
                assertThat(Creators.names(mds, d)).hasSize(60);
            }
            // The log now starts after the snapshot.
            assertThat(logSegments(group)).isNotEmpty().allSatisfy(name ->
                    assertThat(Long.parseLong(name.replaceAll("^log_(inprogress_)?(\\d+).*$", "$2"))).isGreaterThan(index));
            cluster.stop(0);
            cluster.start(0);
            try (MetadataClient mds = cluster.client()) {
                assertThat(Creators.names(mds, d)).hasSize(60);
                mds.create(Caller.ROOT, d, "f60", CreateSpec.file(0644));
                assertThat(Creators.names(mds, d)).hasSize(61);
            }
        }
    }
}
