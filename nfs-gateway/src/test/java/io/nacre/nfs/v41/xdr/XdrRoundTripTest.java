package io.nacre.nfs.v41.xdr;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.dcache.oncrpc4j.xdr.Xdr;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class XdrRoundTripTest {

    private static final Stateid4 SID = new Stateid4(7, 0x1234, 0x0102030405060708L);
    private static final StateOwner4 OWNER = new StateOwner4(0xabcdefL, "owner-1".getBytes(StandardCharsets.UTF_8));
    private static final Fattr4 ATTRS = new Fattr4(new int[] {0x10, 0x2}, new byte[] {0, 0, 1, 0xa4 - 256});
    private static final SessionId4 SESSION = new SessionId4(0x1122334455667788L, 0x99aabbccddeeff00L);
    private static final ChannelAttrs4 CHANNEL = new ChannelAttrs4(0, 1 << 20, 1 << 20, 8192, 16, 64);

    static Stream<OpArgs> allArgs() {
        return Stream.of(
                new AccessArgs(0x3f),
                new CloseArgs(0, SID),
                new CommitArgs(4096, 65536),
                new CreateArgs(Nfs4.NF4DIR, null, 0, 0, bytes("dir"), ATTRS),
                new CreateArgs(Nfs4.NF4LNK, bytes("../target"), 0, 0, bytes("link"), Fattr4.EMPTY),
                new CreateArgs(Nfs4.NF4CHR, null, 4, 64, bytes("tty"), ATTRS),
                new DelegReturnArgs(SID),
                new GetattrArgs(new int[] {0x0010011a, 0x00b0a23a}),
                new LinkArgs(bytes("hard")),
                new LockArgs(Nfs4.WRITE_LT, false, 0, -1L, new LockArgs.OpenToLockOwner(0, SID, 0, OWNER), null),
                new LockArgs(Nfs4.READ_LT, true, 100, 200, null, new LockArgs.ExistLockOwner(SID, 3)),
                new LocktArgs(Nfs4.WRITE_LT, 5, 10, OWNER),
                new LockuArgs(Nfs4.READ_LT, 1, SID, 0, -1L),
                new LookupArgs(bytes("name")),
                new VerifyArgs(OpNum.VERIFY, ATTRS),
                new VerifyArgs(OpNum.NVERIFY, ATTRS),
                OpenArgs.byName(OWNER, 1, 0, bytes("file")),
                OpenArgs.create(OWNER, 3, 0, bytes("new"), Nfs4.GUARDED4, ATTRS, 0),
                OpenArgs.create(OWNER, 3, 0, bytes("excl"), Nfs4.EXCLUSIVE4_1, ATTRS, 0x55aa55aa55aa55aaL),
                OpenArgs.create(OWNER, 2, 0, bytes("excl0"), Nfs4.EXCLUSIVE4, null, 42),
                new OpenArgs(0, 1, 0, OWNER, Nfs4.OPEN4_NOCREATE, 0, null, 0, Nfs4.CLAIM_PREVIOUS, null, 0, null),
                new OpenArgs(0, 1, 0, OWNER, Nfs4.OPEN4_NOCREATE, 0, null, 0, Nfs4.CLAIM_FH, null, 0, null),
                new OpenArgs(0, 1, 0, OWNER, Nfs4.OPEN4_NOCREATE, 0, null, 0, Nfs4.CLAIM_DELEGATE_CUR, bytes("d"), 0,
                        SID),
                new OpenDowngradeArgs(SID, 0, 1, 0),
                new PutfhArgs(new byte[28]),
                new ReadArgs(SID, 1L << 40, 1 << 20),
                new ReaddirArgs(0, 0, 8192, 32768, new int[] {0x1a, 0xb0a23a}),
                new RemoveArgs(bytes("gone")),
                new RenameArgs(bytes("a"), bytes("b")),
                new SecinfoArgs(bytes("x")),
                new SetattrArgs(Stateid4.ANONYMOUS, ATTRS),
                new WriteArgs(SID, 12345, Nfs4.UNSTABLE4, ByteBuffer.wrap(bytes("hello, world"))),
                new BackchannelCtlArgs(0x40000000, List.of(CallbackSecParms4.none(),
                        CallbackSecParms4.sys(1, "host", 0, 0, new int[] {1, 2}))),
                new BindConnToSessionArgs(SESSION, Nfs4.CDFC4_BACK_OR_BOTH, false),
                new ExchangeIdArgs(0x0102030405060708L, bytes("Linux NFSv4.1 client"), 0x101, Nfs4.SP4_NONE,
                        new int[0], new int[0], List.of(new ImplId4("kernel.org", "Linux 6.12", new NfsTime4(0, 0)))),
                new ExchangeIdArgs(1, bytes("mach"), 0, Nfs4.SP4_MACH_CRED, new int[] {1}, new int[] {2}, List.of()),
                new CreateSessionArgs(77, 1, 3, CHANNEL, CHANNEL, 0x40000000,
                        List.of(CallbackSecParms4.sys(0, "client", 0, 0, new int[0]))),
                new DestroySessionArgs(SESSION),
                new FreeStateidArgs(SID),
                new SecinfoNoNameArgs(Nfs4.SECINFO_STYLE4_CURRENT_FH),
                new SequenceArgs(SESSION, 1, 0, 63, true),
                new TestStateidArgs(List.of(SID, Stateid4.ANONYMOUS)),
                new DestroyClientidArgs(99),
                new ReclaimCompleteArgs(false),
                new VoidArgs(OpNum.PUTROOTFH),
                new VoidArgs(OpNum.GETFH),
                new LayoutGetArgs(false, Nfs4.LAYOUT4_NFSV4_1_FILES, Nfs4.LAYOUTIOMODE4_RW, 0, -1L, 4096, SID, 65536),
                new LayoutReturnArgs(false, Nfs4.LAYOUT4_NFSV4_1_FILES, Nfs4.LAYOUTIOMODE4_ANY,
                        Nfs4.LAYOUTRECALL4_FILE, 0, -1L, SID, new byte[0]),
                new LayoutReturnArgs(true, Nfs4.LAYOUT4_NFSV4_1_FILES, Nfs4.LAYOUTIOMODE4_ANY, Nfs4.LAYOUTRECALL4_ALL,
                        0, 0, null, null),
                new LayoutCommitArgs(0, 8192, false, SID, 8191L, new NfsTime4(5, 6), Nfs4.LAYOUT4_NFSV4_1_FILES,
                        new byte[0]),
                new LayoutCommitArgs(0, 8192, false, SID, null, null, Nfs4.LAYOUT4_NFSV4_1_FILES, new byte[] {1}),
                new GetDeviceInfoArgs(new DeviceId4(1, 2), Nfs4.LAYOUT4_NFSV4_1_FILES, 4096, new int[] {6}),
                new GetDeviceListArgs(Nfs4.LAYOUT4_NFSV4_1_FILES, 16, 0, 0));
    }

    @ParameterizedTest
    @MethodSource("allArgs")
    void argumentsSurviveEncodeDecodeEncode(OpArgs args) throws Exception {
        byte[] first = XdrIo.toBytes(args);
        OpArgs back = OpArgs.decode(args.opnum(), XdrIo.decoder(first));
        assertThat(back).isNotNull();
        assertThat(XdrIo.toBytes(back)).isEqualTo(first);
    }

    static Stream<OpRes> allResults() {
        ChangeInfo4 ci = new ChangeInfo4(true, 5, 6);
        return Stream.of(
                OpRes.ok(OpNum.ACCESS, new AccessRes(0x1f, 0x3)),
                OpRes.ok(OpNum.CLOSE, new StateidRes(Stateid4.INVALID)),
                OpRes.ok(OpNum.COMMIT, new CommitRes(0xfeedL)),
                OpRes.ok(OpNum.CREATE, new CreateRes(ci, new int[] {2})),
                OpRes.ok(OpNum.GETATTR, new GetattrRes(ATTRS)),
                OpRes.ok(OpNum.GETFH, new GetfhRes(new byte[] {1, 2, 3, 4, 5})),
                OpRes.ok(OpNum.LINK, new ChangeInfoRes(ci)),
                OpRes.ok(OpNum.LOCK, new StateidRes(SID)),
                new OpRes(OpNum.LOCK, Nfs4Status.NFS4ERR_DENIED, new LockDenied(0, -1L, Nfs4.WRITE_LT, OWNER)),
                new OpRes(OpNum.LOCKT, Nfs4Status.NFS4ERR_DENIED, new LockDenied(10, 20, Nfs4.READ_LT, OWNER)),
                OpRes.ok(OpNum.LOCKT),
                OpRes.ok(OpNum.OPEN, new OpenRes(SID, ci, Nfs4.OPEN4_RESULT_LOCKTYPE_POSIX, new int[0],
                        Nfs4.OPEN_DELEGATE_NONE, 0)),
                OpRes.ok(OpNum.OPEN, new OpenRes(SID, ci, 0, new int[] {0, 2}, Nfs4.OPEN_DELEGATE_NONE_EXT,
                        Nfs4.WND4_RESOURCE)),
                OpRes.ok(OpNum.READ, new ReadRes(true, ByteBuffer.wrap(bytes("data!")))),
                OpRes.ok(OpNum.READDIR, new ReaddirRes(9, List.of(new ReaddirRes.Entry(3, bytes("a"), ATTRS),
                        new ReaddirRes.Entry(4, bytes("bb"), Fattr4.EMPTY)), true)),
                OpRes.ok(OpNum.READLINK, new ReadlinkRes(bytes("/etc/passwd"))),
                OpRes.ok(OpNum.RENAME, new RenameRes(ci, ci)),
                OpRes.ok(OpNum.SECINFO, new SecinfoRes(List.of(SecinfoRes.Flavor.of(Nfs4.AUTH_SYS)))),
                OpRes.ok(OpNum.SETATTR, new SetattrRes(new int[] {0x10})),
                OpRes.error(OpNum.SETATTR, Nfs4Status.NFS4ERR_PERM),
                OpRes.ok(OpNum.WRITE, new WriteRes(4096, Nfs4.FILE_SYNC4, 77)),
                OpRes.ok(OpNum.BIND_CONN_TO_SESSION, new BindConnToSessionRes(SESSION, Nfs4.CDFS4_BOTH, false)),
                OpRes.ok(OpNum.EXCHANGE_ID, new ExchangeIdRes(5, 1, Nfs4.EXCHGID4_FLAG_USE_NON_PNFS, Nfs4.SP4_NONE,
                        new int[0], new int[0], 0, bytes("nacre"), bytes("scope"),
                        List.of(new ImplId4("nacre.io", "Nacre", new NfsTime4(1, 2))))),
                OpRes.ok(OpNum.CREATE_SESSION, new CreateSessionRes(SESSION, 1, 2, CHANNEL, CHANNEL)),
                OpRes.ok(OpNum.SEQUENCE, new SequenceRes(SESSION, 1, 0, 63, 63, 0)),
                OpRes.ok(OpNum.TEST_STATEID, new TestStateidRes(new int[] {0, Nfs4Status.NFS4ERR_BAD_STATEID})),
                OpRes.error(OpNum.OPEN, Nfs4Status.NFS4ERR_NOENT),
                OpRes.ok(OpNum.LAYOUTGET, new LayoutGetRes(true, SID, List.of(new Layout4(0, -1L,
                        Nfs4.LAYOUTIOMODE4_RW, Nfs4.LAYOUT4_NFSV4_1_FILES, XdrIo.toBytes(new FileLayout4(
                                new DeviceId4(3, 4), 1 << 20 | FileLayout4.NFL4_UFLG_DENSE, 0, 0,
                                List.of(new byte[28], new byte[28]))))))),
                new OpRes(OpNum.LAYOUTGET, Nfs4Status.NFS4ERR_LAYOUTTRYLATER, new IntRes(0)),
                OpRes.ok(OpNum.LAYOUTRETURN, new LayoutReturnRes(SID)),
                OpRes.ok(OpNum.LAYOUTRETURN, new LayoutReturnRes(null)),
                OpRes.ok(OpNum.LAYOUTCOMMIT, new LayoutCommitRes(12345L)),
                OpRes.ok(OpNum.GETDEVICEINFO, new GetDeviceInfoRes(Nfs4.LAYOUT4_NFSV4_1_FILES,
                        XdrIo.toBytes(new FileLayoutDsAddr4(new int[] {0, 1}, List.of(
                                List.of(new FileLayoutDsAddr4.NetAddr4("tcp", "127.0.0.1.8.1")),
                                List.of(new FileLayoutDsAddr4.NetAddr4("tcp", "127.0.0.1.8.2"))))), new int[0])),
                new OpRes(OpNum.GETDEVICEINFO, Nfs4Status.NFS4ERR_TOOSMALL, new IntRes(200)),
                OpRes.ok(OpNum.GETDEVICELIST, new GetDeviceListRes(0, 1, List.of(new DeviceId4(5, 6)), true)),
                OpRes.ok(OpNum.PUTROOTFH));
    }

    @ParameterizedTest
    @MethodSource("allResults")
    void resultsSurviveEncodeDecodeEncode(OpRes res) throws Exception {
        byte[] first = XdrIo.toBytes(res);
        OpRes back = OpRes.decode(XdrIo.decoder(first));
        assertThat(back.opnum()).isEqualTo(res.opnum());
        assertThat(back.status()).isEqualTo(res.status());
        assertThat(XdrIo.toBytes(back)).isEqualTo(first);
    }

    @Test
    void compoundCarriesTagMinorVersionAndOps() throws Exception {
        CompoundArgs args = new CompoundArgs(bytes("tag"), 1, List.of(new SequenceArgs(SESSION, 1, 0, 0, false),
                new VoidArgs(OpNum.PUTROOTFH), new GetattrArgs(new int[] {3})));
        CompoundArgs back = decodeCompound(encode(args));
        assertThat(back.tag()).isEqualTo(bytes("tag"));
        assertThat(back.minorVersion()).isEqualTo(1);
        assertThat(back.ops()).extracting(OpArgs::opnum)
                .containsExactly(OpNum.SEQUENCE, OpNum.PUTROOTFH, OpNum.GETATTR);
        assertThat(back.stop()).isNull();
    }

    @Test
    void unknownOperationStopsDecodingWithOpIllegal() throws Exception {
        byte[] wire = compoundWire(1, new int[] {OpNum.PUTROOTFH, 9999, OpNum.GETFH});
        CompoundArgs back = decodeCompound(wire);
        assertThat(back.ops()).extracting(OpArgs::opnum).containsExactly(OpNum.PUTROOTFH);
        assertThat(back.stop()).isEqualTo(new CompoundArgs.Stop(OpNum.ILLEGAL, Nfs4Status.NFS4ERR_OP_ILLEGAL));
        assertThat(back.opCount()).isEqualTo(3);
    }

    @Test
    void fileLayoutBodiesRoundTrip() throws Exception {
        FileLayout4 l = new FileLayout4(new DeviceId4(9, 8), (4 << 20) | FileLayout4.NFL4_UFLG_DENSE, 1, 1 << 20,
                List.of(new byte[] {1, 2, 3}, new byte[] {4}));
        byte[] wire = XdrIo.toBytes(l);
        assertThat(XdrIo.toBytes(FileLayout4.decode(XdrIo.decoder(wire)))).isEqualTo(wire);
        FileLayoutDsAddr4 a = new FileLayoutDsAddr4(new int[] {0, 1, 2, 3}, List.of(
                List.of(new FileLayoutDsAddr4.NetAddr4("tcp", "10.0.0.1.8.1"),
                        new FileLayoutDsAddr4.NetAddr4("tcp6", "::1.8.1"))));
        byte[] wire2 = XdrIo.toBytes(a);
        assertThat(XdrIo.toBytes(FileLayoutDsAddr4.decode(XdrIo.decoder(wire2)))).isEqualTo(wire2);
    }

    @Test
    void nfsv40OnlyOperationIsNotSupported() throws Exception {
        CompoundArgs back = decodeCompound(compoundWire(1, new int[] {OpNum.RENEW}));
        assertThat(back.stop()).isEqualTo(new CompoundArgs.Stop(OpNum.RENEW, Nfs4Status.NFS4ERR_NOTSUPP));
    }

    @Test
    void nfsv42OperationIsIllegalInMinorVersionOne() throws Exception {
        CompoundArgs back = decodeCompound(compoundWire(1, new int[] {69 /* SEEK */}));
        assertThat(back.stop().status()).isEqualTo(Nfs4Status.NFS4ERR_OP_ILLEGAL);
    }

    @Test
    void hostileNameLengthIsBadXdrNotAnAllocation() throws Exception {
        try (Xdr x = new Xdr(64)) {
            x.beginEncoding();
            x.xdrEncodeInt(0); // tag
            x.xdrEncodeInt(1);
            x.xdrEncodeInt(1);
            x.xdrEncodeInt(OpNum.LOOKUP);
            x.xdrEncodeInt(Integer.MAX_VALUE); // name length
            x.endEncoding();
            CompoundArgs back = decodeCompound(x.getBytes());
            assertThat(back.stop()).isEqualTo(new CompoundArgs.Stop(OpNum.LOOKUP, Nfs4Status.NFS4ERR_BADXDR));
        }
    }

    @Test
    void truncatedArgumentsAreBadXdr() throws Exception {
        byte[] wire = encode(new CompoundArgs(new byte[0], 1, List.of(new ReadArgs(SID, 0, 10))));
        byte[] cut = java.util.Arrays.copyOf(wire, wire.length - 8);
        assertThat(decodeCompound(cut).stop().status()).isEqualTo(Nfs4Status.NFS4ERR_BADXDR);
    }

    @Test
    void otherMinorVersionDecodesNoOperations() throws Exception {
        CompoundArgs back = decodeCompound(compoundWire(2, new int[] {OpNum.PUTROOTFH}));
        assertThat(back.minorVersion()).isEqualTo(2);
        assertThat(back.ops()).isEmpty();
    }

    @Test
    void randomBytesNeverThrowAnythingButIoException() {
        Random rnd = new Random(42);
        for (int i = 0; i < 2000; i++) {
            byte[] junk = new byte[rnd.nextInt(200)];
            rnd.nextBytes(junk);
            if (junk.length >= 12) {
                junk[4] = 0;
                junk[5] = 0;
                junk[6] = 0;
                junk[7] = 0; // tag length 0
                junk[8] = 0;
                junk[9] = 0;
                junk[10] = 0;
                junk[11] = 1; // minor version 1
            }
            try {
                decodeCompound(junk);
            } catch (java.io.IOException expected) {
                // garbage arguments: the RPC layer answers GARBAGE_ARGS
            }
        }
    }

    @Test
    void callbackCompoundRoundTrips() throws Exception {
        CbCompoundArgs cb = new CbCompoundArgs(new byte[0], 1, 7, List.of(
                new CbSequenceArgs(SESSION, 1, 0, 0, false, List.of()),
                new CbRecallArgs(SID, false, new byte[] {9, 9}),
                CbLayoutRecallArgs.file(Nfs4.LAYOUT4_NFSV4_1_FILES, Nfs4.LAYOUTIOMODE4_ANY, true, new byte[] {1}, 0,
                        -1L, SID),
                new CbNotifyLockArgs(new byte[] {1, 2}, OWNER)));
        byte[] wire = XdrIo.toBytes(x -> cb.xdrEncode(x));
        CbCompoundArgs back = new CbCompoundArgs();
        back.xdrDecode(XdrIo.decoder(wire));
        assertThat(back.callbackIdent()).isEqualTo(7);
        assertThat(back.ops()).extracting(OpArgs::opnum)
                .containsExactly(OpNum.CB_SEQUENCE, OpNum.CB_RECALL, OpNum.CB_LAYOUTRECALL, OpNum.CB_NOTIFY_LOCK);
        assertThat(XdrIo.toBytes(x -> back.xdrEncode(x))).isEqualTo(wire);
    }

    private static byte[] encode(CompoundArgs args) {
        return XdrIo.toBytes(args::xdrEncode);
    }

    private static CompoundArgs decodeCompound(byte[] wire) throws java.io.IOException {
        CompoundArgs back = new CompoundArgs();
        back.xdrDecode(XdrIo.decoder(wire));
        return back;
    }

    private static byte[] compoundWire(int minor, int[] ops) {
        return XdrIo.toBytes(x -> {
            x.xdrEncodeInt(0);
            x.xdrEncodeInt(minor);
            x.xdrEncodeInt(ops.length);
            for (int op : ops) {
                x.xdrEncodeInt(op);
            }
        });
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
