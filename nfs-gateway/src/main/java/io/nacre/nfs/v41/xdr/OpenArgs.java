package io.nacre.nfs.v41.xdr;

import java.io.IOException;
import org.dcache.oncrpc4j.xdr.XdrDecodingStream;
import org.dcache.oncrpc4j.xdr.XdrEncodingStream;

/**
 * OPEN4args, with the openflag4 and open_claim4 unions flattened: {@code createMode},
 * {@code createAttrs} and {@code createVerifier} matter when {@code openType} is OPEN4_CREATE;
 * {@code claimName} for CLAIM_NULL, CLAIM_DELEGATE_CUR and CLAIM_DELEGATE_PREV;
 * {@code claimDelegateType} for CLAIM_PREVIOUS; {@code claimStateid} for CLAIM_DELEGATE_CUR and
 * CLAIM_DELEG_CUR_FH.
 */
public record OpenArgs(int seqid, int shareAccess, int shareDeny, StateOwner4 owner, int openType,
                       int createMode, Fattr4 createAttrs, long createVerifier, int claimType, byte[] claimName,
                       int claimDelegateType, Stateid4 claimStateid) implements OpArgs {

    /** An OPEN without create by name (CLAIM_NULL). */
    public static OpenArgs byName(StateOwner4 owner, int access, int deny, byte[] name) {
        return new OpenArgs(0, access, deny, owner, Nfs4.OPEN4_NOCREATE, 0, null, 0, Nfs4.CLAIM_NULL, name, 0, null);
    }

    /** An OPEN with create by name (CLAIM_NULL). */
    public static OpenArgs create(StateOwner4 owner, int access, int deny, byte[] name, int mode, Fattr4 attrs,
                                  long verifier) {
        return new OpenArgs(0, access, deny, owner, Nfs4.OPEN4_CREATE, mode, attrs, verifier, Nfs4.CLAIM_NULL, name, 0,
                null);
    }

    public static OpenArgs decode(XdrDecodingStream x) throws IOException {
        int seqid = x.xdrDecodeInt();
        int access = x.xdrDecodeInt();
        int deny = x.xdrDecodeInt();
        StateOwner4 owner = StateOwner4.decode(x);
        int openType = x.xdrDecodeInt();
        int mode = 0;
        Fattr4 attrs = null;
        long verifier = 0;
        if (openType == Nfs4.OPEN4_CREATE) {
            mode = x.xdrDecodeInt();
            switch (mode) {
                case Nfs4.UNCHECKED4, Nfs4.GUARDED4 -> attrs = Fattr4.decode(x);
                case Nfs4.EXCLUSIVE4 -> verifier = x.xdrDecodeLong();
                case Nfs4.EXCLUSIVE4_1 -> {
                    verifier = x.xdrDecodeLong();
                    attrs = Fattr4.decode(x);
                }
                default -> throw new BadXdrException("unknown createmode4 " + mode);
            }
        } else if (openType != Nfs4.OPEN4_NOCREATE) {
            throw new BadXdrException("unknown opentype4 " + openType);
        }
        int claim = x.xdrDecodeInt();
        byte[] name = null;
        int delegType = 0;
        Stateid4 stateid = null;
        switch (claim) {
            case Nfs4.CLAIM_NULL, Nfs4.CLAIM_DELEGATE_PREV -> name = XdrIo.opaque(x, MAX_NAME);
            case Nfs4.CLAIM_PREVIOUS -> delegType = x.xdrDecodeInt();
            case Nfs4.CLAIM_DELEGATE_CUR -> {
                stateid = Stateid4.decode(x);
                name = XdrIo.opaque(x, MAX_NAME);
            }
            case Nfs4.CLAIM_DELEG_CUR_FH -> stateid = Stateid4.decode(x);
            case Nfs4.CLAIM_FH, Nfs4.CLAIM_DELEG_PREV_FH -> {
            }
            default -> throw new BadXdrException("unknown open_claim_type4 " + claim);
        }
        return new OpenArgs(seqid, access, deny, owner, openType, mode, attrs, verifier, claim, name, delegType, stateid);
    }

    @Override
    public int opnum() {
        return OpNum.OPEN;
    }

    @Override
    public void encode(XdrEncodingStream x) {
        x.xdrEncodeInt(seqid);
        x.xdrEncodeInt(shareAccess);
        x.xdrEncodeInt(shareDeny);
        owner.encode(x);
        x.xdrEncodeInt(openType);
        if (openType == Nfs4.OPEN4_CREATE) {
            x.xdrEncodeInt(createMode);
            switch (createMode) {
                case Nfs4.UNCHECKED4, Nfs4.GUARDED4 -> createAttrs.encode(x);
                case Nfs4.EXCLUSIVE4 -> x.xdrEncodeLong(createVerifier);
                default -> {
                    x.xdrEncodeLong(createVerifier);
                    createAttrs.encode(x);
                }
            }
        }
        x.xdrEncodeInt(claimType);
        switch (claimType) {
            case Nfs4.CLAIM_NULL, Nfs4.CLAIM_DELEGATE_PREV -> XdrIo.opaque(x, claimName);
            case Nfs4.CLAIM_PREVIOUS -> x.xdrEncodeInt(claimDelegateType);
            case Nfs4.CLAIM_DELEGATE_CUR -> {
                claimStateid.encode(x);
                XdrIo.opaque(x, claimName);
            }
            case Nfs4.CLAIM_DELEG_CUR_FH -> claimStateid.encode(x);
            default -> {
            }
        }
    }
}
