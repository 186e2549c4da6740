package io.nacre.nfs.v41;

import static io.nacre.nfs.v41.xdr.Nfs4Status.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.nacre.engine.Caller;
import io.nacre.engine.Fid;
import io.nacre.engine.fault.Faults;
import io.nacre.engine.io.FileIo;
import io.nacre.engine.meta.CreateSpec;
import io.nacre.engine.meta.FileType;
import io.nacre.engine.meta.MetadataService;
import io.nacre.engine.store.Durability;
import io.nacre.meta.MetadataClient;
import io.nacre.meta.testkit.EmbeddedCore;
import io.nacre.nfs.export.ExportTable;
import io.nacre.nfs.v41.attr.AttrNum;
import io.nacre.nfs.v41.attr.Bitmap;
import io.nacre.nfs.v41.attr.IdMapper;
import io.nacre.nfs.v41.xdr.AccessArgs;
import io.nacre.nfs.v41.xdr.AccessRes;
import io.nacre.nfs.v41.xdr.CloseArgs;
import io.nacre.nfs.v41.xdr.ChangeInfo4;
import io.nacre.nfs.v41.xdr.ChangeInfoRes;
import io.nacre.nfs.v41.xdr.ChannelAttrs4;
import io.nacre.nfs.v41.xdr.CompoundArgs;
import io.nacre.nfs.v41.xdr.CompoundRes;
import io.nacre.nfs.v41.xdr.CreateSessionArgs;
import io.nacre.nfs.v41.xdr.CreateSessionRes;
import io.nacre.nfs.v41.xdr.ExchangeIdArgs;
import io.nacre.nfs.v41.xdr.ExchangeIdRes;
import io.nacre.nfs.v41.xdr.Fattr4;
import io.nacre.nfs.v41.xdr.GetattrArgs;
import io.nacre.nfs.v41.xdr.GetfhRes;
import io.nacre.nfs.v41.xdr.LookupArgs;
import io.nacre.nfs.v41.xdr.Nfs4;
import io.nacre.nfs.v41.xdr.OpenArgs;
import io.nacre.nfs.v41.xdr.OpArgs;
import io.nacre.nfs.v41.xdr.OpNum;
import io.nacre.nfs.v41.xdr.OpenRes;
import io.nacre.nfs.v41.xdr.PutfhArgs;
import io.nacre.nfs.v41.xdr.RemoveArgs;
import io.nacre.nfs.v41.xdr.SequenceArgs;
import io.nacre.nfs.v41.xdr.SessionId4;
import io.nacre.nfs.v41.xdr.SetattrArgs;
import io.nacre.nfs.v41.xdr.StateOwner4;
import io.nacre.nfs.v41.xdr.Stateid4;
import io.nacre.nfs.v41.xdr.VoidArgs;
import io.nacre.nfs.v41.xdr.XdrEncodable;
import io.nacre.nfs.v41.xdr.XdrIo;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Which operations of a COMPOUND run on the thread that decoded it (the RPC selector) and which go to a
 * worker, against the real MDS: the answers are the same either way, and what may block goes to a worker.
 */
class SelectorDispatchTest {

    private static final ChannelAttrs4 ASK = new ChannelAttrs4(0, 1 << 20, 1 << 20, 8192, 64, 16);
    private static final RequestInfo ROOT = new RequestInfo(new InetSocketAddress("127.0.0.1", 700), null,
            Nfs4.AUTH_SYS, 0, 0, new int[0]);
    /** What Linux asks of a file after LOOKUP (nfs4_fattr_bitmap). */
    private static final int[] LINUX_ATTRS = Bitmap.of(AttrNum.TYPE, AttrNum.CHANGE, AttrNum.SIZE, AttrNum.FSID,
            AttrNum.FILEID, AttrNum.MODE, AttrNum.NUMLINKS, AttrNum.OWNER, AttrNum.OWNER_GROUP, AttrNum.RAWDEV,
            AttrNum.SPACE_USED, AttrNum.TIME_ACCESS, AttrNum.TIME_METADATA, AttrNum.TIME_MODIFY,
            AttrNum.MOUNTED_ON_FILEID);

    @TempDir
    Path dir;

    private EmbeddedCore core;
    private final List<AutoCloseable> opened = new ArrayList<>();
    private NfsService service;
    private CompoundProcessor processor;
    private SessionId4 session;
    private long clientid;
    private int seq;

    /** A worker pool that counts its tasks and runs each on a thread of its own. */
    private static final class Workers implements Executor {
        final AtomicInteger tasks = new AtomicInteger();

        @Override
        public void execute(Runnable task) {
            tasks.incrementAndGet();
            Thread.ofPlatform().name("test-worker").start(task);
        }
    }

    /** A reply, and the thread that gave it. */
    private record Answer(CompoundRes res, String thread, int handoffs) {
    }

    /** The core, and the server on its client in this JVM. */
    private MetadataService startLocal() throws Exception {
        core = EmbeddedCore.start(dir);
        start(core.metadata());
        return core.metadata();
    }

    private void start(MetadataService md) throws Exception {
        FileIo io = new FileIo(md, core.objects());
        opened.add(io);
        service = new NfsService(md, io, ExportTable.parse("/ 127.0.0.1(rw,no_root_squash)"), IdMapper.numeric(),
                Duration.ofSeconds(30), 1 << 20, "127.0.0.1", 0);
        service.start();
        opened.add(service);
        processor = new CompoundProcessor(service.context());
        ExchangeIdRes x = here(new ExchangeIdArgs(1, bytes("dispatch-test"), 0, Nfs4.SP4_NONE, new int[0],
                new int[0], List.of())).results().get(0).body(ExchangeIdRes.class);
        CompoundRes c = here(new CreateSessionArgs(x.clientid(), x.sequenceId(), 0, ASK, ASK, 0x40000000, List.of()));
        assertThat(c.status()).isEqualTo(NFS4_OK);
        session = c.results().get(0).body(CreateSessionRes.class).sessionId();
        clientid = x.clientid();
    }

    @AfterEach
    void stop() throws Exception {
        for (int i = opened.size() - 1; i >= 0; i--) {
            opened.get(i).close();
        }
        if (core != null) {
            core.close();
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static CompoundArgs compound(List<OpArgs> ops) throws Exception {
        return CompoundProcessorTest.decodeArgs(new CompoundArgs(bytes("t"), 1, ops));
    }

    private static CompoundRes decode(XdrEncodable reply) throws Exception {
        return CompoundProcessorTest.decode(reply);
    }

    /** A COMPOUND run entirely on this thread. */
    private CompoundRes here(OpArgs... ops) throws Exception {
        return decode(processor.process(compound(List.of(ops)), ROOT));
    }

    private List<OpArgs> sequenced(OpArgs... ops) {
        List<OpArgs> all = new ArrayList<>();
        all.add(new SequenceArgs(session, ++seq, 0, 0, false));
        all.addAll(List.of(ops));
        return all;
    }

    /** A COMPOUND (after a SEQUENCE) run entirely on this thread. */
    private CompoundRes allHere(OpArgs... ops) throws Exception {
        return decode(processor.process(compound(sequenced(ops)), ROOT));
    }

    /** A COMPOUND (after a SEQUENCE) run as the RPC program runs it: on this thread until it goes to a worker. */
    private Answer dispatched(OpArgs... ops) throws Exception {
        return dispatched(ROOT, ops);
    }

    private Answer dispatched(RequestInfo request, OpArgs... ops) throws Exception {
        Workers workers = new Workers();
        CompletableFuture<Answer> answer = new CompletableFuture<>();
        processor.process(compound(sequenced(ops)), request, workers, reply -> {
            try {
                answer.complete(new Answer(decode(reply), Thread.currentThread().getName(), workers.tasks.get()));
            } catch (Exception e) {
                answer.completeExceptionally(e);
            }
        });
        return answer.get(30, TimeUnit.SECONDS);
    }

    /** The results after SEQUENCE, encoded: what the client sees, less the SEQUENCE's own sequence id. */
    private static List<byte[]> afterSequence(CompoundRes r) {
        return r.results().subList(1, r.results().size()).stream().map(XdrIo::toBytes).toList();
    }

    private static void assertOnWorker(Answer a) {
        assertThat(a.handoffs()).as("hand-offs to a worker").isOne();
        assertThat(a.thread()).as("the thread that replied").isEqualTo("test-worker");
    }

    private static void assertSameAnswer(Answer dispatched, CompoundRes allHere) {
        assertThat(dispatched.res().status()).isEqualTo(allHere.status());
        assertThat(afterSequence(dispatched.res())).usingElementComparator(java.util.Arrays::compare)
                .containsExactlyElementsOf(afterSequence(allHere));
    }

    private Fid mkdir(MetadataService md, String name) {
        return md.create(Caller.ROOT, Fid.ROOT, name, CreateSpec.builder(FileType.DIRECTORY).mode(0755).build())
                .attr().fid();
    }

    private Fid file(MetadataService md, Fid parent, String name) {
        return md.create(Caller.ROOT, parent, name, CreateSpec.builder(FileType.REGULAR).mode(0644).build())
                .attr().fid();
    }

    /** Linux's stat of a name not in its cache. */
    private OpArgs[] stat(Fid dir, String name) {
        return new OpArgs[] {new PutfhArgs(fh(dir)), new LookupArgs(bytes(name)), new VoidArgs(OpNum.GETFH),
                new GetattrArgs(LINUX_ATTRS)};
    }

    private byte[] fh(Fid fid) {
        return service.context().handles().encode(fid);
    }

    @Test
    void readsAnsweredInThisProcessRunOnTheSelectorWithTheWorkersAnswers() throws Exception {
        MetadataService md = startLocal();
        assertThat(md.localReads()).as("the leader runs in this JVM").isTrue();
        Fid d = mkdir(md, "d");
        file(md, d, "f");
        OpArgs[] stat = stat(d, "f");
        Answer inline = dispatched(stat);
        assertThat(inline.handoffs()).as("a stat of an empty file").isZero();
        assertThat(inline.thread()).isEqualTo(Thread.currentThread().getName());
        assertSameAnswer(inline, allHere(stat));

        OpArgs[] missing = {new PutfhArgs(fh(d)), new LookupArgs(bytes("none")), new VoidArgs(OpNum.GETFH)};
        Answer notFound = dispatched(missing);
        assertThat(notFound.handoffs()).isZero();
        assertThat(notFound.res().status()).isEqualTo(NFS4ERR_NOENT);
        assertSameAnswer(notFound, allHere(missing));

        OpArgs[] access = {new PutfhArgs(fh(d)), new AccessArgs(Nfs4.ACCESS4_READ | Nfs4.ACCESS4_LOOKUP),
                new GetattrArgs(LINUX_ATTRS)};
        Answer a = dispatched(access);
        assertThat(a.handoffs()).isZero();
        assertSameAnswer(a, allHere(access));
    }

    @Test
    void whatMayBlockGoesToAWorkerWithTheSameAnswers() throws Exception {
        MetadataService md = startLocal();
        Fid d = mkdir(md, "d");
        Fid written = file(md, d, "written");
        service.context().io().write(written, 0, ByteBuffer.wrap(new byte[70_000]), Durability.STABLE);

        // space_used of a file with data is asked of its OSTs
        OpArgs[] statWritten = stat(d, "written");
        Answer w = dispatched(statWritten);
        assertOnWorker(w);
        assertSameAnswer(w, allHere(statWritten));

        // statfs attributes are asked of the OSTs
        OpArgs[] statfs = {new PutfhArgs(fh(d)), new GetattrArgs(Bitmap.of(AttrNum.TYPE, AttrNum.SPACE_TOTAL))};
        Answer s = dispatched(statfs);
        assertOnWorker(s);

        // a change waits for its commit; what follows it runs on the worker too
        file(md, d, "kept");
        OpArgs[] setattr = {new PutfhArgs(fh(d)), new LookupArgs(bytes("kept")),
                new SetattrArgs(Stateid4.ANONYMOUS, NfsFs.mode(0600)), new VoidArgs(OpNum.GETFH)};
        Answer changed = dispatched(setattr);
        assertOnWorker(changed);
        assertThat(changed.res().status()).isEqualTo(NFS4_OK);
        assertThat(md.lookup(Caller.ROOT, d, "kept").mode() & 07777).isEqualTo(0600);
    }

    /**
     * No worker replied: the thread that completed the change did (Ratis's state machine updater), or this
     * one when the change was done before it looked.
     */
    private static void assertAnsweredByTheChange(Answer a) {
        assertThat(a.handoffs()).as("hand-offs to a worker").isZero();
        assertThat(a.thread()).as("the thread that replied").isNotEqualTo("test-worker");
    }

    /** What Linux asks of the directory after a REMOVE. */
    private static final int[] DIR_ATTRS = Bitmap.of(AttrNum.TYPE, AttrNum.CHANGE, AttrNum.SIZE, AttrNum.FILEID,
            AttrNum.MODE, AttrNum.NUMLINKS, AttrNum.TIME_METADATA, AttrNum.TIME_MODIFY);

    @Test
    void aRemoveIsAnsweredFromItsChangeWithoutAWorker() throws Exception {
        MetadataService md = startLocal();
        Fid d = mkdir(md, "d");
        file(md, d, "gone");
        long before = md.getattr(d).change();

        Answer removed;
        // the apply takes a while, so the change is surely not done when this thread has queued it
        Faults.arm("mds.apply.before_commit", new Faults.Fault(Faults.Kind.SLEEP, 1, false, 200));
        try {
            removed = dispatched(new PutfhArgs(fh(d)), new RemoveArgs(bytes("gone")), new GetattrArgs(DIR_ATTRS),
                    new VoidArgs(OpNum.GETFH));
        } finally {
            Faults.disarmAll();
        }
        assertAnsweredByTheChange(removed);
        assertThat(removed.thread()).as("the thread that applied the change").contains("StateMachineUpdater");
        assertThat(removed.res().status()).isEqualTo(NFS4_OK);
        assertThat(removed.res().results()).extracting(r -> r.opnum())
                .containsExactly(OpNum.SEQUENCE, OpNum.PUTFH, OpNum.REMOVE, OpNum.GETATTR, OpNum.GETFH);
        ChangeInfo4 cinfo = removed.res().results().get(2).body(ChangeInfoRes.class).cinfo();
        long after = md.getattr(d).change();
        assertThat(cinfo).isEqualTo(new ChangeInfo4(true, before, after));
        assertThat(after).isNotEqualTo(before);
        // the GETATTR after it saw the directory as it is now, the same as one run on its own
        CompoundRes now = allHere(new PutfhArgs(fh(d)), new GetattrArgs(DIR_ATTRS));
        assertThat(XdrIo.toBytes(removed.res().results().get(3))).isEqualTo(XdrIo.toBytes(now.results().get(2)));
        assertThat(allHere(new PutfhArgs(fh(d)), new LookupArgs(bytes("gone"))).status()).isEqualTo(NFS4ERR_NOENT);
    }

    @Test
    void aRemoveThatFailsAnswersAsOnAWorker() throws Exception {
        MetadataService md = startLocal();
        Fid d = mkdir(md, "d");
        Fid sub = mkdir(md, "sub");
        file(md, sub, "x");
        file(md, d, "mine");
        OpArgs[][] failing = {
                {new PutfhArgs(fh(d)), new RemoveArgs(bytes("none")), new VoidArgs(OpNum.GETFH)},
                {new PutfhArgs(fh(Fid.ROOT)), new RemoveArgs(bytes("sub")), new VoidArgs(OpNum.GETFH)}};
        int[] expected = {NFS4ERR_NOENT, NFS4ERR_NOTEMPTY};
        for (int i = 0; i < failing.length; i++) {
            Answer a = dispatched(failing[i]);
            assertAnsweredByTheChange(a);
            assertThat(a.res().status()).isEqualTo(expected[i]);
            assertSameAnswer(a, allHere(failing[i]));
        }
        // d is root's, 0755: another user may not remove in it
        RequestInfo user = new RequestInfo(new InetSocketAddress("127.0.0.1", 700), null, Nfs4.AUTH_SYS, 1000, 1000,
                new int[0]);
        Answer denied = dispatched(user, new PutfhArgs(fh(d)), new RemoveArgs(bytes("mine")));
        assertAnsweredByTheChange(denied);
        assertThat(denied.res().status()).isEqualTo(NFS4ERR_ACCESS);
        assertThat(md.lookup(Caller.ROOT, d, "mine").isRegular()).isTrue();
        assertThat(md.lookup(Caller.ROOT, sub, "x").isRegular()).isTrue();
    }

    /** The thread that completes a change is the MDS's: the next operation that may block goes to a worker. */
    @Test
    void whatMayBlockAfterARemoveGoesToAWorker() throws Exception {
        MetadataService md = startLocal();
        Fid d = mkdir(md, "d");
        file(md, d, "a");
        file(md, d, "b");
        file(md, d, "c");
        Fid written = file(md, d, "written");
        service.context().io().write(written, 0, ByteBuffer.wrap(new byte[70_000]), Durability.STABLE);

        Answer two = dispatched(new PutfhArgs(fh(d)), new RemoveArgs(bytes("a")), new RemoveArgs(bytes("b")));
        assertOnWorker(two);
        assertThat(two.res().status()).isEqualTo(NFS4_OK);

        // space_used of a file with data is asked of its OSTs
        OpArgs[] thenStat = {new PutfhArgs(fh(d)), new RemoveArgs(bytes("c")), new PutfhArgs(fh(written)),
                new GetattrArgs(LINUX_ATTRS)};
        Answer stat = dispatched(thenStat);
        assertOnWorker(stat);
        assertThat(stat.res().status()).isEqualTo(NFS4_OK);
        assertThat(md.readdir(Caller.ROOT, d, 0, 100).entries()).extracting(e -> e.name()).containsExactly("written");
    }

    /** Linux's create (open(2) with O_CREAT|O_EXCL): OPEN in EXCLUSIVE4_1 with the mode, GETFH, ACCESS, GETATTR. */
    private OpArgs[] linuxCreate(Fid dir, String name, long verifier) {
        return new OpArgs[] {new PutfhArgs(fh(dir)), OpenArgs.create(new StateOwner4(clientid, bytes("creator")),
                Nfs4.OPEN4_SHARE_ACCESS_BOTH, 0, bytes(name), Nfs4.EXCLUSIVE4_1, NfsFs.mode(0640), verifier),
                new VoidArgs(OpNum.GETFH), new AccessArgs(Nfs4.ACCESS4_READ | Nfs4.ACCESS4_MODIFY),
                new GetattrArgs(LINUX_ATTRS)};
    }

    @Test
    void aCreateIsAnsweredFromItsChangeWithoutAWorker() throws Exception {
        MetadataService md = startLocal();
        Fid d = mkdir(md, "d");
        long before = md.getattr(d).change();

        Answer created;
        // the apply takes a while, so the change is surely not done when this thread has queued it
        Faults.arm("mds.apply.before_commit", new Faults.Fault(Faults.Kind.SLEEP, 1, false, 200));
        try {
            created = dispatched(linuxCreate(d, "new", 42));
        } finally {
            Faults.disarmAll();
        }
        assertAnsweredByTheChange(created);
        assertThat(created.thread()).as("the thread that applied the change").contains("StateMachineUpdater");
        assertThat(created.res().status()).isEqualTo(NFS4_OK);
        assertThat(created.res().results()).extracting(r -> r.opnum())
                .containsExactly(OpNum.SEQUENCE, OpNum.PUTFH, OpNum.OPEN, OpNum.GETFH, OpNum.ACCESS, OpNum.GETATTR);
        OpenRes open = created.res().results().get(2).body(OpenRes.class);
        long after = md.getattr(d).change();
        assertThat(open.cinfo()).isEqualTo(new ChangeInfo4(true, before, after));
        assertThat(after).isNotEqualTo(before);
        assertThat(Bitmap.isSet(open.attrset(), AttrNum.MODE)).as("the mode was set: Linux sends no SETATTR").isTrue();
        Fid f = md.lookup(Caller.ROOT, d, "new").fid();
        assertThat(md.getattr(f).mode() & 07777).isEqualTo(0640);
        assertThat(created.res().results().get(3).body(GetfhRes.class).fh()).isEqualTo(fh(f));
        assertThat(created.res().results().get(4).body(AccessRes.class).access())
                .isEqualTo(Nfs4.ACCESS4_READ | Nfs4.ACCESS4_MODIFY);
        // the GETATTR after it saw the file as it is now, the same as one run on its own
        CompoundRes now = allHere(new PutfhArgs(fh(f)), new GetattrArgs(LINUX_ATTRS));
        assertThat(XdrIo.toBytes(created.res().results().get(5))).isEqualTo(XdrIo.toBytes(now.results().get(2)));
        // the open is there: CLOSE with its stateid, as the creator's close(2) sends it
        CompoundRes closed = allHere(new PutfhArgs(fh(f)), new CloseArgs(0, open.stateid()));
        assertThat(closed.status()).isEqualTo(NFS4_OK);
    }

    @Test
    void aCreateThatFindsTheNameAnswersAsOnAWorker() throws Exception {
        MetadataService md = startLocal();
        Fid d = mkdir(md, "d");
        assertThat(dispatched(linuxCreate(d, "f", 7)).res().status()).isEqualTo(NFS4_OK);

        // the same exclusive create again (a retransmission after a lost reply): the file is opened, not made
        Answer again = dispatched(linuxCreate(d, "f", 7));
        assertAnsweredByTheChange(again);
        assertThat(again.res().status()).isEqualTo(NFS4_OK);
        assertThat(again.res().results().get(2).body(OpenRes.class).attrset()).isEmpty();
        assertThat(again.res().results().get(3).body(GetfhRes.class).fh()).isEqualTo(fh(md.lookup(Caller.ROOT, d, "f").fid()));

        OpArgs[][] failing = {linuxCreate(d, "f", 8),
                {new PutfhArgs(fh(d)), OpenArgs.create(new StateOwner4(clientid, bytes("creator")),
                        Nfs4.OPEN4_SHARE_ACCESS_BOTH, 0, bytes("f"), Nfs4.GUARDED4, NfsFs.mode(0644), 0),
                        new VoidArgs(OpNum.GETFH)},
                linuxCreate(Fid.ROOT, "d", 9)};
        for (OpArgs[] ops : failing) {
            Answer a = dispatched(ops);
            assertAnsweredByTheChange(a);
            assertThat(a.res().status()).isEqualTo(NFS4ERR_EXIST);
            assertSameAnswer(a, allHere(ops));
        }
        // d is root's, 0755: another user may not create in it
        RequestInfo user = new RequestInfo(new InetSocketAddress("127.0.0.1", 700), null, Nfs4.AUTH_SYS, 1000, 1000,
                new int[0]);
        Answer denied = dispatched(user, linuxCreate(d, "theirs", 10));
        assertAnsweredByTheChange(denied);
        assertThat(denied.res().status()).isEqualTo(NFS4ERR_ACCESS);
        assertThat(allHere(new PutfhArgs(fh(d)), new LookupArgs(bytes("theirs"))).status()).isEqualTo(NFS4ERR_NOENT);
    }

    /** Opens that do not create, and creates that may truncate (O_CREAT|O_TRUNC), run on a worker as before. */
    @Test
    void anOpenThatMayTruncateOrCreatesNothingGoesToAWorker() throws Exception {
        MetadataService md = startLocal();
        Fid d = mkdir(md, "d");
        Fid f = file(md, d, "f");
        service.context().io().write(f, 0, ByteBuffer.wrap(new byte[1000]), Durability.STABLE);
        StateOwner4 owner = new StateOwner4(clientid, bytes("opener"));

        Answer read = dispatched(new PutfhArgs(fh(d)), OpenArgs.byName(owner, Nfs4.OPEN4_SHARE_ACCESS_READ, 0,
                bytes("f")), new VoidArgs(OpNum.GETFH));
        assertOnWorker(read);
        assertThat(read.res().status()).isEqualTo(NFS4_OK);

        Fattr4 truncate = new Fattr4(Bitmap.of(AttrNum.SIZE), XdrIo.toBytes(x -> x.xdrEncodeLong(0)));
        Answer truncated = dispatched(new PutfhArgs(fh(d)), OpenArgs.create(owner, Nfs4.OPEN4_SHARE_ACCESS_BOTH, 0,
                bytes("f"), Nfs4.UNCHECKED4, truncate, 0), new VoidArgs(OpNum.GETFH));
        assertOnWorker(truncated);
        assertThat(truncated.res().status()).isEqualTo(NFS4_OK);
        assertThat(md.getattr(f).size()).isZero();
    }

    /** A REMOVE of a file open here hides it (a rename the blocking path makes), on a worker as before. */
    @Test
    void aRemoveOfAnOpenFileHidesItOnAWorker() throws Exception {
        MetadataService md = startLocal();
        Fid d = mkdir(md, "d");
        Answer opened = dispatched(new PutfhArgs(fh(d)), OpenArgs.create(new StateOwner4(clientid, bytes("o")),
                Nfs4.OPEN4_SHARE_ACCESS_BOTH, 0, bytes("open"), Nfs4.UNCHECKED4, NfsFs.mode(0644), 0),
                new VoidArgs(OpNum.GETFH));
        assertThat(opened.res().status()).isEqualTo(NFS4_OK);
        Fid f = md.lookup(Caller.ROOT, d, "open").fid();

        Answer removed = dispatched(new PutfhArgs(fh(d)), new RemoveArgs(bytes("open")));
        assertOnWorker(removed);
        assertThat(removed.res().status()).isEqualTo(NFS4_OK);
        assertThat(allHere(new PutfhArgs(fh(d)), new LookupArgs(bytes("open"))).status()).isEqualTo(NFS4ERR_NOENT);
        assertThat(md.getattr(f).nlink()).as("kept for its opener").isOne();
        assertThat(allHere(new PutfhArgs(fh(f)), new GetattrArgs(LINUX_ATTRS)).status()).isEqualTo(NFS4_OK);
    }

    @Test
    void aLongReadOnlyCompoundLeavesTheSelectorAfterItsShare() throws Exception {
        MetadataService md = startLocal();
        Fid d = mkdir(md, "d");
        file(md, d, "f");
        List<OpArgs> ops = new ArrayList<>();
        ops.add(new PutfhArgs(fh(d)));
        for (int i = 0; i < CompoundProcessor.INLINE_OPS + 4; i++) {
            ops.add(new GetattrArgs(Bitmap.of(AttrNum.TYPE, AttrNum.CHANGE, AttrNum.FILEID)));
        }
        OpArgs[] many = ops.toArray(OpArgs[]::new);
        Answer a = dispatched(many);
        assertOnWorker(a);
        assertThat(a.res().results()).hasSize(many.length + 1);
        assertSameAnswer(a, allHere(many));

        OpArgs[] share = ops.subList(0, CompoundProcessor.INLINE_OPS).toArray(OpArgs[]::new);
        assertThat(dispatched(share).handoffs()).as("exactly its share").isZero();
    }

    @Test
    void readsOfAMetadataServerElsewhereGoToAWorker() throws Exception {
        core = EmbeddedCore.start(dir);
        // the same MDS reached over gRPC, as from a gateway on another node: its reads wait on the network
        MetadataClient remote = MetadataClient.builder().peers(core.metadataServer().peers()).inProcess(false).build();
        opened.add(remote);
        assertThat(remote.localReads()).isFalse();
        start(remote);
        Fid d = mkdir(remote, "d");
        file(remote, d, "f");
        OpArgs[] stat = stat(d, "f");
        Answer a = dispatched(stat);
        assertOnWorker(a);
        assertSameAnswer(a, allHere(stat));
        // filehandle operations alone still need nothing of the MDS
        assertThat(dispatched(new PutfhArgs(fh(d)), new VoidArgs(OpNum.GETFH)).handoffs()).isZero();
    }
}
