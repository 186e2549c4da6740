package io.nacre.meta;

import static org.assertj.core.api.Assertions.assertThat;

import io.nacre.engine.Caller;
import io.nacre.engine.Fid;
import io.nacre.engine.meta.ChangelogRecord;
import io.nacre.engine.store.OstInfo;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the store keeps between transactions (the last commit's counters, OST records, changelog bounds; the
 * decoded OST list) must read exactly as LMDB does: each transaction sees its own state, a change is seen by
 * the next transaction, an aborted one leaves nothing behind.
 */
class StoreCachesTest {

    private static void write(NamespaceStore s, Consumer<Tx> change) {
        try (Tx tx = s.write()) {
            change.accept(tx);
            tx.commit();
        }
    }

    private static void appendChangelog(NamespaceStore s, int records) {
        write(s, tx -> {
            for (int i = 0; i < records; i++) {
                tx.changelog(ChangelogRecord.Type.MARK, 1, Caller.ROOT, Fid.ROOT, null, "r", null, null, 0);
            }
        });
    }

    private static List<Long> kept(NamespaceStore s) {
        try (Tx tx = s.read()) {
            return tx.changelogFrom(0, Integer.MAX_VALUE).stream().map(ChangelogRecord::index).toList();
        }
    }

    @Test
    void changelogKeepsTheLastWindowWithoutConsumersTrimmedAStepAtATimeAndEverythingWhileOneIsRegistered(
            @TempDir Path dir) throws Exception {
        int window = Tx.CHANGELOG_WINDOW;
        int step = Tx.TRIM_STEP;
        long last = window + step + 15;
        try (NamespaceStore s = NamespaceStore.open(dir, null, true)) {
            appendChangelog(s, window + step - 1);
            // Fewer than a step beyond the window: nothing trimmed yet (a trim per entry would have).
            assertThat(kept(s)).hasSize(window + step - 1).first().isEqualTo(1L);
            appendChangelog(s, 1);
            assertThat(kept(s)).hasSize(window).first().isEqualTo(step + 1L);
            for (int i = 0; i < 5; i++) {
                appendChangelog(s, 3);
            }
            assertThat(kept(s)).hasSize(window + 15).last().isEqualTo(last);

            write(s, tx -> tx.putConsumer("audit", last));
            appendChangelog(s, step + 7);
            assertThat(kept(s)).hasSize(window + 15 + step + 7).last().isEqualTo(last + step + 7);

            // The last consumer gone, its transaction trims to the window.
            write(s, tx -> tx.deleteConsumer("audit"));
            assertThat(kept(s)).hasSize(window).last().isEqualTo(last + step + 7);
        }
        // Reopened (nothing kept in memory): the window goes on from where it was.
        try (NamespaceStore s = NamespaceStore.open(dir, null, false)) {
            appendChangelog(s, step - 1);
            assertThat(kept(s)).hasSize(window + step - 1);
            appendChangelog(s, 1);
            assertThat(kept(s)).hasSize(window).last().isEqualTo(last + 2L * step + 7);
        }
    }

    @Test
    void repliesOfTheLastWindowOfEntriesAreKeptAndOlderOnesTrimmedAStepAtATime(@TempDir Path dir) throws Exception {
        long window = Tx.REPLY_WINDOW;
        int step = Tx.TRIM_STEP;
        long last = window + 3L * step + 5;
        // An index that applied no entry (a configuration's), where a trim was due: the next trim does its part.
        long skipped = last / step * step - step;
        try (NamespaceStore s = NamespaceStore.open(dir, null, true)) {
            write(s, tx -> {
                for (long i = 1; i <= last; i++) {
                    if (i != skipped) {
                        tx.putReply(i, Keys.u64(i));
                    }
                }
            });
            try (Tx tx = s.read()) {
                for (long i = last - window + 1; i <= last; i++) {
                    if (i != skipped) {
                        assertThat(tx.reply(i)).as("reply of entry %d", i).isEqualTo(Keys.u64(i));
                    }
                }
                // Trimmed at the last multiple of the step: every reply up to a window before it is gone.
                long trimmedTo = last / step * step - window;
                assertThat(tx.reply(trimmedTo)).isNull();
                assertThat(tx.reply(1)).isNull();
                assertThat(tx.reply(skipped - window)).isNull();
                assertThat(tx.reply(trimmedTo + 1)).isEqualTo(Keys.u64(trimmedTo + 1));
                assertThat(last - trimmedTo).isLessThan(window + step);
            }
        }
    }

    @Test
    void countersOfAnAbortedTransactionAreNotSeenByTheNextOne(@TempDir Path dir) throws Exception {
        try (NamespaceStore s = NamespaceStore.open(dir, null, true)) {
            write(s, tx -> tx.putMetaLong("inodes", 5));
            try (Tx tx = s.write()) {
                tx.putMetaLong("inodes", 99);
                tx.putOst(new Tx.OstRecord(new OstInfo(0, Set.of(), ""), 1));
            } // closed without commit: aborted
            write(s, tx -> {
                assertThat(tx.inodeCount()).isEqualTo(5);
                assertThat(tx.ost(0)).isNull();
                tx.countNewInode();
            });
            try (Tx tx = s.read()) {
                assertThat(tx.inodeCount()).isEqualTo(6);
            }
        }
    }

    @Test
    void aRegisteredOstIsSeenByLaterTransactionsAndNotByOlderOnes(@TempDir Path dir) throws Exception {
        try (NamespaceStore s = NamespaceStore.open(dir, null, true)) {
            write(s, tx -> tx.putOst(new Tx.OstRecord(new OstInfo(0, Set.of(), ""), 1)));
            try (Tx tx = s.read()) {
                assertThat(tx.osts()).extracting(OstInfo::index).containsExactly(0);
            }
            try (Tx older = s.read()) {
                // Object allocations rewrite an OST's record without changing its registration.
                write(s, tx -> tx.allocObject(0));
                write(s, tx -> tx.putOst(new Tx.OstRecord(new OstInfo(1, Set.of("fast"), ""), 1)));
                assertThat(older.osts()).extracting(OstInfo::index).containsExactly(0);
                try (Tx newer = s.read()) {
                    assertThat(newer.osts()).extracting(OstInfo::index).containsExactly(0, 1);
                }
                try (Tx again = s.read()) {
                    assertThat(again.osts()).extracting(OstInfo::index).containsExactly(0, 1);
                }
            }
            write(s, tx -> tx.putOst(new Tx.OstRecord(new OstInfo(1, Set.of(), ""), tx.ost(1).nextObject())));
            try (Tx tx = s.read()) {
                assertThat(tx.osts()).extracting(OstInfo::pools).containsExactly(Set.of(), Set.of());
                assertThat(tx.ost(0).nextObject()).isEqualTo(2);
            }
        }
    }
}
