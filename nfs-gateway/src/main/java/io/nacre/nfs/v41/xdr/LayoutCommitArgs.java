package io.nacre.nfs.v41.xdr;

import java.io.IOException;
import org.dcache.oncrpc4j.xdr.XdrDecodingStream;
import org.dcache.oncrpc4j.xdr.XdrEncodingStream;

/**
 * LAYOUTCOMMIT4args. {@code lastWriteOffset} and {@code timeModify} are null when the client sends
 * none; the layout update is (type, body).
 */
public record LayoutCommitArgs(long offset, long length, boolean reclaim, Stateid4 stateid, Long lastWriteOffset,
                               NfsTime4 timeModify, int updateType, byte[] updateBody) implements OpArgs {

    public static LayoutCommitArgs decode(XdrDecodingStream x) throws IOException {
        long offset = x.xdrDecodeLong();
        long length = x.xdrDecodeLong();
        boolean reclaim = x.xdrDecodeBoolean();
        Stateid4 stateid = Stateid4.decode(x);
        Long last = x.xdrDecodeBoolean() ? x.xdrDecodeLong() : null;
        NfsTime4 mtime = x.xdrDecodeBoolean() ? NfsTime4.decode(x) : null;
        return new LayoutCommitArgs(offset, length, reclaim, stateid, last, mtime, x.xdrDecodeInt(),
                XdrIo.opaque(x, Layout4.MAX_BODY));
    }

    @Override
    public int opnum() {
        return OpNum.LAYOUTCOMMIT;
    }

    @Override
    public void encode(XdrEncodingStream x) {
        x.xdrEncodeLong(offset);
        x.xdrEncodeLong(length);
        x.xdrEncodeBoolean(reclaim);
        stateid.encode(x);
        x.xdrEncodeBoolean(lastWriteOffset != null);
        if (lastWriteOffset != null) {
            x.xdrEncodeLong(lastWriteOffset);
        }
        x.xdrEncodeBoolean(timeModify != null);
        if (timeModify != null) {
            timeModify.encode(x);
        }
        x.xdrEncodeInt(updateType);
        XdrIo.opaque(x, updateBody);
    }
}
