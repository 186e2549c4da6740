package io.nacre.nfs.v41;

import static io.nacre.nfs.v41.NfsFs.bytes;
import static io.nacre.nfs.v41.NfsTestClient.ok;
import static io.nacre.nfs.v41.NfsTestClient.result;

import io.nacre.engine.Caller;
import io.nacre.engine.Fid;
import io.nacre.engine.io.FileIo;
import io.nacre.engine.meta.CreateSpec;
import io.nacre.meta.testkit.EmbeddedCore;
import io.nacre.nfs.NfsServer;
import io.nacre.nfs.export.ExportTable;
import io.nacre.nfs.v41.attr.AttrNum;
import io.nacre.nfs.v41.attr.Bitmap;
import io.nacre.nfs.v41.pnfs.PnfsOptions;
import io.nacre.nfs.v41.xdr.AccessArgs;
import io.nacre.nfs.v41.xdr.CloseArgs;
import io.nacre.nfs.v41.xdr.CompoundRes;
import io.nacre.nfs.v41.xdr.GetattrArgs;
import io.nacre.nfs.v41.xdr.GetfhRes;
import io.nacre.nfs.v41.xdr.LayoutGetArgs;
import io.nacre.nfs.v41.xdr.LayoutGetRes;
import io.nacre.nfs.v41.xdr.LayoutReturnArgs;
import io.nacre.nfs.v41.xdr.Nfs4;
import io.nacre.nfs.v41.xdr.OpArgs;
import io.nacre.nfs.v41.xdr.OpNum;
import io.nacre.nfs.v41.xdr.OpRes;
import io.nacre.nfs.v41.xdr.OpenArgs;
import io.nacre.nfs.v41.xdr.OpenRes;
import io.nacre.nfs.v41.xdr.PutfhArgs;
import io.nacre.nfs.v41.xdr.StateOwner4;
import io.nacre.nfs.v41.xdr.Stateid4;
import io.nacre.nfs.v41.xdr.VoidArgs;
import io.nacre.ost.oss.OssServer;
import io.nacre.ost.oss.RemoteObjectStore;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What pNFS adds to creating empty files (the guest workload's big-directory step): open(2) with O_CREAT
 * then close(2), one file at a time, with the compounds Linux sends: OPEN(create)+GETFH+ACCESS+GETATTR,
 * then CLOSE (the baseline, pNFS off); and the same OPEN with the LAYOUTGET of layoutget-on-open, then
 * LAYOUTRETURN+CLOSE when a layout was granted (pNFS on). The metadata server reaches the OSTs through an
 * OSS over HTTP/2, as on a cluster node. Prints a table and the ratio pnfs/off (1.0x: pNFS adds nothing).
 *
 * <p>Run: {@code ./mvnw -B -Pbench -pl nfs-gateway -am verify -Dtest=PnfsCreateBench}. System properties:
 * bench.files (1000), bench.rounds (3: the first warms up and is not shown).
 */
@Tag("bench")
class PnfsCreateBench {

    private static final int FILES = Integer.getInteger("bench.files", 1000);
    private static final int ROUNDS = Integer.getInteger("bench.rounds", 3);

    @TempDir
    Path dir;

    @Test
    void createsWithAndWithoutLayoutGetOnOpen() throws Exception {
        try (EmbeddedCore core = EmbeddedCore.start(dir);
             OssServer oss = OssServer.builder(core.objects()).build().start();
             RemoteObjectStore remote = RemoteObjectStore.builder(oss.uri()).callTimeout(Duration.ofSeconds(10))
                     .build();
             FileIo io = new FileIo(core.metadata(), remote)) {
            Map<Integer, InetSocketAddress> byOst = new HashMap<>();
            for (int ost = 0; ost < EmbeddedCore.DEFAULT_OSTS; ost++) {
                byOst.put(ost, new InetSocketAddress("127.0.0.1", 2050 + ost)); // named in devices, never called
            }
            try (NfsServer server = NfsServer.builder(core.metadata(), io).port(0)
                    .exports(ExportTable.parse("/ 127.0.0.1(rw,no_root_squash)")).leaseTime(Duration.ofSeconds(30))
                    .pnfs(PnfsOptions.dataServers(byOst).withGlimpseTimeout(Duration.ofSeconds(10))).build().start();
                 NfsTestClient c = NfsTestClient.connect(server.address()).mount("bench")) {
                core.metadata().create(Caller.ROOT, Fid.ROOT, "bigdir", CreateSpec.directory(0777));
                NfsFs fs = new NfsFs(c, "bench-open-owner");
                byte[] bigdir = fs.lookup(fs.root(), "bigdir");
                StateOwner4 owner = new StateOwner4(c.clientid(), bytes("bench-open-owner"));
                StringBuilder out = new StringBuilder(String.format(Locale.ROOT,
                        "%nempty files created and closed one at a time (%d per round)%n%-6s %14s %14s %8s%n",
                        FILES, "round", "off (us/file)", "pnfs (us/file)", "ratio"));
                for (int round = 0; round < ROUNDS; round++) {
                    double off = createAll(c, bigdir, owner, "off" + round, false);
                    double pnfs = createAll(c, bigdir, owner, "pnfs" + round, true);
                    if (round > 0) {
                        out.append(String.format(Locale.ROOT, "%-6d %14.0f %14.0f %7.2fx%n", round, off, pnfs,
                                pnfs / off));
                    }
                }
                System.out.println(out);
            }
        }
    }

    /** Creates and closes FILES files; microseconds per file. */
    private static double createAll(NfsTestClient c, byte[] dir, StateOwner4 owner, String prefix, boolean layoutGet)
            throws Exception {
        long t0 = System.nanoTime();
        for (int i = 0; i < FILES; i++) {
            List<OpArgs> open = new ArrayList<>(List.of(new PutfhArgs(dir),
                    new OpenArgs(0, Nfs4.OPEN4_SHARE_ACCESS_WRITE, 0, owner, Nfs4.OPEN4_CREATE, Nfs4.EXCLUSIVE4_1,
                            NfsFs.mode(0644), i, Nfs4.CLAIM_NULL, bytes(prefix + "-" + i), 0, null),
                    new VoidArgs(OpNum.GETFH), new AccessArgs(0x3f),
                    new GetattrArgs(Bitmap.of(AttrNum.TYPE, AttrNum.SIZE, AttrNum.CHANGE))));
            if (layoutGet) {
                open.add(new LayoutGetArgs(false, Nfs4.LAYOUT4_NFSV4_1_FILES, Nfs4.LAYOUTIOMODE4_RW, 0, -1L, 0,
                        Stateid4.CURRENT, 1 << 16));
            }
            CompoundRes r = c.call(open.toArray(OpArgs[]::new));
            List<OpArgs> close = new ArrayList<>(List.of(new PutfhArgs(result(r, OpNum.GETFH).body(GetfhRes.class).fh())));
            OpRes lg = layoutGet ? result(r, OpNum.LAYOUTGET) : null;
            if (lg != null && lg.isOk()) {
                close.add(new LayoutReturnArgs(false, Nfs4.LAYOUT4_NFSV4_1_FILES, Nfs4.LAYOUTIOMODE4_ANY,
                        Nfs4.LAYOUTRECALL4_FILE, 0, -1L, lg.body(LayoutGetRes.class).stateid(), new byte[0]));
            }
            close.add(new CloseArgs(0, result(r, OpNum.OPEN).body(OpenRes.class).stateid()));
            ok(c.call(close.toArray(OpArgs[]::new)));
        }
        return (System.nanoTime() - t0) / 1000.0 / FILES;
    }
}
