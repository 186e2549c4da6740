package io.nacre.nfs.v41.ops;

import static io.nacre.nfs.v41.xdr.Nfs4Status.*;

import io.nacre.engine.meta.MetadataService;
import io.nacre.engine.meta.Results.DirChange;
import io.nacre.nfs.v41.NfsException;
import io.nacre.nfs.v41.xdr.ChangeInfo4;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/** component4 names and link text, checked as RFC 8881 §14 asks. */
final class Names {

    private Names() {
    }

    /**
     * A file name: NFS4ERR_INVAL if empty or not UTF-8, NFS4ERR_NAMETOOLONG beyond NAME_MAX bytes,
     * NFS4ERR_BADCHAR for '/' or NUL, NFS4ERR_BADNAME for "." and "..".
     */
    static String component(byte[] name) {
        if (name.length == 0) {
            throw new NfsException(NFS4ERR_INVAL, "empty name");
        }
        if (name.length > MetadataService.NAME_MAX) {
            throw new NfsException(NFS4ERR_NAMETOOLONG, "name of " + name.length + " bytes");
        }
        boolean ascii = true;
        for (byte b : name) {
            if (b == '/' || b == 0) {
                throw new NfsException(NFS4ERR_BADCHAR, "'/' or NUL in a name");
            }
            ascii &= b >= 0;
        }
        // ASCII is UTF-8 as it is: most names skip the strict decoder (one made per call) of every LOOKUP and REMOVE
        String s = ascii ? new String(name, StandardCharsets.US_ASCII) : utf8(name);
        if (s.equals(".") || s.equals("..")) {
            throw new NfsException(NFS4ERR_BADNAME, "'" + s + "' as a name");
        }
        return s;
    }

    /** Symlink text: any UTF-8 up to PATH_MAX bytes. */
    static String linkText(byte[] text) {
        if (text.length == 0) {
            throw new NfsException(NFS4ERR_INVAL, "empty symlink text");
        }
        if (text.length > MetadataService.PATH_MAX) {
            throw new NfsException(NFS4ERR_NAMETOOLONG, "symlink text of " + text.length + " bytes");
        }
        return utf8(text);
    }

    private static String utf8(byte[] b) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b)).toString();
        } catch (CharacterCodingException e) {
            throw new NfsException(NFS4ERR_INVAL, "name is not UTF-8");
        }
    }

    static ChangeInfo4 cinfo(DirChange d) {
        return new ChangeInfo4(true, d.before(), d.after());
    }
}
