package io.nacre.nfs.v41;

import static io.nacre.nfs.v41.NfsFs.bytes;
import static io.nacre.nfs.v41.NfsTestClient.ok;
import static io.nacre.nfs.v41.NfsTestClient.result;
import static org.assertj.core.api.Assertions.assertThat;

import io.nacre.engine.Caller;
import io.nacre.engine.Fid;
import io.nacre.engine.io.Destroyer;
import io.nacre.engine.io.FileIo;
import io.nacre.engine.meta.CreateSpec;
import io.nacre.engine.meta.MetadataService;
import io.nacre.meta.testkit.EmbeddedCore;
import io.nacre.meta.testkit.RecordingMetadata;
import io.nacre.nfs.NfsServer;
import io.nacre.nfs.export.ExportTable;
import io.nacre.nfs.v41.attr.AttrNum;
import io.nacre.nfs.v41.attr.Bitmap;
import io.nacre.nfs.v41.xdr.AccessArgs;
import io.nacre.nfs.v41.xdr.CloseArgs;
import io.nacre.nfs.v41.xdr.CompoundRes;
import io.nacre.nfs.v41.xdr.GetattrArgs;
import io.nacre.nfs.v41.xdr.GetfhRes;
import io.nacre.nfs.v41.xdr.LookupArgs;
import io.nacre.nfs.v41.xdr.Nfs4;
import io.nacre.nfs.v41.xdr.OpNum;
import io.nacre.nfs.v41.xdr.OpenArgs;
import io.nacre.nfs.v41.xdr.OpenRes;
import io.nacre.nfs.v41.xdr.RemoveArgs;
import io.nacre.nfs.v41.xdr.StateOwner4;
import io.nacre.nfs.v41.xdr.Stateid4;
import io.nacre.nfs.v41.xdr.VoidArgs;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the kernel-client bench's operations cost the metadata service without pNFS, in the compounds Linux
 * sends for them: create (open(2) with O_CREAT|O_EXCL, then close(2)), stat of a name not cached, unlink.
 * Counted are the gateway's calls to the real MDS, recorded on their way, and the Raft log entries the MDS
 * applied. Each change is one entry and nothing else is: the CLOSE of a file never written writes nothing,
 * and the objects of removed files are destroyed by the destroyer's pass, whose acknowledgement is one entry
 * for all the files it found.
 */
class MetadataCostTest {

    /** What Linux asks of a file after OPEN, LOOKUP and CLOSE (nfs4_fattr_bitmap). */
    private static final int[] LINUX_ATTRS = Bitmap.of(AttrNum.TYPE, AttrNum.CHANGE, AttrNum.SIZE, AttrNum.FSID,
            AttrNum.FILEID, AttrNum.MODE, AttrNum.NUMLINKS, AttrNum.OWNER, AttrNum.OWNER_GROUP, AttrNum.RAWDEV,
            AttrNum.SPACE_USED, AttrNum.TIME_ACCESS, AttrNum.TIME_METADATA, AttrNum.TIME_MODIFY,
            AttrNum.MOUNTED_ON_FILEID);

    @TempDir
    Path dir;

    private EmbeddedCore core;
    private FileIo fileIo;
    private NfsServer server;
    private NfsTestClient client;
    private final List<String> calls = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() throws Exception {
        core = EmbeddedCore.start(dir);
        MetadataService md = RecordingMetadata.of(core.metadata(), calls);
        fileIo = new FileIo(md, core.objects());
        server = NfsServer.builder(md, fileIo).port(0)
                .exports(ExportTable.parse("/ 127.0.0.1(rw,no_root_squash)")).leaseTime(Duration.ofSeconds(5))
                .build().start();
        client = NfsTestClient.connect(server.address()).mount("cost");
    }

    @AfterEach
    void stop() throws Exception {
        client.close();
        server.close();
        fileIo.close();
        core.close();
    }

    private MdsCost measure(MdsCost.Step step) throws Exception {
        return MdsCost.measure(calls, core, step);
    }

    @Test
    void aCreateIsOneEntryItsCloseAndStatNoneAndAnUnlinkOne() throws Exception {
        NfsFs fs = new NfsFs(client, "owner");
        byte[] d = fs.mkdir(fs.root(), "d", 0755);
        Fid dirFid = core.metadata().lookup(Caller.ROOT, Fid.ROOT, "d").fid();
        StateOwner4 owner = new StateOwner4(client.clientid(), bytes("creator"));
        int files = 3;
        for (int i = 0; i < files; i++) {
            String name = "f" + i;
            CompoundRes[] open = new CompoundRes[1];
            MdsCost create = measure(() -> open[0] = ok(fs.onFh(d, OpenArgs.create(owner, Nfs4.OPEN4_SHARE_ACCESS_WRITE,
                    0, bytes(name), Nfs4.EXCLUSIVE4_1, NfsFs.mode(0644), 0x5eedL + name.hashCode()), new VoidArgs(OpNum.GETFH),
                    new AccessArgs(0x3f), new GetattrArgs(LINUX_ATTRS))));
            assertThat(create.commits()).as("Raft entries of the OPEN(create) of %s: %s", name, create.calls())
                    .isEqualTo(1);
            // ACCESS and GETATTR answered from the attributes the create returned
            assertThat(create.calls()).as("MDS calls of the OPEN(create) of %s", name).hasSize(1)
                    .first().asString().startsWith("create");

            byte[] fh = result(open[0], OpNum.GETFH).body(GetfhRes.class).fh();
            Stateid4 st = result(open[0], OpNum.OPEN).body(OpenRes.class).stateid();
            MdsCost close = measure(() -> ok(fs.onFh(fh, new CloseArgs(0, st), new GetattrArgs(LINUX_ATTRS))));
            assertThat(close.commits()).as("Raft entries of the CLOSE of a file never written").isZero();
            assertThat(close.calls()).as("MDS calls of the CLOSE+GETATTR").containsExactly("getattr");
        }

        for (int i = 0; i < files; i++) {
            String name = "f" + i;
            MdsCost stat = measure(() -> ok(fs.onFh(d, new LookupArgs(bytes(name)), new VoidArgs(OpNum.GETFH),
                    new GetattrArgs(LINUX_ATTRS))));
            assertThat(stat.commits()).isZero();
            assertThat(stat.calls()).as("MDS calls of a stat").containsExactly("lookup");
        }

        for (int i = 0; i < files; i++) {
            String name = "f" + i;
            MdsCost unlink = measure(() -> ok(fs.onFh(d, new RemoveArgs(bytes(name)))));
            assertThat(unlink.commits()).as("Raft entries of the REMOVE of %s", name).isEqualTo(1);
            assertThat(unlink.calls()).as("MDS calls of the REMOVE").hasSize(1).first().asString()
                    .startsWith("remove");
        }
        assertThat(core.metadata().pendingDestroys(100)).as("the removed files' objects, queued")
                .hasSizeGreaterThanOrEqualTo(files);

        // the destroyer's pass over the queue: one entry acknowledges every destroy it performed
        try (Destroyer destroyer = new Destroyer(fileIo)) {
            MdsCost pass = measure(destroyer::runOnce);
            assertThat(pass.commits()).as("Raft entries of the destroyer's pass").isEqualTo(1);
        }
        assertThat(core.metadata().pendingDestroys(100)).isEmpty();
        assertThat(core.metadata().readdir(Caller.ROOT, dirFid, 0, 100).entries()).isEmpty();
    }
}
