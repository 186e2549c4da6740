package io.nacre.nfs.v41.xdr;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.dcache.oncrpc4j.xdr.XdrAble;
import org.dcache.oncrpc4j.xdr.XdrDecodingStream;
import org.dcache.oncrpc4j.xdr.XdrEncodingStream;

/**
 * COMPOUND4res (and CB_COMPOUND4res with {@link #callback()}): the status of the last operation run,
 * the request's tag, and one result per operation run.
 */
public final class CompoundRes implements XdrAble, XdrEncodable {

    private final boolean callback;
    private int status;
    private byte[] tag;
    private List<OpRes> results;

    /** An empty fore-channel result to decode into. */
    public CompoundRes() {
        this(false);
    }

    private CompoundRes(boolean callback) {
        this.callback = callback;
        this.tag = new byte[0];
        this.results = List.of();
    }

    public CompoundRes(int status, byte[] tag, List<OpRes> results) {
        this.callback = false;
        this.status = status;
        this.tag = tag.clone();
        this.results = List.copyOf(results);
    }

    /**
     * The server's reply, taking the tag and the results as they are (no copies: the caller hands them over
     * and changes them no more; every COMPOUND's reply is made here).
     */
    public static CompoundRes reply(int status, byte[] tag, List<OpRes> results) {
        CompoundRes r = new CompoundRes(false);
        r.status = status;
        r.tag = tag;
        r.results = Collections.unmodifiableList(results);
        return r;
    }

    /** An empty backchannel result to decode into. */
    public static CompoundRes callback() {
        return new CompoundRes(true);
    }

    public int status() {
        return status;
    }

    public byte[] tag() {
        return tag.clone();
    }

    public List<OpRes> results() {
        return results;
    }

    @Override
    public void xdrDecode(XdrDecodingStream x) throws IOException {
        status = x.xdrDecodeInt();
        tag = XdrIo.opaque(x, Nfs4.OPAQUE_LIMIT);
        int n = XdrIo.count(x, CompoundArgs.MAX_OPS);
        List<OpRes> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(callback ? OpRes.decodeCallback(x) : OpRes.decode(x));
        }
        results = List.copyOf(out);
    }

    @Override
    public void xdrEncode(XdrEncodingStream x) {
        encode(x);
    }

    @Override
    public void encode(XdrEncodingStream x) {
        x.xdrEncodeInt(status);
        XdrIo.opaque(x, tag);
        int n = results.size();
        x.xdrEncodeInt(n);
        for (int i = 0; i < n; i++) { // by index: no iterator per reply (its interface calls C1 does not inline)
            results.get(i).encode(x);
        }
    }

    @Override
    public String toString() {
        return Nfs4Status.name(status) + results;
    }
}
