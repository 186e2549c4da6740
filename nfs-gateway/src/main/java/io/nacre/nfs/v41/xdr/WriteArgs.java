package io.nacre.nfs.v41.xdr;

import java.io.IOException;
import java.nio.ByteBuffer;
import org.dcache.oncrpc4j.xdr.XdrDecodingStream;
import org.dcache.oncrpc4j.xdr.XdrEncodingStream;

/**
 * WRITE4args. The data are a view of the request buffer (no copy: the server's {@code RecordReader} reads every
 * record into one buffer), valid until the reply is encoded, which is after the operation ran.
 */
public record WriteArgs(Stateid4 stateid, long offset, int stable, ByteBuffer data) implements OpArgs {

    /** The largest WRITE accepted; the session's maxrequestsize bounds it further. */
    public static final int MAX_DATA = 16 * 1024 * 1024;

    public static WriteArgs decode(XdrDecodingStream x) throws IOException {
        Stateid4 stateid = Stateid4.decode(x);
        long offset = x.xdrDecodeLong();
        int stable = x.xdrDecodeInt();
        ByteBuffer data = x.xdrDecodeByteBuffer();
        if (data.remaining() > MAX_DATA) {
            throw new BadXdrException("WRITE of " + data.remaining() + " bytes exceeds " + MAX_DATA);
        }
        return new WriteArgs(stateid, offset, stable, data);
    }

    /** The data, from position to limit, in a duplicate of the caller's own: reading it moves nothing here. */
    @Override
    public ByteBuffer data() {
        return data.duplicate();
    }

    /** The bytes written. */
    public int count() {
        return data.remaining();
    }

    @Override
    public int opnum() {
        return OpNum.WRITE;
    }

    @Override
    public void encode(XdrEncodingStream x) {
        stateid.encode(x);
        x.xdrEncodeLong(offset);
        x.xdrEncodeInt(stable);
        x.xdrEncodeByteBuffer(data());
    }
}
