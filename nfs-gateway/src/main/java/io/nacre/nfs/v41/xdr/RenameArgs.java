package io.nacre.nfs.v41.xdr;

import java.io.IOException;
import org.dcache.oncrpc4j.xdr.XdrDecodingStream;
import org.dcache.oncrpc4j.xdr.XdrEncodingStream;

/** RENAME4args: oldname in the saved directory to newname in the current one. */
public record RenameArgs(byte[] oldName, byte[] newName) implements OpArgs {

    public static RenameArgs decode(XdrDecodingStream x) throws IOException {
        return new RenameArgs(XdrIo.opaque(x, MAX_NAME), XdrIo.opaque(x, MAX_NAME));
    }

    @Override
    public int opnum() {
        return OpNum.RENAME;
    }

    @Override
    public void encode(XdrEncodingStream x) {
        XdrIo.opaque(x, oldName);
        XdrIo.opaque(x, newName);
    }
}
