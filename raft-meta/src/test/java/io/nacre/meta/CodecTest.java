package io.nacre.meta;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nacre.engine.Caller;
import io.nacre.engine.Fid;
import io.nacre.engine.NacreException;
import io.nacre.engine.Status;
import io.nacre.engine.layout.Component;
import io.nacre.engine.layout.Extent;
import io.nacre.engine.layout.Layout;
import io.nacre.engine.layout.LayoutTemplate;
import io.nacre.engine.layout.ObjectRef;
import io.nacre.engine.layout.Placement;
import io.nacre.engine.meta.CreateSpec;
import io.nacre.engine.meta.FileType;
import io.nacre.engine.meta.MetadataService.RemoveKind;
import io.nacre.engine.meta.SetAttr;
import io.nacre.engine.meta.XattrFlag;
import io.nacre.engine.store.OstInfo;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.Set;
import org.junit.jupiter.api.Test;

class CodecTest {

    private static final Caller C = Caller.of(5, 6, 9, 7);
    private static final Fid F = new Fid(Fid.FIRST_NORMAL_SEQ, 3, 0);

    static List<Op> everyOp() {
        CreateSpec spec = CreateSpec.builder(FileType.REGULAR).mode(0640).exclusive(99)
                .initial(SetAttr.builder().uid(3).mtime(5).build()).layout(LayoutTemplate.of(2, 0, "p")).build();
        return List.of(
                new Op.Format(77),
                new Op.Create(C, F, "name", spec, LayoutTemplate.of(2, 1 << 20, "p"), List.of(1, 3)),
                new Op.Create(C, F, "l", CreateSpec.symlink("target"), null, null),
                new Op.Create(C, F, "opened", spec.openedBy(new io.nacre.engine.meta.Opener("node-1", -5)),
                        LayoutTemplate.of(1, 1 << 20, ""), List.of(0)),
                new Op.MarkOpen(new io.nacre.engine.meta.Opener("node-1", 42), F),
                new Op.UnmarkOpen("node-1", F),
                new Op.UnmarkOpens("node-1", List.of(F, Fid.ROOT)),
                new Op.DropOpenMarks("node-1", 42, 1024),
                new Op.Link(C, F, Fid.ROOT, "x"),
                new Op.Remove(C, F, "x", RemoveKind.DIRECTORY),
                new Op.Rename(C, F, "a", Fid.ROOT, "b"),
                new Op.SetAttrs(C, F, SetAttr.builder().mode(0700).size(10).atimeNow().guardCtime(4).build()),
                new Op.SetXattr(C, F, "user.k", new byte[] {1, 2}, XattrFlag.REPLACE),
                new Op.RemoveXattr(C, F, "user.k"),
                new Op.Concat(C, F, List.of(Fid.ROOT, Fid.HIDDEN)),
                new Op.SwapLayout(C, F, 7, 3, Fid.HIDDEN, "migrate-x"),
                new Op.SetDefaultLayout(C, F, null),
                new Op.SetLayout(C, F, LayoutTemplate.DEFAULT, LayoutTemplate.DEFAULT, List.of(0)),
                new Op.Instantiate(F, 5, 6, Map.of(1, List.of(2, 3))),
                new Op.DataWritten(F, 100, SetAttr.SERVER_TIME),
                new Op.DomWrite(F, 3, new byte[] {9}),
                new Op.Destroyed(List.of(1L, 2L)),
                new Op.ChangelogRegister("c"),
                new Op.ChangelogClear("c", 9),
                new Op.ChangelogDeregister("c"),
                new Op.RegisterOst(new OstInfo(2, Set.of("a", "b"), "http://x:1")),
                new Op.PutSmall(C, new io.nacre.engine.meta.SmallFile(F, List.of("a", "b"), "k", 0640, new byte[] {1, 2},
                        64 << 10, Map.of("trusted.x", new byte[] {3}), Map.of("trusted.i", new byte[] {1}),
                        io.nacre.engine.meta.SmallFile.Expect.match(F, 7)), null),
                new Op.Rejected(Status.ACCESS, "no"));
    }

    private static String canonical(Op op) {
        // records with byte[] fields compare by identity: compare their encodings instead
        Out out = new Out();
        Op.write(out, op);
        return Arrays.toString(out.toByteArray());
    }

    @Test
    void everyOperationSurvivesABatchRoundTrip() {
        List<Op> ops = everyOp();
        Op.Batch b = Op.decodeBatch(Op.encodeBatch(1234, ops));
        assertThat(b.time()).isEqualTo(1234);
        assertThat(b.ops()).hasSameSizeAs(ops);
        for (int i = 0; i < ops.size(); i++) {
            assertThat(canonical(b.ops().get(i))).isEqualTo(canonical(ops.get(i)));
            if (!(ops.get(i) instanceof Op.SetXattr) && !(ops.get(i) instanceof Op.DomWrite)
                    && !(ops.get(i) instanceof Op.PutSmall)) {
                assertThat(b.ops().get(i)).isEqualTo(ops.get(i));
            }
        }
    }

    @Test
    void truncatedOrGarbledBatchesAreInvalidNeverACrash() {
        byte[] good = Op.encodeBatch(1, everyOp());
        for (int len = 0; len < good.length; len++) {
            byte[] cut = Arrays.copyOf(good, len);
            assertThatThrownBy(() -> Op.decodeBatch(cut)).isInstanceOfSatisfying(NacreException.class,
                    e -> assertThat(e.status()).isEqualTo(Status.INVALID));
        }
        SplittableRandom r = new SplittableRandom(3);
        for (int i = 0; i < 2000; i++) {
            byte[] garbled = good.clone();
            garbled[r.nextInt(garbled.length)] ^= (byte) (1 + r.nextInt(255));
            try {
                Op.decodeBatch(garbled);
            } catch (NacreException e) {
                assertThat(e.status()).isEqualTo(Status.INVALID);
            }
        }
    }

    @Test
    void queriesRoundTrip() {
        List<Query> qs = List.of(new Query.Fsid(), new Query.Getattr(F), new Query.Lookup(C, F, "n"),
                new Query.Resolve(C, F, "a/b"), new Query.CheckAccess(C, F, 7), new Query.Readlink(F),
                new Query.Readdir(C, F, 5, 10), new Query.ListNames(C, F, "x", 3), new Query.GetXattr(C, F, "user.a"),
                new Query.Xattrs(C, F), new Query.GetLayout(F), new Query.DefaultLayout(F), new Query.Statfs(),
                new Query.Osts(), new Query.PendingDestroys(4), new Query.Changelog(3, 4), new Query.DomRead(F, 1, 2));
        for (Query q : qs) {
            assertThat(Query.decode(Query.encode(q))).isEqualTo(q);
        }
    }

    @Test
    void inodesRoundTrip() {
        Inode n = new Inode(F, FileType.DIRECTORY);
        n.mode = 02755;
        n.nlink = 3;
        n.uid = 1;
        n.gid = 2;
        n.parent = Fid.ROOT;
        n.nextCookie = 17;
        n.entries = 14;
        n.defaultLayout = LayoutTemplate.of(-1, 1 << 20, "x");
        n.hasVerifier = true;
        n.verifier = -5;
        n.target = "t";
        Inode m = Inode.decode(F, n.encode());
        assertThat(m.attr()).isEqualTo(n.attr());
        assertThat(m.encode()).isEqualTo(n.encode());
        assertThatThrownBy(() -> Inode.decode(F, new byte[] {9})).isInstanceOfSatisfying(NacreException.class,
                e -> assertThat(e.status()).isEqualTo(Status.CORRUPT));
    }

    @Test
    void aFileInodeReadsItsLayoutWhenAskedAndGetsTheSameOne() {
        Component raid0 = new Component(new Extent(0, 1 << 20), 0, false,
                new Placement.Raid0(2, 1 << 16, "fast", List.of(new ObjectRef(0, 11), new ObjectRef(1, 12))));
        Component tail = new Component(new Extent(1 << 20, Extent.EOF), 0, true,
                new Placement.Raid0(4, 1 << 20, "", List.of()));
        Component dom = Component.of(new Extent(0, 1 << 16), new Placement.DataOnMdt());
        Component released = Component.of(Extent.WHOLE, new Placement.Released(3));
        for (Layout layout : List.of(Layout.NONE, new Layout(4, List.of(raid0, tail)), new Layout(1, List.of(dom)),
                new Layout(2, List.of(released)), new Layout(5, List.of(dom,
                        Component.of(new Extent(1 << 16, Extent.EOF), new Placement.Released(3)))), new Layout(3, List.of()))) {
            Inode n = new Inode(F, FileType.REGULAR);
            n.size = 10_000;
            n.setLayout(layout);
            n.target = "after the layout";
            byte[] stored = n.encode();
            Inode m = Inode.decode(F, stored);
            // A stat's view (space used depends on whether the layout is released) without reading the layout ...
            assertThat(m.attr()).as("%s", layout).isEqualTo(n.attr());
            assertThat(m.target).isEqualTo(n.target);
            // ... the unread layout written back as it was ...
            assertThat(m.encode()).isEqualTo(stored);
            // ... and read when asked, the same as written.
            assertThat(m.layout()).isEqualTo(layout);
            assertThat(m.encode()).isEqualTo(stored);
            m.setLayout(new Layout(layout.generation() + 1, List.of(released)));
            assertThat(Inode.decode(F, m.encode()).layout()).isEqualTo(m.layout());
            assertThat(Inode.decode(F, m.encode()).attr().spaceUsed()).isZero();
        }
    }

    @Test
    void aGarbledLayoutInAnInodeIsFoundWhenTheInodeIsRead() {
        Inode n = new Inode(F, FileType.REGULAR);
        n.setLayout(new Layout(1, List.of(Component.of(Extent.WHOLE,
                new Placement.Raid0(1, 1 << 20, "", List.of(new ObjectRef(0, 1)))))));
        byte[] stored = n.encode();
        // The record ends with the layout (generation, count, one component of 50 bytes), no default layout, no target.
        int layoutAt = stored.length - 4 - 1 - (8 + 4 + 50);
        for (int cut = layoutAt; cut < stored.length; cut++) {
            byte[] truncated = Arrays.copyOf(stored, cut);
            assertThatThrownBy(() -> Inode.decode(F, truncated)).isInstanceOf(NacreException.class);
        }
        byte[] badTag = stored.clone();
        badTag[layoutAt + 8 + 4 + 8 + 8 + 4 + 1] = 7; // the placement's tag, after extent, mirror and stale
        assertThatThrownBy(() -> Inode.decode(F, badTag)).isInstanceOfSatisfying(NacreException.class,
                e -> assertThat(e.getMessage()).contains("placement 7"));
    }

    @Test
    void keysSortAsTheirNumbersAndNames() {
        assertThat(Arrays.compareUnsigned(Keys.cookie(F, 3), Keys.cookie(F, 256))).isNegative();
        assertThat(Arrays.compareUnsigned(Keys.u64(255), Keys.u64(256))).isNegative();
        assertThat(Arrays.compareUnsigned(Keys.dentry(F, "a"), Keys.dentry(F, "a0"))).isNegative();
        assertThat(Arrays.compareUnsigned(Keys.dentry(F, "z"), Keys.dentry(F, "é"))).isNegative();
        Fid next = new Fid(F.seq(), F.oid() + 1, 0);
        assertThat(Arrays.compareUnsigned(Keys.dentry(F, "\uffff"), Keys.dentry(next, ""))).isNegative();
        assertThat(Keys.hasPrefix(Keys.dentry(F, "x"), Keys.fid(F))).isTrue();
        assertThat(Keys.hasPrefix(Keys.dentry(next, "x"), Keys.fid(F))).isFalse();
        assertThat(Keys.nameOf(Keys.dentry(F, "héllo"))).isEqualTo("héllo");
        assertThat(Keys.fid(Keys.fid(F), 0)).isEqualTo(F);
        assertThat(Keys.cookieOf(Keys.cookie(F, 1L << 40))).isEqualTo(1L << 40);
    }
}
