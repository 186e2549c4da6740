package io.nacre.nfs.v41.attr;

import static io.nacre.nfs.v41.attr.AttrNum.*;

import io.nacre.engine.meta.Attr;
import io.nacre.engine.meta.FsStat;
import io.nacre.engine.meta.MetadataService;
import io.nacre.nfs.v41.NfsException;
import io.nacre.nfs.v41.xdr.Fattr4;
import io.nacre.nfs.v41.xdr.Nfs4;
import io.nacre.nfs.v41.xdr.Nfs4Status;
import io.nacre.nfs.v41.xdr.NfsTime4;
import io.nacre.nfs.v41.xdr.XdrBytes;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Builds fattr4 values (RFC 8881 §5): every REQUIRED attribute and the RECOMMENDED ones Linux asks for,
 * in attribute order. The owner and group are numeric strings; fs_locations is not supported.
 */
public final class AttrEncoder {

    /** Attributes a client may set at an EXCLUSIVE4_1 create (suppattr_exclcreat). */
    public static final int[] EXCLCREAT = Bitmap.of(SIZE, MODE, OWNER, OWNER_GROUP, TIME_ACCESS_SET, TIME_MODIFY_SET);
    /** Attributes SETATTR and the create operations can set. */
    public static final int[] SETTABLE = EXCLCREAT;

    private static final int[] BASE = Bitmap.of(SUPPORTED_ATTRS, TYPE, FH_EXPIRE_TYPE, CHANGE, SIZE, LINK_SUPPORT,
            SYMLINK_SUPPORT, NAMED_ATTR, FSID, UNIQUE_HANDLES, LEASE_TIME, RDATTR_ERROR, ACLSUPPORT, CANSETTIME,
            CASE_INSENSITIVE, CASE_PRESERVING, CHOWN_RESTRICTED, FILEHANDLE, FILEID, FILES_AVAIL, FILES_FREE,
            FILES_TOTAL, HOMOGENEOUS, MAXFILESIZE, MAXLINK, MAXNAME, MAXREAD, MAXWRITE, MODE, NO_TRUNC, NUMLINKS,
            OWNER, OWNER_GROUP, RAWDEV, SPACE_AVAIL, SPACE_FREE, SPACE_TOTAL, SPACE_USED, TIME_ACCESS, TIME_ACCESS_SET,
            TIME_CREATE, TIME_DELTA, TIME_METADATA, TIME_MODIFY, TIME_MODIFY_SET, MOUNTED_ON_FILEID, SUPPATTR_EXCLCREAT);
    private static final int[] WITH_LAYOUTS = Bitmap.of(orBits(BASE, FS_LAYOUT_TYPES, LAYOUT_BLKSIZE));

    private static int[] orBits(int[] mask, int... more) {
        int[] bits = Bitmap.bits(mask);
        int[] all = java.util.Arrays.copyOf(bits, bits.length + more.length);
        System.arraycopy(more, 0, all, bits.length, more.length);
        return all;
    }

    /**
     * What an object's attributes are computed from: the inode's attributes, its filehandle, the file
     * system's statfs, whether it was removed while open, and the bytes it occupies (the filehandle, statfs
     * and space_used asked only when an attribute needs them: a stat's GETATTR asks none of them).
     */
    public record Target(Attr attr, Supplier<byte[]> fh, Supplier<FsStat> statfs, boolean unlinked,
                         LongSupplier spaceUsed) {
    }

    private final FsInfo fs;
    private final IdMapper ids;
    private final int[] supported;

    public AttrEncoder(FsInfo fs, IdMapper ids) {
        this.fs = fs;
        this.ids = ids;
        this.supported = fs.layoutTypes().length > 0 ? WITH_LAYOUTS : BASE;
    }

    public int[] supported() {
        return supported.clone();
    }

    public boolean isSupported(int attr) {
        return Bitmap.isSet(supported, attr);
    }

    /**
     * The requested attributes that this server supports, with their values. Write-only attributes
     * (time_access_set, time_modify_set) cannot be read: NFS4ERR_INVAL.
     */
    public Fattr4 encode(int[] requested, Target t) {
        if (Bitmap.isSet(requested, TIME_ACCESS_SET) || Bitmap.isSet(requested, TIME_MODIFY_SET)) {
            throw new NfsException(Nfs4Status.NFS4ERR_INVAL, "time_access_set and time_modify_set are write-only");
        }
        return encodeSupported(Bitmap.and(requested, supported), t, Nfs4Status.NFS4_OK);
    }

    /** For READDIR with rdattr_error: the attributes of an entry whose attributes could not be had. */
    public Fattr4 encodeError(int[] requested, int status) {
        if (!Bitmap.isSet(requested, RDATTR_ERROR)) {
            throw new NfsException(status, "attributes of a directory entry");
        }
        return encodeSupported(Bitmap.of(RDATTR_ERROR), null, status);
    }

    private Fattr4 encodeSupported(int[] mask, Target t, int rdattrError) {
        // a Linux stat's values are 140 bytes; in attribute order, the bits walked in place
        XdrBytes x = new XdrBytes(256);
        for (int i = 0; i < mask.length; i++) {
            for (int w = mask[i]; w != 0; w &= w - 1) {
                encodeOne(x, i * 32 + Integer.numberOfTrailingZeros(w), t, rdattrError);
            }
        }
        return new Fattr4(mask, x.toByteArray());
    }

    private void encodeOne(XdrBytes x, int attr, Target t, int rdattrError) {
        Attr a = t == null ? null : t.attr();
        switch (attr) {
            case SUPPORTED_ATTRS -> x.xdrEncodeIntVector(supported); // bitmap4
            case TYPE -> x.xdrEncodeInt(type(a));
            case FH_EXPIRE_TYPE -> x.xdrEncodeInt(Nfs4.FH4_PERSISTENT);
            case CHANGE -> x.xdrEncodeLong(a.change());
            case SIZE -> x.xdrEncodeLong(a.size());
            case LINK_SUPPORT, SYMLINK_SUPPORT, UNIQUE_HANDLES, CANSETTIME, CASE_PRESERVING, CHOWN_RESTRICTED,
                 HOMOGENEOUS, NO_TRUNC -> x.xdrEncodeBoolean(true);
            case NAMED_ATTR, CASE_INSENSITIVE -> x.xdrEncodeBoolean(false);
            case FSID -> {
                x.xdrEncodeLong(fs.fsid());
                x.xdrEncodeLong(0);
            }
            case LEASE_TIME -> x.xdrEncodeInt(fs.leaseSeconds());
            case RDATTR_ERROR -> x.xdrEncodeInt(rdattrError);
            case ACLSUPPORT -> x.xdrEncodeInt(0);
            case FILEHANDLE -> x.xdrEncodeDynamicOpaque(t.fh().get());
            case FILEID, MOUNTED_ON_FILEID -> x.xdrEncodeLong(FileIds.of(a.fid()));
            case FILES_AVAIL, FILES_FREE -> x.xdrEncodeLong(t.statfs().get().filesFree());
            case FILES_TOTAL -> x.xdrEncodeLong(t.statfs().get().filesTotal());
            case MAXFILESIZE -> x.xdrEncodeLong(FsInfo.MAX_FILE_SIZE);
            case MAXLINK -> x.xdrEncodeInt(MetadataService.LINK_MAX);
            case MAXNAME -> x.xdrEncodeInt(MetadataService.NAME_MAX);
            case MAXREAD -> x.xdrEncodeLong(fs.maxRead());
            case MAXWRITE -> x.xdrEncodeLong(fs.maxWrite());
            case MODE -> x.xdrEncodeInt(a.mode() & 07777);
            case NUMLINKS -> x.xdrEncodeInt(t.unlinked() ? 0 : a.nlink());
            case OWNER -> ids.encodeOwner(x, a.uid());
            case OWNER_GROUP -> ids.encodeGroup(x, a.gid());
            case RAWDEV -> {
                x.xdrEncodeInt(a.rdevMajor());
                x.xdrEncodeInt(a.rdevMinor());
            }
            case SPACE_AVAIL -> x.xdrEncodeLong(t.statfs().get().bytesAvail());
            case SPACE_FREE -> x.xdrEncodeLong(t.statfs().get().bytesFree());
            case SPACE_TOTAL -> x.xdrEncodeLong(t.statfs().get().bytesTotal());
            case SPACE_USED -> x.xdrEncodeLong(t.spaceUsed().getAsLong());
            case TIME_ACCESS -> NfsTime4.encodeNanos(x, a.atime());
            case TIME_CREATE -> NfsTime4.encodeNanos(x, a.btime());
            case TIME_DELTA -> {
                x.xdrEncodeLong(0);
                x.xdrEncodeInt(1);
            }
            case TIME_METADATA -> NfsTime4.encodeNanos(x, a.ctime());
            case TIME_MODIFY -> NfsTime4.encodeNanos(x, a.mtime());
            case FS_LAYOUT_TYPES -> x.xdrEncodeIntVector(fs.layoutTypes());
            case LAYOUT_BLKSIZE -> x.xdrEncodeInt(fs.layoutBlksize());
            case SUPPATTR_EXCLCREAT -> x.xdrEncodeIntVector(EXCLCREAT);
            default -> throw new IllegalStateException("attribute " + attr + " is marked supported but not encoded");
        }
    }

    /** nfs_ftype4 of an inode type. */
    public static int type(Attr a) {
        return switch (a.type()) {
            case REGULAR -> Nfs4.NF4REG;
            case DIRECTORY -> Nfs4.NF4DIR;
            case SYMLINK -> Nfs4.NF4LNK;
            case BLOCK -> Nfs4.NF4BLK;
            case CHAR -> Nfs4.NF4CHR;
            case FIFO -> Nfs4.NF4FIFO;
            case SOCKET -> Nfs4.NF4SOCK;
        };
    }
}
