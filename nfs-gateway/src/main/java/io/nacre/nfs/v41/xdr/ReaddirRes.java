package io.nacre.nfs.v41.xdr;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.dcache.oncrpc4j.xdr.XdrDecodingStream;
import org.dcache.oncrpc4j.xdr.XdrEncodingStream;

/** READDIR4resok: the cookie verifier, the entries (an XDR linked list) and eof. */
public record ReaddirRes(long verifier, List<Entry> entries, boolean eof) implements XdrEncodable {

    /** entry4. */
    public record Entry(long cookie, byte[] name, Fattr4 attrs) {

        /** Bytes this entry takes in the reply: the list's "next" bool, cookie, name and attributes. */
        public int encodedSize() {
            return 4 + 8 + 4 + pad(name.length) + 4 + 4 * attrs.mask().length + 4 + pad(attrs.values().length);
        }
    }

    /** A decoding bound: a reply of 1 MiB holds fewer entries than this. */
    static final int MAX_ENTRIES = 1 << 16;

    public ReaddirRes {
        entries = List.copyOf(entries);
    }

    /** Bytes of a reply with no entries: verifier, the empty list's bool and eof. */
    public static final int EMPTY_SIZE = 8 + 4 + 4;

    static int pad(int n) {
        return (n + 3) & ~3;
    }

    public static ReaddirRes decode(XdrDecodingStream x) throws IOException {
        long verifier = x.xdrDecodeLong();
        List<Entry> entries = new ArrayList<>();
        while (x.xdrDecodeBoolean()) {
            if (entries.size() == MAX_ENTRIES) {
                throw new BadXdrException("more than " + MAX_ENTRIES + " directory entries");
            }
            entries.add(new Entry(x.xdrDecodeLong(), XdrIo.opaque(x, OpArgs.MAX_NAME), Fattr4.decode(x)));
        }
        return new ReaddirRes(verifier, entries, x.xdrDecodeBoolean());
    }

    @Override
    public void encode(XdrEncodingStream x) {
        x.xdrEncodeLong(verifier);
        for (Entry e : entries) {
            x.xdrEncodeBoolean(true);
            x.xdrEncodeLong(e.cookie());
            XdrIo.opaque(x, e.name());
            e.attrs().encode(x);
        }
        x.xdrEncodeBoolean(false);
        x.xdrEncodeBoolean(eof);
    }
}
