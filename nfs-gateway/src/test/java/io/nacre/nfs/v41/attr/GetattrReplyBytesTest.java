package io.nacre.nfs.v41.attr;

import static io.nacre.nfs.v41.attr.AttrNum.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.nacre.engine.Fid;
import io.nacre.engine.meta.Attr;
import io.nacre.engine.meta.FileType;
import io.nacre.engine.meta.FsStat;
import io.nacre.engine.meta.HsmState;
import io.nacre.nfs.v41.xdr.GetattrRes;
import io.nacre.nfs.v41.xdr.Nfs4;
import io.nacre.nfs.v41.xdr.OpNum;
import io.nacre.nfs.v41.xdr.OpRes;
import io.nacre.nfs.v41.xdr.XdrIo;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/**
 * The exact bytes of GETATTR replies, pinned: the attribute encoder may get faster, its output may not move.
 * The values were taken from the encoder as it was before it was made cheaper (oncrpc4j's Xdr per reply).
 */
class GetattrReplyBytesTest {

    private static final Fid FID = new Fid(Fid.FIRST_NORMAL_SEQ + 3, 0x01020304, 0);
    /** Times before the epoch and with nanoseconds, a uid past 2^31, an odd mode: the corners of the encoding. */
    private static final Attr FILE = new Attr(FID, FileType.REGULAR, 0104755, 3, -2, 100, 12345, 16384, 0, 0,
            -1_500_000_000_123_456_789L, 1_600_000_000_000_000_001L, 1_700_000_000_999_999_999L, 0L,
            0x1122334455667788L, 3, HsmState.NONE);
    private static final Attr DEVICE = new Attr(FID, FileType.CHAR, 0620, 1, 0, 5, 0, 0, 136, 7,
            1L, 2L, 3L, 4L, 5L, 0, HsmState.NONE);
    private static final FsStat STAT = new FsStat(1L << 40, 1L << 39, 1L << 38, 1_000_000, 900_000);
    /** What Linux asks in a stat's GETATTR. */
    private static final int[] LINUX_STAT = Bitmap.of(TYPE, CHANGE, SIZE, FSID, FILEID, MODE, NUMLINKS, OWNER,
            OWNER_GROUP, RAWDEV, SPACE_USED, TIME_ACCESS, TIME_METADATA, TIME_MODIFY, MOUNTED_ON_FILEID);

    private final AttrEncoder plain = new AttrEncoder(new FsInfo(0xf5f5L, 90, 1 << 20, 1 << 19, new int[0], 0),
            IdMapper.numeric());
    private final AttrEncoder pnfs = new AttrEncoder(new FsInfo(0xabcdef0123L, 60, 1 << 20, 1 << 20,
            new int[] {Nfs4.LAYOUT4_NFSV4_1_FILES}, 1 << 16), IdMapper.numeric());

    private static AttrEncoder.Target target(Attr a, byte[] fh) {
        return new AttrEncoder.Target(a, () -> fh, () -> STAT, false, () -> 8192);
    }

    private static String reply(AttrEncoder enc, int[] mask, AttrEncoder.Target t) {
        return HexFormat.of().formatHex(XdrIo.toBytes(OpRes.ok(OpNum.GETATTR, new GetattrRes(enc.encode(mask, t)))));
    }

    @Test
    void aStatsGetattrReplyIsByteForByteTheSame() {
        assertThat(reply(plain, LINUX_STAT, target(FILE, new byte[] {9, 8, 7, 6, 5})))
                .isEqualTo(STAT_REPLY);
        assertThat(reply(plain, LINUX_STAT, target(DEVICE, new byte[] {9, 8, 7, 6, 5})))
                .isEqualTo(DEVICE_REPLY);
    }

    @Test
    void everyReadableAttributeReplyIsByteForByteTheSame() {
        int[] readable = Bitmap.andNot(pnfs.supported(), Bitmap.of(TIME_ACCESS_SET, TIME_MODIFY_SET));
        assertThat(reply(pnfs, readable, target(FILE, new byte[] {1, 2, 3, 4, 5, 6, 7}))).isEqualTo(ALL_REPLY);
        int[] plainReadable = Bitmap.andNot(plain.supported(), Bitmap.of(TIME_ACCESS_SET, TIME_MODIFY_SET));
        assertThat(reply(plain, plainReadable, target(DEVICE, new byte[28]))).isEqualTo(ALL_PLAIN_REPLY);
    }

    private static final String STAT_REPLY = "0000000900000000000000020010011a00b0a23a000000880000000111223344556677880000000000003039000000000000f5f500000000000000000200000404020304000009ed000000030000000a343239343936373239340000000000033130300000000000000000000000000000002000ffffffffa697d0ff343efceb000000006553f1003b9ac9ff000000005f5e1000000000010200000404020304";
    private static final String DEVICE_REPLY = "0000000900000000000000020010011a00b0a23a000000800000000400000000000000050000000000000000000000000000f5f500000000000000000200000404020304000001900000000100000001300000000000000135000000000000880000000700000000000020000000000000000000000000010000000000000000000000030000000000000000000000020200000404020304";
    private static final String ALL_REPLY = "000000090000000000000003fcffafff40bcbe3e000008020000015c00000003fcffafff40fdbe3e00000802000000010000000011223344556677880000000000003039000000010000000100000000000000abcdef01230000000000000000000000010000003c000000000000000000000001000000000000000100000001000000070102030405060700020000040402030400000000000dbba000000000000dbba000000000000f4240000000017fffffffffffffff0000fde8000000ff00000000001000000000000000100000000009ed00000001000000030000000a343239343936373239340000000000033130300000000000000000000000004000000000000000800000000000000100000000000000000000002000ffffffffa697d0ff343efceb000000000000000000000000000000000000000000000001000000006553f1003b9ac9ff000000005f5e1000000000010200000404020304000000010000000100010000000000020000001000410032";
    private static final String ALL_PLAIN_REPLY = "000000090000000000000003fcffafff00bcbe3e000008000000015c00000003fcffafff00fdbe3e00000800000000040000000000000000000000050000000000000000000000010000000100000000000000000000f5f50000000000000000000000010000005a0000000000000000000000010000000000000001000000010000001c00000000000000000000000000000000000000000000000000000000020000040402030400000000000dbba000000000000dbba000000000000f4240000000017fffffffffffffff0000fde8000000ff0000000000100000000000000008000000000190000000010000000100000001300000000000000135000000000000880000000700000040000000000000008000000000000001000000000000000000000020000000000000000000000000010000000000000000000000040000000000000000000000010000000000000000000000030000000000000000000000020200000404020304000000020000001000410032";
}
