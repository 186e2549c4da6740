package io.nacre.nfs.v41.xdr;

import org.dcache.oncrpc4j.xdr.XdrEncodingStream;

/** An operation without arguments (GETFH, LOOKUPP, PUTPUBFH, PUTROOTFH, READLINK, RESTOREFH, SAVEFH). */
public record VoidArgs(int opnum) implements OpArgs {

    @Override
    public void encode(XdrEncodingStream x) {
    }
}
