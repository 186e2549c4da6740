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
    void changelogKeepsTheLastWindowWithoutConsumersAndEverythingWhileOneIsRegistered(@TempDir Path dir) throws Exception {
        try (NamespaceStore s = NamespaceStore.open(dir, null, true)) {
            appendChangelog(s, Tx.CHANGELOG_WINDOW + 10);
            for (int i = 0; i < 5; i++) {
                appendChangelog(s, 3);
            }
            long last = Tx.CHANGELOG_WINDOW + 25;
            assertThat(kept(s)).hasSize(Tx.CHANGELOG_WINDOW).first().isEqualTo(last - Tx.CHANGELOG_WINDOW + 1);

            write(s, tx -> tx.putConsumer("audit", last));
            appendChangelog(s, 7);
            assertThat(kept(s)).hasSize(Tx.CHANGELOG_WINDOW + 7).last().isEqualTo(last + 7);

            write(s, tx -> tx.deleteConsumer("audit"));
            appendChangelog(s, 1);
            assertThat(kept(s)).hasSize(Tx.CHANGELOG_WINDOW).last().isEqualTo(last + 8);
        }
        // Reopened (nothing kept in memory): the window goes on from where it was.
        try (NamespaceStore s = NamespaceStore.open(dir, null, false)) {
            appendChangelog(s, 2);
            assertThat(kept(s)).hasSize(Tx.CHANGELOG_WINDOW).last().isEqualTo(Tx.CHANGELOG_WINDOW + 35L);
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
