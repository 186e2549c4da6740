package io.nacre.meta;

import static org.assertj.core.api.Assertions.assertThat;

import io.nacre.engine.Caller;
import io.nacre.engine.Fid;
import io.nacre.engine.meta.CreateSpec;
import io.nacre.engine.meta.MetadataService.RemoveKind;
import io.nacre.engine.meta.Results.Created;
import io.nacre.engine.store.OstInfo;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The one-peer fast path's prototype ({@link OnePeerCommit}, measured by {@link WritePathBench}) keeps the
 * proposal's promise on which its crash safety rests: its log alone rebuilds the namespace the answered
 * changes made (what a store lost to a power loss needs), and a last record that is not whole (its fdatasync
 * never returned, so its change was never answered) is left out.
 */
class OnePeerCommitTest {

    /** A directory with 100 files created and 30 of them removed; returns the log's end before the last change. */
    private static long[] fill(OnePeerCommit c) throws IOException {
        c.one(new Op.Format(7));
        c.one(new Op.RegisterOst(new OstInfo(0, Set.of(), "")));
        Fid dir = ((Created) c.one(new Op.Create(Caller.ROOT, Fid.ROOT, "d", CreateSpec.directory(0755), null, null)))
                .attr().fid();
        for (int i = 0; i < 100; i++) {
            c.one(new Op.Create(Caller.ROOT, dir, "f" + i, CreateSpec.file(0644), null, null));
        }
        for (int i = 0; i < 29; i++) {
            c.one(new Op.Remove(Caller.ROOT, dir, "f" + i, RemoveKind.FILE));
        }
        long beforeLast = c.logEnd();
        c.one(new Op.Remove(Caller.ROOT, dir, "f29", RemoveKind.FILE));
        return new long[] {beforeLast, c.logEnd()};
    }

    /** Name -> Fid of every entry of directory "d". */
    private static Map<String, Fid> names(NamespaceStore s) {
        Map<String, Fid> out = new TreeMap<>();
        try (Tx tx = s.read()) {
            Fid dir = tx.dentry(Fid.ROOT, "d").fid();
            tx.entriesByName(dir, "", (name, d) -> {
                out.put(name, d.fid());
                return true;
            });
        }
        return out;
    }

    @Test
    void theLogAloneRebuildsTheNamespace(@TempDir Path dir) throws IOException {
        Map<String, Fid> answered;
        try (OnePeerCommit c = new OnePeerCommit(dir.resolve("a"), OnePeerCommit.Mode.LOG)) {
            fill(c);
            answered = names(c.store());
        }
        assertThat(answered).hasSize(70).doesNotContainKey("f29").containsKey("f30");
        try (NamespaceStore rebuilt = NamespaceStore.open(dir.resolve("rebuilt"), null, true)) {
            assertThat(OnePeerCommit.replay(dir.resolve("a/log"), rebuilt)).isEqualTo(133);
            assertThat(names(rebuilt)).isEqualTo(answered);
            try (Tx tx = rebuilt.read()) {
                assertThat(tx.fsid()).isEqualTo(7);
            }
        }
    }

    /** The log's bytes around its last record damaged by {@code damage} (given the log and the record's ends). */
    private interface Damage {
        void apply(FileChannel log, long beforeLast, long end) throws IOException;
    }

    /** A log whose last record (the remove of f29) {@code damage} spoils replays up to the record before. */
    private static void replayLeavesOutTheLastRecord(Path dir, Damage damage) throws IOException {
        long[] ends;
        try (OnePeerCommit c = new OnePeerCommit(dir.resolve("a"), OnePeerCommit.Mode.LOG)) {
            ends = fill(c);
        }
        Path log = dir.resolve("a/log");
        try (FileChannel ch = FileChannel.open(log, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            damage.apply(ch, ends[0], ends[1]);
        }
        try (NamespaceStore rebuilt = NamespaceStore.open(dir.resolve("rebuilt"), null, true)) {
            assertThat(OnePeerCommit.replay(log, rebuilt)).isEqualTo(132);
            assertThat(names(rebuilt)).hasSize(71).containsKey("f29").doesNotContainKey("f28");
        }
    }

    @Test
    void aTornLastRecordIsLeftOut(@TempDir Path dir) throws IOException {
        // cut in half, as a crash in the middle of its write leaves it
        replayLeavesOutTheLastRecord(dir, (log, beforeLast, end) -> log.truncate((beforeLast + end) / 2));
    }

    @Test
    void aLastRecordWithABadChecksumIsLeftOut(@TempDir Path dir) throws IOException {
        replayLeavesOutTheLastRecord(dir, (log, beforeLast, end) -> {
            ByteBuffer b = ByteBuffer.allocate(1);
            log.read(b, end - 1); // the record's last byte, flipped
            b.put(0, (byte) (b.get(0) ^ 0x5a)).position(0);
            log.write(b, end - 1);
        });
    }
}
