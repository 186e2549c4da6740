package io.nacre.nfs.v41.xdr;

import java.io.IOException;
import org.dcache.oncrpc4j.xdr.XdrDecodingStream;
import org.dcache.oncrpc4j.xdr.XdrEncodingStream;

/**
 * CREATE4args: a non-regular object (directory, symlink, device, socket, fifo) in the current directory.
 * {@code linkData} is set for NF4LNK only; {@code specMajor}/{@code specMinor} for NF4BLK and NF4CHR.
 */
public record CreateArgs(int type, byte[] linkData, int specMajor, int specMinor, byte[] name, Fattr4 attrs)
        implements OpArgs {

    public static CreateArgs decode(XdrDecodingStream x) throws IOException {
        int type = x.xdrDecodeInt();
        byte[] link = null;
        int major = 0;
        int minor = 0;
        switch (type) {
            case Nfs4.NF4LNK -> link = XdrIo.opaque(x, MAX_LINK);
            case Nfs4.NF4BLK, Nfs4.NF4CHR -> {
                major = x.xdrDecodeInt();
                minor = x.xdrDecodeInt();
            }
            default -> {
                // void arm: the op answers NFS4ERR_BADTYPE for types CREATE does not make
            }
        }
        return new CreateArgs(type, link, major, minor, XdrIo.opaque(x, MAX_NAME), Fattr4.decode(x));
    }

    @Override
    public int opnum() {
        return OpNum.CREATE;
    }

    @Override
    public void encode(XdrEncodingStream x) {
        x.xdrEncodeInt(type);
        switch (type) {
            case Nfs4.NF4LNK -> XdrIo.opaque(x, linkData);
            case Nfs4.NF4BLK, Nfs4.NF4CHR -> {
                x.xdrEncodeInt(specMajor);
                x.xdrEncodeInt(specMinor);
            }
            default -> {
            }
        }
        XdrIo.opaque(x, name);
        attrs.encode(x);
    }
}
