package io.nacre.nfs.v41.xdr;

import java.io.IOException;
import org.dcache.oncrpc4j.xdr.XdrDecodingStream;
import org.dcache.oncrpc4j.xdr.XdrEncodingStream;

/**
 * callback_sec_parms4: the credential the server uses on the backchannel. For AUTH_SYS the
 * authsys_parms (RFC 5531): stamp, machine name, uid, gid, gids; for RPCSEC_GSS the handles (kept opaque).
 */
public record CallbackSecParms4(int flavor, int stamp, String machineName, int uid, int gid, int[] gids,
                                int gssService, byte[] gssHandleFromServer, byte[] gssHandleFromClient)
        implements XdrEncodable {

    /** RFC 5531: machinename is at most 255 bytes and gids at most 16. */
    private static final int MAX_MACHINE_NAME = 255;
    private static final int MAX_GIDS = 16;

    public static CallbackSecParms4 none() {
        return new CallbackSecParms4(Nfs4.AUTH_NONE, 0, "", 0, 0, new int[0], 0, new byte[0], new byte[0]);
    }

    public static CallbackSecParms4 sys(int stamp, String machine, int uid, int gid, int[] gids) {
        return new CallbackSecParms4(Nfs4.AUTH_SYS, stamp, machine, uid, gid, gids.clone(), 0, new byte[0],
                new byte[0]);
    }

    public static CallbackSecParms4 decode(XdrDecodingStream x) throws IOException {
        int flavor = x.xdrDecodeInt();
        return switch (flavor) {
            case Nfs4.AUTH_NONE -> none();
            case Nfs4.AUTH_SYS -> {
                int stamp = x.xdrDecodeInt();
                String machine = XdrIo.utf8(XdrIo.opaque(x, MAX_MACHINE_NAME));
                int uid = x.xdrDecodeInt();
                int gid = x.xdrDecodeInt();
                int n = XdrIo.count(x, MAX_GIDS);
                int[] gids = new int[n];
                for (int i = 0; i < n; i++) {
                    gids[i] = x.xdrDecodeInt();
                }
                yield sys(stamp, machine, uid, gid, gids);
            }
            case Nfs4.RPCSEC_GSS -> new CallbackSecParms4(flavor, 0, "", 0, 0, new int[0], x.xdrDecodeInt(),
                    XdrIo.opaque(x, Nfs4.OPAQUE_LIMIT), XdrIo.opaque(x, Nfs4.OPAQUE_LIMIT));
            default -> throw new BadXdrException("unknown callback security flavor " + flavor);
        };
    }

    @Override
    public void encode(XdrEncodingStream x) {
        x.xdrEncodeInt(flavor);
        switch (flavor) {
            case Nfs4.AUTH_SYS -> {
                x.xdrEncodeInt(stamp);
                x.xdrEncodeString(machineName);
                x.xdrEncodeInt(uid);
                x.xdrEncodeInt(gid);
                x.xdrEncodeIntVector(gids);
            }
            case Nfs4.RPCSEC_GSS -> {
                x.xdrEncodeInt(gssService);
                XdrIo.opaque(x, gssHandleFromServer);
                XdrIo.opaque(x, gssHandleFromClient);
            }
            default -> {
            }
        }
    }
}
