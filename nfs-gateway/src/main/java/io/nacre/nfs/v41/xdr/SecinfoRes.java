package io.nacre.nfs.v41.xdr;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.dcache.oncrpc4j.xdr.XdrDecodingStream;
import org.dcache.oncrpc4j.xdr.XdrEncodingStream;

/** SECINFO4resok (also SECINFO_NO_NAME's): the security flavors, best first. */
public record SecinfoRes(List<Flavor> flavors) implements XdrEncodable {

    /** secinfo4: a flavor, and for RPCSEC_GSS its oid, qop and service. */
    public record Flavor(int flavor, byte[] oid, int qop, int service) {
        public static Flavor of(int flavor) {
            return new Flavor(flavor, new byte[0], 0, 0);
        }
    }

    public SecinfoRes {
        flavors = List.copyOf(flavors);
    }

    public static SecinfoRes decode(XdrDecodingStream x) throws IOException {
        int n = XdrIo.count(x, 64);
        List<Flavor> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            int flavor = x.xdrDecodeInt();
            if (flavor == Nfs4.RPCSEC_GSS) {
                out.add(new Flavor(flavor, XdrIo.opaque(x, Nfs4.OPAQUE_LIMIT), x.xdrDecodeInt(), x.xdrDecodeInt()));
            } else {
                out.add(Flavor.of(flavor));
            }
        }
        return new SecinfoRes(out);
    }

    @Override
    public void encode(XdrEncodingStream x) {
        x.xdrEncodeInt(flavors.size());
        for (Flavor f : flavors) {
            x.xdrEncodeInt(f.flavor());
            if (f.flavor() == Nfs4.RPCSEC_GSS) {
                XdrIo.opaque(x, f.oid());
                x.xdrEncodeInt(f.qop());
                x.xdrEncodeInt(f.service());
            }
        }
    }
}
