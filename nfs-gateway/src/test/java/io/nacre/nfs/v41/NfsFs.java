package io.nacre.nfs.v41;

import static io.nacre.nfs.v41.NfsTestClient.ok;
import static io.nacre.nfs.v41.NfsTestClient.result;

import io.nacre.nfs.v41.attr.AttrNum;
import io.nacre.nfs.v41.attr.Bitmap;
import io.nacre.nfs.v41.xdr.CommitArgs;
import io.nacre.nfs.v41.xdr.CloseArgs;
import io.nacre.nfs.v41.xdr.CompoundRes;
import io.nacre.nfs.v41.xdr.CreateArgs;
import io.nacre.nfs.v41.xdr.Fattr4;
import io.nacre.nfs.v41.xdr.GetattrArgs;
import io.nacre.nfs.v41.xdr.GetattrRes;
import io.nacre.nfs.v41.xdr.GetfhRes;
import io.nacre.nfs.v41.xdr.LookupArgs;
import io.nacre.nfs.v41.xdr.Nfs4;
import io.nacre.nfs.v41.xdr.OpArgs;
import io.nacre.nfs.v41.xdr.OpNum;
import io.nacre.nfs.v41.xdr.OpRes;
import io.nacre.nfs.v41.xdr.OpenArgs;
import io.nacre.nfs.v41.xdr.OpenRes;
import io.nacre.nfs.v41.xdr.PutfhArgs;
import io.nacre.nfs.v41.xdr.ReadArgs;
import io.nacre.nfs.v41.xdr.ReadRes;
import io.nacre.nfs.v41.xdr.ReaddirArgs;
import io.nacre.nfs.v41.xdr.ReaddirRes;
import io.nacre.nfs.v41.xdr.RemoveArgs;
import io.nacre.nfs.v41.xdr.StateOwner4;
import io.nacre.nfs.v41.xdr.Stateid4;
import io.nacre.nfs.v41.xdr.VoidArgs;
import io.nacre.nfs.v41.xdr.WriteArgs;
import io.nacre.nfs.v41.xdr.WriteRes;
import io.nacre.nfs.v41.xdr.XdrIo;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.dcache.oncrpc4j.xdr.Xdr;

/** File operations as the Linux client composes them, over an {@link NfsTestClient} (for end-to-end tests). */
public final class NfsFs {

    /** An open file: its handle and open stateid. */
    public record Opened(byte[] fh, Stateid4 stateid) {
    }

    private final NfsTestClient c;
    private final StateOwner4 owner;

    public NfsFs(NfsTestClient c, String ownerName) {
        this.c = c;
        this.owner = new StateOwner4(c.clientid(), ownerName.getBytes(StandardCharsets.UTF_8));
    }

    public NfsTestClient client() {
        return c;
    }

    public static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    public static Fattr4 mode(int mode) {
        return new Fattr4(Bitmap.of(AttrNum.MODE), XdrIo.toBytes(x -> x.xdrEncodeInt(mode)));
    }

    public byte[] root() throws IOException {
        return ok(c.call(new VoidArgs(OpNum.PUTROOTFH), new VoidArgs(OpNum.GETFH)))
                .results().get(2).body(GetfhRes.class).fh();
    }

    public CompoundRes onFh(byte[] fh, OpArgs... ops) throws IOException {
        List<OpArgs> all = new ArrayList<>();
        all.add(new PutfhArgs(fh));
        all.addAll(List.of(ops));
        return c.call(all.toArray(OpArgs[]::new));
    }

    public byte[] lookup(byte[] dir, String name) throws IOException {
        return result(ok(onFh(dir, new LookupArgs(bytes(name)), new VoidArgs(OpNum.GETFH))), OpNum.GETFH)
                .body(GetfhRes.class).fh();
    }

    public byte[] mkdir(byte[] dir, String name, int mode) throws IOException {
        return result(ok(onFh(dir, new CreateArgs(Nfs4.NF4DIR, null, 0, 0, bytes(name), mode(mode)),
                new VoidArgs(OpNum.GETFH))), OpNum.GETFH).body(GetfhRes.class).fh();
    }

    /** OPEN with create (GUARDED4) for reading and writing, then GETFH. */
    public Opened create(byte[] dir, String name, int mode) throws IOException {
        CompoundRes r = ok(onFh(dir, OpenArgs.create(owner, Nfs4.OPEN4_SHARE_ACCESS_BOTH, 0, bytes(name), Nfs4.GUARDED4,
                mode(mode), 0), new VoidArgs(OpNum.GETFH)));
        return new Opened(result(r, OpNum.GETFH).body(GetfhRes.class).fh(),
                result(r, OpNum.OPEN).body(OpenRes.class).stateid());
    }

    /** OPEN as Linux sends open(2) with O_CREAT|O_TRUNC: create UNCHECKED4 with size 0, for reading and writing. */
    public CompoundRes openTruncating(byte[] dir, String name) throws IOException {
        Fattr4 empty = new Fattr4(Bitmap.of(AttrNum.SIZE), XdrIo.toBytes(x -> x.xdrEncodeLong(0)));
        return onFh(dir, OpenArgs.create(owner, Nfs4.OPEN4_SHARE_ACCESS_BOTH, 0, bytes(name), Nfs4.UNCHECKED4, empty,
                0), new VoidArgs(OpNum.GETFH));
    }

    /** OPEN by name without create. */
    public CompoundRes open(byte[] dir, String name, int access) throws IOException {
        return onFh(dir, OpenArgs.byName(owner, access, 0, bytes(name)), new VoidArgs(OpNum.GETFH));
    }

    public static Opened opened(CompoundRes r) {
        return new Opened(result(ok(r), OpNum.GETFH).body(GetfhRes.class).fh(),
                result(r, OpNum.OPEN).body(OpenRes.class).stateid());
    }

    public WriteRes write(Opened f, long offset, byte[] data, int stable) throws IOException {
        return result(ok(onFh(f.fh(), new WriteArgs(f.stateid(), offset, stable, ByteBuffer.wrap(data)))),
                OpNum.WRITE).body(WriteRes.class);
    }

    public long commit(byte[] fh) throws IOException {
        return result(ok(onFh(fh, new CommitArgs(0, 0))), OpNum.COMMIT).body(io.nacre.nfs.v41.xdr.CommitRes.class)
                .verifier();
    }

    public ReadRes read(byte[] fh, Stateid4 stateid, long offset, int count) throws IOException {
        return result(ok(onFh(fh, new ReadArgs(stateid, offset, count))), OpNum.READ).body(ReadRes.class);
    }

    public static byte[] data(ReadRes r) {
        ByteBuffer b = r.data().duplicate();
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }

    public void close(Opened f) throws IOException {
        ok(onFh(f.fh(), new CloseArgs(0, f.stateid())));
    }

    public CompoundRes remove(byte[] dir, String name) throws IOException {
        return onFh(dir, new RemoveArgs(bytes(name)));
    }

    /** GETATTR of the given attributes; the values, still encoded, to read in order. */
    public Xdr getattr(byte[] fh, int... attrs) throws IOException {
        OpRes r = result(ok(onFh(fh, new GetattrArgs(Bitmap.of(attrs)))), OpNum.GETATTR);
        return XdrIo.decoder(r.body(GetattrRes.class).attrs().values());
    }

    public long size(byte[] fh) throws IOException {
        return getattr(fh, AttrNum.SIZE).xdrDecodeLong();
    }

    /** Every name in a directory, READDIR page by page with {@code maxcount} bytes each. */
    public List<String> list(byte[] dir, int maxcount) throws IOException {
        List<String> names = new ArrayList<>();
        long cookie = 0;
        long verifier = 0;
        while (true) {
            ReaddirRes page = result(ok(onFh(dir, new ReaddirArgs(cookie, verifier, maxcount / 4, maxcount,
                    Bitmap.of(AttrNum.TYPE, AttrNum.FILEID, AttrNum.SIZE)))), OpNum.READDIR).body(ReaddirRes.class);
            verifier = page.verifier();
            for (ReaddirRes.Entry e : page.entries()) {
                names.add(new String(e.name(), StandardCharsets.UTF_8));
                cookie = e.cookie();
            }
            if (page.eof()) {
                return names;
            }
        }
    }
}
