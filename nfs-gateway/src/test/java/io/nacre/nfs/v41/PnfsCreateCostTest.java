package io.nacre.nfs.v41;

import static io.nacre.nfs.v41.NfsFs.bytes;
import static io.nacre.nfs.v41.NfsTestClient.ok;
import static io.nacre.nfs.v41.NfsTestClient.result;
import static io.nacre.nfs.v41.xdr.Nfs4Status.NFS4ERR_LAYOUTTRYLATER;
import static io.nacre.nfs.v41.xdr.Nfs4Status.NFS4_OK;
import static org.assertj.core.api.Assertions.assertThat;

import io.nacre.engine.Caller;
import io.nacre.engine.Fid;
import io.nacre.engine.io.FileIo;
import io.nacre.engine.layout.LayoutTemplate;
import io.nacre.engine.meta.CreateSpec;
import io.nacre.engine.meta.MetadataService;
import io.nacre.meta.testkit.EmbeddedCore;
import io.nacre.meta.testkit.RecordingMetadata;
import io.nacre.nfs.NfsServer;
import io.nacre.nfs.export.ExportTable;
import io.nacre.nfs.v41.attr.AttrNum;
import io.nacre.nfs.v41.attr.Bitmap;
import io.nacre.nfs.v41.pnfs.PnfsOptions;
import io.nacre.nfs.v41.xdr.AccessArgs;
import io.nacre.nfs.v41.xdr.CloseArgs;
import io.nacre.nfs.v41.xdr.CompoundRes;
import io.nacre.nfs.v41.xdr.GetattrArgs;
import io.nacre.nfs.v41.xdr.FileLayout4;
import io.nacre.nfs.v41.xdr.GetfhRes;
import io.nacre.nfs.v41.xdr.IntRes;
import io.nacre.nfs.v41.xdr.LayoutGetArgs;
import io.nacre.nfs.v41.xdr.LayoutGetRes;
import io.nacre.nfs.v41.xdr.Nfs4;
import io.nacre.nfs.v41.xdr.Nfs4Status;
import io.nacre.nfs.v41.xdr.OpNum;
import io.nacre.nfs.v41.xdr.OpRes;
import io.nacre.nfs.v41.xdr.OpenArgs;
import io.nacre.nfs.v41.xdr.OpenRes;
import io.nacre.nfs.v41.xdr.StateOwner4;
import io.nacre.nfs.v41.xdr.Stateid4;
import io.nacre.nfs.v41.xdr.VoidArgs;
import io.nacre.nfs.v41.xdr.XdrIo;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What creating a file costs the metadata service with pNFS on, as Linux creates one (touch, open(2) with
 * O_CREAT): its OPEN compound carries a LAYOUTGET. Counted are the gateway's calls to the real MDS, recorded
 * on their way, and the Raft log entries the MDS applied: one per create (the create makes the first
 * component's objects in the same entry), none for the layout, asked again at the first write.
 */
class PnfsCreateCostTest {

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
        Map<Integer, InetSocketAddress> byOst = new HashMap<>();
        for (int ost = 0; ost < EmbeddedCore.DEFAULT_OSTS; ost++) {
            // the metadata server only names the data servers in its device addresses; none is called here
            byOst.put(ost, new InetSocketAddress("127.0.0.1", 2049 + ost));
        }
        fileIo = new FileIo(md, core.objects());
        server = NfsServer.builder(md, fileIo).port(0)
                .exports(ExportTable.parse("/ 127.0.0.1(rw,no_root_squash)")).leaseTime(Duration.ofSeconds(5))
                .pnfs(PnfsOptions.dataServers(byOst)).build().start();
        Fid striped = core.metadata().create(Caller.ROOT, Fid.ROOT, "striped", CreateSpec.directory(0777)).attr().fid();
        core.metadata().setDefaultLayout(Caller.ROOT, striped, LayoutTemplate.of(4, 64 * 1024, ""));
        client = NfsTestClient.connect(server.address()).mount("creator");
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

    /** OPEN(create) as Linux composes it for open(2) with O_CREAT|O_EXCL|O_WRONLY, with the layout asked in it. */
    private CompoundRes createWithLayoutGet(NfsFs fs, byte[] dirFh, String name) throws Exception {
        StateOwner4 owner = new StateOwner4(client.clientid(), bytes("creator-open-owner"));
        // EXCLUSIVE4_1 with its attributes, then the LAYOUTGET of the new file on the current stateid
        // (fs/nfs/pnfs.c, lgopen)
        return fs.onFh(dirFh,
                new OpenArgs(0, Nfs4.OPEN4_SHARE_ACCESS_WRITE, 0, owner, Nfs4.OPEN4_CREATE, Nfs4.EXCLUSIVE4_1,
                        NfsFs.mode(0644), 0x5eed_0000L + name.hashCode(), Nfs4.CLAIM_NULL, bytes(name), 0, null),
                new VoidArgs(OpNum.GETFH), new AccessArgs(0x3f),
                new GetattrArgs(Bitmap.of(AttrNum.TYPE, AttrNum.SIZE, AttrNum.CHANGE)),
                new LayoutGetArgs(false, Nfs4.LAYOUT4_NFSV4_1_FILES, Nfs4.LAYOUTIOMODE4_RW, 0, -1L, 0,
                        Stateid4.CURRENT, 1 << 16));
    }

    @Test
    void aCreateWithTheLayoutGetLinuxSendsInItsOpenIsOneReplicatedChangeAndNoLayoutRead() throws Exception {
        NfsFs fs = new NfsFs(client, "creator-open-owner");
        byte[] dirFh = fs.lookup(fs.root(), "striped");
        for (int i = 0; i < 3; i++) {
            String name = "f" + i;
            CompoundRes[] open = new CompoundRes[1];
            MdsCost create = measure(() -> open[0] = createWithLayoutGet(fs, dirFh, name));

            // the file is made and opened; the layout is refused for now, as a result Linux ignores
            assertThat(Nfs4Status.name(open[0].status())).isEqualTo("NFS4ERR_LAYOUTTRYLATER");
            assertThat(open[0].results()).extracting(OpRes::status)
                    .containsExactly(NFS4_OK, NFS4_OK, NFS4_OK, NFS4_OK, NFS4_OK, NFS4_OK, NFS4ERR_LAYOUTTRYLATER);
            assertThat(result(open[0], OpNum.LAYOUTGET).body(IntRes.class).value())
                    .as("logr_will_signal_layout_avail").isZero();
            assertThat(create.commits()).as("Raft entries of the OPEN(create)+LAYOUTGET compound of %s: %s", name,
                    create.calls()).isEqualTo(1);
            assertThat(create.calls()).as("MDS calls of the create of %s", name).containsAnyOf("create", "createAsync")
                    .doesNotContain("layout", "instantiate");

            // touch's close: no layout to return, nothing asked of the MDS or the OSTs
            byte[] fh = result(open[0], OpNum.GETFH).body(GetfhRes.class).fh();
            Stateid4 openState = result(open[0], OpNum.OPEN).body(OpenRes.class).stateid();
            MdsCost close = measure(() -> ok(fs.onFh(fh, new CloseArgs(0, openState))));
            assertThat(close.commits()).as("Raft entries of the CLOSE of a file never written: %s", close.calls())
                    .isZero();
            assertThat(close.calls()).as("MDS calls of the CLOSE").isEmpty();
        }
    }

    @Test
    void aNewFileWrittenGetsItsWriteLayoutAtItsFirstWriteWithoutAnotherReplicatedChange() throws Exception {
        NfsFs fs = new NfsFs(client, "creator-open-owner");
        byte[] dirFh = fs.lookup(fs.root(), "striped");
        CompoundRes open = createWithLayoutGet(fs, dirFh, "written");
        byte[] fh = result(open, OpNum.GETFH).body(GetfhRes.class).fh();
        Stateid4 openState = result(open, OpNum.OPEN).body(OpenRes.class).stateid();

        // the LAYOUTGET Linux sends before its first write (pnfs_update_layout): the create made the objects
        LayoutGetRes[] lg = new LayoutGetRes[1];
        MdsCost get = measure(() -> lg[0] = result(ok(fs.onFh(fh, new LayoutGetArgs(false, Nfs4.LAYOUT4_NFSV4_1_FILES,
                Nfs4.LAYOUTIOMODE4_RW, 0, -1L, 0, openState, 1 << 16))), OpNum.LAYOUTGET).body(LayoutGetRes.class));
        assertThat(lg[0].layouts()).hasSize(1);
        assertThat(lg[0].layouts().get(0).iomode()).isEqualTo(Nfs4.LAYOUTIOMODE4_RW);
        FileLayout4 body = FileLayout4.decode(XdrIo.decoder(lg[0].layouts().get(0).body()));
        assertThat(body.fhs()).as("one data-server handle per stripe").hasSize(4);
        assertThat(get.commits()).as("Raft entries of the LAYOUTGET at the first write: %s", get.calls()).isZero();
        assertThat(get.calls()).doesNotContain("instantiate");

        // an OPEN without create of the same file in one compound with a LAYOUTGET is granted at once
        StateOwner4 other = new StateOwner4(client.clientid(), bytes("second-open-owner"));
        CompoundRes reopen = ok(fs.onFh(dirFh, OpenArgs.byName(other, Nfs4.OPEN4_SHARE_ACCESS_WRITE, 0,
                bytes("written")), new LayoutGetArgs(false, Nfs4.LAYOUT4_NFSV4_1_FILES, Nfs4.LAYOUTIOMODE4_RW, 0, -1L,
                0, Stateid4.CURRENT, 1 << 16)));
        assertThat(result(reopen, OpNum.LAYOUTGET).body(LayoutGetRes.class).layouts()).hasSize(1);
    }
}
