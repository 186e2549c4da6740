package io.nacre.meta;

import static org.assertj.core.api.Assertions.assertThat;

import io.nacre.engine.Fid;
import io.nacre.engine.Status;
import io.nacre.engine.meta.ChangelogRecord;
import io.nacre.engine.meta.ChangelogRecord.Type;
import io.nacre.engine.meta.CreateSpec;
import io.nacre.engine.meta.MetadataService.RemoveKind;
import io.nacre.engine.meta.SetAttr;
import io.nacre.engine.meta.XattrFlag;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The changelog: every change recorded in order, kept until every registered consumer has cleared it. */
class ChangelogTest extends ServerTestBase {

    private static List<ChangelogRecord> since(long from) {
        return mds.changelog(from, 1000);
    }

    @Test
    void everyChangeIsRecordedInOrderWithItsNames() {
        long from = mds.changelogRegister("audit");
        Fid d = scratch();
        Fid f = file(ALICE, d, "f", 0644);
        mds.create(ALICE, d, "l", CreateSpec.symlink("f"));
        mds.link(ALICE, f, d, "g");
        mds.setattr(ALICE, f, SetAttr.builder().mode(0600).build());
        mds.setattr(ALICE, f, SetAttr.builder().size(0).build());
        mds.setXattr(ALICE, f, "user.k", new byte[] {1}, XattrFlag.EITHER);
        mds.dataWritten(f, 10, SetAttr.SERVER_TIME);
        mds.rename(ALICE, d, "g", d, "h");
        mds.remove(ALICE, d, "f", RemoveKind.FILE);
        mds.remove(ALICE, d, "h", RemoveKind.FILE);
        List<ChangelogRecord> recs = since(from);
        assertThat(recs).extracting(ChangelogRecord::type).containsExactly(Type.MKDIR, Type.CREAT, Type.SLINK,
                Type.HLINK, Type.SATTR, Type.TRUNC, Type.XATTR, Type.MTIME, Type.RENME, Type.UNLNK, Type.UNLNK);
        assertThat(recs).extracting(ChangelogRecord::index).isSorted().doesNotHaveDuplicates();
        assertThat(recs.get(0).index()).isEqualTo(from);
        ChangelogRecord creat = recs.get(1);
        assertThat(creat.target()).isEqualTo(f);
        assertThat(creat.parent()).isEqualTo(d);
        assertThat(creat.name()).isEqualTo("f");
        assertThat(creat.uid()).isEqualTo(1000);
        ChangelogRecord renme = recs.get(8);
        assertThat(renme.sourceName()).isEqualTo("g");
        assertThat(renme.name()).isEqualTo("h");
        assertThat(renme.sourceParent()).isEqualTo(d);
        assertThat(recs.get(9).flags()).isZero();
        assertThat(recs.get(10).flags()).isEqualTo(1);
        mds.changelogDeregister("audit");
    }

    @Test
    void recordsStayUntilEveryConsumerClearsThem() {
        long a = mds.changelogRegister("a");
        assertThat(mds.changelogRegister("a")).isEqualTo(a);
        Fid d = scratch();
        long b = mds.changelogRegister("b");
        file(ALICE, d, "f1", 0644);
        file(ALICE, d, "f2", 0644);
        List<ChangelogRecord> recs = since(a);
        assertThat(recs).hasSize(3);
        long last = recs.get(2).index();
        mds.changelogClear("a", last);
        assertThat(mds.changelogRegister("a")).isEqualTo(last + 1);
        // b registered after the mkdir: it holds back only the two creates
        assertThat(since(0)).extracting(ChangelogRecord::index).containsExactly(b, last);
        mds.changelogClear("b", last);
        assertThat(since(0)).isEmpty();
        assertStatus(Status.NOT_FOUND, () -> mds.changelogClear("nobody", 1));
        mds.changelogDeregister("a");
        mds.changelogDeregister("b");
        assertStatus(Status.NOT_FOUND, () -> mds.changelogDeregister("b"));
        assertStatus(Status.INVALID, () -> mds.changelogRegister(""));
    }
}
