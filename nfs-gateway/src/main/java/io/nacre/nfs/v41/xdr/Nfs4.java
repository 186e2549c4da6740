package io.nacre.nfs.v41.xdr;

/** Program numbers, sizes and flag constants of NFSv4.1 (RFC 5662). Status codes are in {@link Nfs4Status}. */
public final class Nfs4 {

    private Nfs4() {
    }

    public static final int PROGRAM = 100003;
    public static final int VERSION = 4;
    public static final int MINOR_VERSION = 1;
    public static final int PROC_NULL = 0;
    public static final int PROC_COMPOUND = 1;

    /** Callback program version (the program number is the client's, from CREATE_SESSION). */
    public static final int CB_VERSION = 1;
    public static final int CB_PROC_NULL = 0;
    public static final int CB_PROC_COMPOUND = 1;

    public static final int FHSIZE = 128;
    public static final int VERIFIER_SIZE = 8;
    public static final int OTHER_SIZE = 12;
    public static final int OPAQUE_LIMIT = 1024;
    public static final int SESSIONID_SIZE = 16;
    public static final long UINT64_MAX = -1L;
    public static final int UINT32_MAX = -1;

    // nfs_ftype4
    public static final int NF4REG = 1;
    public static final int NF4DIR = 2;
    public static final int NF4BLK = 3;
    public static final int NF4CHR = 4;
    public static final int NF4LNK = 5;
    public static final int NF4SOCK = 6;
    public static final int NF4FIFO = 7;
    public static final int NF4ATTRDIR = 8;
    public static final int NF4NAMEDATTR = 9;

    // ACCESS4
    public static final int ACCESS4_READ = 0x01;
    public static final int ACCESS4_LOOKUP = 0x02;
    public static final int ACCESS4_MODIFY = 0x04;
    public static final int ACCESS4_EXTEND = 0x08;
    public static final int ACCESS4_DELETE = 0x10;
    public static final int ACCESS4_EXECUTE = 0x20;

    // stable_how4
    public static final int UNSTABLE4 = 0;
    public static final int DATA_SYNC4 = 1;
    public static final int FILE_SYNC4 = 2;

    // nfs_lock_type4
    public static final int READ_LT = 1;
    public static final int WRITE_LT = 2;
    public static final int READW_LT = 3;
    public static final int WRITEW_LT = 4;

    // createmode4 / opentype4
    public static final int UNCHECKED4 = 0;
    public static final int GUARDED4 = 1;
    public static final int EXCLUSIVE4 = 2;
    public static final int EXCLUSIVE4_1 = 3;
    public static final int OPEN4_NOCREATE = 0;
    public static final int OPEN4_CREATE = 1;

    // share access / deny
    public static final int OPEN4_SHARE_ACCESS_READ = 1;
    public static final int OPEN4_SHARE_ACCESS_WRITE = 2;
    public static final int OPEN4_SHARE_ACCESS_BOTH = 3;
    public static final int OPEN4_SHARE_DENY_NONE = 0;
    public static final int OPEN4_SHARE_DENY_BOTH = 3;
    public static final int OPEN4_SHARE_ACCESS_WANT_DELEG_MASK = 0xFF00;
    public static final int OPEN4_SHARE_ACCESS_WANT_NO_DELEG = 0x0400;
    public static final int OPEN4_SHARE_ACCESS_WANT_CANCEL = 0x0500;

    // open_delegation_type4 / why_no_delegation4
    public static final int OPEN_DELEGATE_NONE = 0;
    public static final int OPEN_DELEGATE_READ = 1;
    public static final int OPEN_DELEGATE_WRITE = 2;
    public static final int OPEN_DELEGATE_NONE_EXT = 3;
    public static final int WND4_NOT_WANTED = 0;
    public static final int WND4_CONTENTION = 1;
    public static final int WND4_RESOURCE = 2;
    public static final int WND4_CANCELLED = 7;

    // open_claim_type4
    public static final int CLAIM_NULL = 0;
    public static final int CLAIM_PREVIOUS = 1;
    public static final int CLAIM_DELEGATE_CUR = 2;
    public static final int CLAIM_DELEGATE_PREV = 3;
    public static final int CLAIM_FH = 4;
    public static final int CLAIM_DELEG_CUR_FH = 5;
    public static final int CLAIM_DELEG_PREV_FH = 6;

    // OPEN4resok rflags
    public static final int OPEN4_RESULT_CONFIRM = 0x02;
    public static final int OPEN4_RESULT_LOCKTYPE_POSIX = 0x04;
    public static final int OPEN4_RESULT_PRESERVE_UNLINKED = 0x08;
    public static final int OPEN4_RESULT_MAY_NOTIFY_LOCK = 0x20;

    // time_how4
    public static final int SET_TO_SERVER_TIME4 = 0;
    public static final int SET_TO_CLIENT_TIME4 = 1;

    // EXCHANGE_ID flags
    public static final int EXCHGID4_FLAG_SUPP_MOVED_REFER = 0x00000001;
    public static final int EXCHGID4_FLAG_SUPP_MOVED_MIGR = 0x00000002;
    public static final int EXCHGID4_FLAG_BIND_PRINC_STATEID = 0x00000100;
    public static final int EXCHGID4_FLAG_USE_NON_PNFS = 0x00010000;
    public static final int EXCHGID4_FLAG_USE_PNFS_MDS = 0x00020000;
    public static final int EXCHGID4_FLAG_USE_PNFS_DS = 0x00040000;
    public static final int EXCHGID4_FLAG_MASK_PNFS = 0x00070000;
    public static final int EXCHGID4_FLAG_UPD_CONFIRMED_REC_A = 0x40000000;
    public static final int EXCHGID4_FLAG_CONFIRMED_R = 0x80000000;

    // state_protect_how4
    public static final int SP4_NONE = 0;
    public static final int SP4_MACH_CRED = 1;
    public static final int SP4_SSV = 2;

    // CREATE_SESSION flags
    public static final int CREATE_SESSION4_FLAG_PERSIST = 0x1;
    public static final int CREATE_SESSION4_FLAG_CONN_BACK_CHAN = 0x2;
    public static final int CREATE_SESSION4_FLAG_CONN_RDMA = 0x4;

    // channel_dir_from_client4 / _server4
    public static final int CDFC4_FORE = 0x1;
    public static final int CDFC4_BACK = 0x2;
    public static final int CDFC4_FORE_OR_BOTH = 0x3;
    public static final int CDFC4_BACK_OR_BOTH = 0x7;
    public static final int CDFS4_FORE = 0x1;
    public static final int CDFS4_BACK = 0x2;
    public static final int CDFS4_BOTH = 0x3;

    // SEQUENCE status flags
    public static final int SEQ4_STATUS_CB_PATH_DOWN = 0x001;
    public static final int SEQ4_STATUS_EXPIRED_ALL_STATE_REVOKED = 0x008;
    public static final int SEQ4_STATUS_EXPIRED_SOME_STATE_REVOKED = 0x010;
    public static final int SEQ4_STATUS_ADMIN_STATE_REVOKED = 0x020;
    public static final int SEQ4_STATUS_RECALLABLE_STATE_REVOKED = 0x040;
    public static final int SEQ4_STATUS_RESTART_RECLAIM_NEEDED = 0x100;
    public static final int SEQ4_STATUS_CB_PATH_DOWN_SESSION = 0x200;
    public static final int SEQ4_STATUS_BACKCHANNEL_FAULT = 0x400;

    // secinfo_style4 and RPC flavors
    public static final int SECINFO_STYLE4_CURRENT_FH = 0;
    public static final int SECINFO_STYLE4_PARENT = 1;
    public static final int AUTH_NONE = 0;
    public static final int AUTH_SYS = 1;
    public static final int RPCSEC_GSS = 6;

    // layouts (pNFS)
    public static final int LAYOUT4_NFSV4_1_FILES = 1;
    public static final int LAYOUTIOMODE4_READ = 1;
    public static final int LAYOUTIOMODE4_RW = 2;
    public static final int LAYOUTIOMODE4_ANY = 3;
    public static final int LAYOUTRECALL4_FILE = 1;
    public static final int LAYOUTRECALL4_FSID = 2;
    public static final int LAYOUTRECALL4_ALL = 3;

    // fh_expire_type
    public static final int FH4_PERSISTENT = 0;
}
