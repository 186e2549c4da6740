package io.nacre.nfs.v41.attr;

import static io.nacre.nfs.v41.attr.AttrNum.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nacre.engine.Fid;
import io.nacre.engine.meta.Attr;
import io.nacre.engine.meta.FileType;
import io.nacre.engine.meta.FsStat;
import io.nacre.engine.meta.HsmState;
import io.nacre.engine.meta.SetAttr;
import io.nacre.nfs.v41.NfsException;
import io.nacre.nfs.v41.NfsStatuses;
import io.nacre.nfs.v41.xdr.Fattr4;
import io.nacre.nfs.v41.xdr.Nfs4;
import io.nacre.nfs.v41.xdr.Nfs4Status;
import io.nacre.nfs.v41.xdr.XdrIo;
import java.util.HashSet;
import java.util.Set;
import org.dcache.oncrpc4j.xdr.Xdr;
import org.junit.jupiter.api.Test;

class AttrCodecTest {

    private static final Fid FID = new Fid(Fid.FIRST_NORMAL_SEQ, 7, 0);
    private static final Attr FILE = new Attr(FID, FileType.REGULAR, 0644, 2, 1000, 100, 12345, 16384, 0, 0,
            1_500_000_000_123_456_789L, 1_600_000_000_000_000_001L, 1_700_000_000_000_000_000L, 1_400_000_000_000_000_000L,
            99, 3, HsmState.NONE);
    private static final FsStat STAT = new FsStat(1L << 40, 1L << 39, 1L << 38, 1_000_000, 900_000);
    private final AttrEncoder enc = new AttrEncoder(new FsInfo(0xf5f5L, 90, 1 << 20, 1 << 20, new int[0], 0),
            IdMapper.numeric());

    private static AttrEncoder.Target target(Attr a, boolean unlinked) {
        return new AttrEncoder.Target(a, () -> new byte[] {1, 2, 3, 4}, () -> STAT, unlinked, a::spaceUsed);
    }

    @Test
    void encodesWhatLinuxAsksForInAttributeOrder() throws Exception {
        int[] asked = Bitmap.of(TYPE, CHANGE, SIZE, FSID, FILEID, MODE, NUMLINKS, OWNER, OWNER_GROUP, SPACE_USED,
                TIME_ACCESS, TIME_METADATA, TIME_MODIFY, MOUNTED_ON_FILEID);
        Fattr4 f = enc.encode(asked, target(FILE, false));
        assertThat(f.mask()).isEqualTo(asked);
        try (Xdr x = XdrIo.decoder(f.values())) {
            assertThat(x.xdrDecodeInt()).isEqualTo(Nfs4.NF4REG);
            assertThat(x.xdrDecodeLong()).isEqualTo(99);
            assertThat(x.xdrDecodeLong()).isEqualTo(12345);
            assertThat(x.xdrDecodeLong()).isEqualTo(0xf5f5L);
            assertThat(x.xdrDecodeLong()).isZero();
            long fileid = x.xdrDecodeLong();
            assertThat(fileid).isEqualTo(FileIds.of(FID));
            assertThat(x.xdrDecodeInt()).isEqualTo(0644);
            assertThat(x.xdrDecodeInt()).isEqualTo(2);
            assertThat(x.xdrDecodeString()).isEqualTo("1000");
            assertThat(x.xdrDecodeString()).isEqualTo("100");
            assertThat(x.xdrDecodeLong()).isEqualTo(16384);
            assertThat(x.xdrDecodeLong()).isEqualTo(1_500_000_000L);
            assertThat(x.xdrDecodeInt()).isEqualTo(123_456_789);
            assertThat(x.xdrDecodeLong()).isEqualTo(1_700_000_000L);
            assertThat(x.xdrDecodeInt()).isZero();
            assertThat(x.xdrDecodeLong()).isEqualTo(1_600_000_000L);
            assertThat(x.xdrDecodeInt()).isEqualTo(1);
            assertThat(x.xdrDecodeLong()).isEqualTo(fileid);
            assertThat(x.hasMoreData()).isFalse();
        }
    }

    @Test
    void unsupportedAttributesAreLeftOutOfTheReply() {
        Fattr4 f = enc.encode(Bitmap.of(SIZE, FS_LOCATIONS, ACL, 70), target(FILE, false));
        assertThat(f.mask()).isEqualTo(Bitmap.of(SIZE));
    }

    @Test
    void everySupportedAttributeEncodes() {
        int[] readable = Bitmap.andNot(enc.supported(), Bitmap.of(TIME_ACCESS_SET, TIME_MODIFY_SET));
        Fattr4 f = enc.encode(readable, target(FILE, false));
        assertThat(f.mask()).isEqualTo(readable);
        assertThat(Bitmap.isSet(enc.supported(), SUPPATTR_EXCLCREAT)).isTrue();
        assertThat(Bitmap.isSet(enc.supported(), FS_LOCATIONS)).isFalse();
    }

    @Test
    void fileRemovedWhileOpenShowsNoLinks() throws Exception {
        Fattr4 f = enc.encode(Bitmap.of(NUMLINKS), target(FILE, true));
        assertThat(XdrIo.decoder(f.values()).xdrDecodeInt()).isZero();
    }

    @Test
    void writeOnlyTimesCannotBeRead() {
        assertThatThrownBy(() -> enc.encode(Bitmap.of(TIME_MODIFY_SET), target(FILE, false)))
                .isInstanceOfSatisfying(NfsException.class, e -> assertThat(e.status()).isEqualTo(Nfs4Status.NFS4ERR_INVAL));
    }

    @Test
    void rdattrErrorStandsInForAnEntryWithoutAttributes() throws Exception {
        Fattr4 f = enc.encodeError(Bitmap.of(TYPE, RDATTR_ERROR), Nfs4Status.NFS4ERR_STALE);
        assertThat(f.mask()).isEqualTo(Bitmap.of(RDATTR_ERROR));
        assertThat(XdrIo.decoder(f.values()).xdrDecodeInt()).isEqualTo(Nfs4Status.NFS4ERR_STALE);
        assertThatThrownBy(() -> enc.encodeError(Bitmap.of(TYPE), Nfs4Status.NFS4ERR_STALE))
                .isInstanceOf(NfsException.class);
    }

    private static Fattr4 setattr(int[] mask, io.nacre.nfs.v41.xdr.XdrEncodable values) {
        return new Fattr4(mask, XdrIo.toBytes(values));
    }

    @Test
    void decodesSettableAttributes() {
        Fattr4 f = setattr(Bitmap.of(SIZE, MODE, OWNER, OWNER_GROUP, TIME_ACCESS_SET, TIME_MODIFY_SET), x -> {
            x.xdrEncodeLong(0);
            x.xdrEncodeInt(0100755); // type bits are dropped
            x.xdrEncodeString("1000");
            x.xdrEncodeString("100@localdomain");
            x.xdrEncodeInt(Nfs4.SET_TO_SERVER_TIME4);
            x.xdrEncodeInt(Nfs4.SET_TO_CLIENT_TIME4);
            x.xdrEncodeLong(1234);
            x.xdrEncodeInt(5);
        });
        SetAttrs s = SetAttrs.decode(f, enc, IdMapper.numeric());
        assertThat(s.size()).isZero();
        assertThat(s.mode()).isEqualTo(0755);
        assertThat(s.uid()).isEqualTo(1000);
        assertThat(s.gid()).isEqualTo(100);
        assertThat(s.atime()).isEqualTo(SetAttr.SERVER_TIME);
        assertThat(s.mtime()).isEqualTo(1234_000_000_005L);
        assertThat(s.withoutSize().size()).isNull();
    }

    private static int status(Runnable r) {
        return NfsStatuses.of(r);
    }

    @Test
    void settingBadAttributesFailsWithTheRfcErrors() {
        assertThat(status(() -> SetAttrs.decode(setattr(Bitmap.of(ACL), x -> x.xdrEncodeInt(0)), enc,
                IdMapper.numeric()))).isEqualTo(Nfs4Status.NFS4ERR_ATTRNOTSUPP);
        assertThat(status(() -> SetAttrs.decode(setattr(Bitmap.of(CHANGE), x -> x.xdrEncodeLong(0)), enc,
                IdMapper.numeric()))).isEqualTo(Nfs4Status.NFS4ERR_INVAL);
        assertThat(status(() -> SetAttrs.decode(setattr(Bitmap.of(MODE), x -> { }), enc, IdMapper.numeric())))
                .isEqualTo(Nfs4Status.NFS4ERR_BADXDR);
        assertThat(status(() -> SetAttrs.decode(setattr(Bitmap.of(OWNER), x -> x.xdrEncodeString("alice")), enc,
                IdMapper.numeric()))).isEqualTo(Nfs4Status.NFS4ERR_BADOWNER);
        assertThat(status(() -> SetAttrs.decode(setattr(Bitmap.of(TIME_MODIFY_SET), x -> {
            x.xdrEncodeInt(Nfs4.SET_TO_CLIENT_TIME4);
            x.xdrEncodeLong(0);
            x.xdrEncodeInt(1_000_000_000);
        }), enc, IdMapper.numeric()))).isEqualTo(Nfs4Status.NFS4ERR_INVAL);
    }

    @Test
    void namesFromPasswdAndGroupMapToIds() {
        IdMapper m = IdMapper.fromText("root:x:0:0:root:/root:/bin/bash\nalice:x:1001:1001::/home/alice:/bin/sh\n",
                "root:x:0:\nstaff:x:50:alice\n");
        assertThat(m.uid("alice")).isEqualTo(1001);
        assertThat(m.uid("alice@example.com")).isEqualTo(1001);
        assertThat(m.gid("staff")).isEqualTo(50);
        assertThat(m.uid("4294967295")).isEqualTo(-1);
        assertThat(status(() -> m.uid("bob"))).isEqualTo(Nfs4Status.NFS4ERR_BADOWNER);
        assertThat(status(() -> m.uid("99999999999"))).isEqualTo(Nfs4Status.NFS4ERR_BADOWNER);
    }

    @Test
    void fileIdsAreDistinctAcrossSequencesAndObjects() {
        Set<Long> seen = new HashSet<>();
        for (long seq = Fid.FIRST_NORMAL_SEQ; seq < Fid.FIRST_NORMAL_SEQ + 50; seq++) {
            for (int oid = 1; oid < 0x20000; oid += 997) {
                assertThat(seen.add(FileIds.of(new Fid(seq, oid, 0)))).isTrue();
            }
        }
        assertThat(seen.add(FileIds.of(Fid.ROOT))).isTrue();
    }
}
