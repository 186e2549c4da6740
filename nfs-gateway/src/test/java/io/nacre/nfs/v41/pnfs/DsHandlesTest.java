package io.nacre.nfs.v41.pnfs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nacre.engine.Fid;
import io.nacre.engine.layout.ObjectRef;
import io.nacre.nfs.v41.FileHandles;
import io.nacre.nfs.v41.NfsStatuses;
import io.nacre.nfs.v41.xdr.Nfs4Status;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class DsHandlesTest {

    private static final byte[] SECRET = "0123456789abcdef0123456789abcdef".getBytes();
    private final DsHandles handles = new DsHandles(42, SECRET);

    private static int status(Runnable r) {
        return NfsStatuses.of(r);
    }

    @Test
    void aHandleDecodesToWhatWasSigned() {
        DsHandle h = new DsHandle(new Fid(0x200000400L, 7, 3), new ObjectRef(2, 0x1234), 9, 0x4000000000000007L);
        byte[] fh = handles.encode(h);
        assertThat(fh).hasSize(DsHandles.SIZE);
        assertThat(handles.decode(fh)).isEqualTo(h);
    }

    @Test
    void everySingleBitFlipIsRefused() {
        byte[] fh = handles.encode(new DsHandle(new Fid(0x200000400L, 7, 3), new ObjectRef(2, 0x1234), 9, 0x4000000000000007L));
        for (int bit = 0; bit < fh.length * 8; bit++) {
            byte[] bad = fh.clone();
            bad[bit / 8] ^= (byte) (1 << (bit % 8));
            int s = status(() -> handles.decode(bad));
            assertThat(s).as("bit %d", bit).isIn(Nfs4Status.NFS4ERR_BADHANDLE, Nfs4Status.NFS4ERR_STALE);
            // the file system id is signed too: a flip there fails the signature before the fsid is read
            assertThat(s).as("bit %d", bit).isEqualTo(Nfs4Status.NFS4ERR_BADHANDLE);
        }
    }

    @Test
    void handlesOfAnotherSecretOrFileSystemOrKindAreRefused() {
        DsHandle h = new DsHandle(new Fid(0x200000400L, 1, 0), new ObjectRef(0, 1), 1, 2);
        byte[] other = new DsHandles(42, "another secret of 32 bytes......".getBytes()).encode(h);
        assertThat(status(() -> handles.decode(other))).isEqualTo(Nfs4Status.NFS4ERR_BADHANDLE);
        byte[] otherFs = new DsHandles(43, SECRET).encode(h);
        assertThat(status(() -> handles.decode(otherFs))).isEqualTo(Nfs4Status.NFS4ERR_STALE);
        byte[] mds = new FileHandles(42).encode(h.fid());
        assertThat(status(() -> handles.decode(mds))).isEqualTo(Nfs4Status.NFS4ERR_BADHANDLE);
        assertThat(status(() -> new FileHandles(42).decode(handles.encode(h)))).isEqualTo(Nfs4Status.NFS4ERR_BADHANDLE);
        assertThat(status(() -> handles.decode(new byte[0]))).isEqualTo(Nfs4Status.NFS4ERR_BADHANDLE);
        assertThat(status(() -> handles.decode(Arrays.copyOf(handles.encode(h), DsHandles.SIZE + 1))))
                .isEqualTo(Nfs4Status.NFS4ERR_BADHANDLE);
    }

    @Test
    void randomBytesNeverDecode() {
        Random rnd = new Random(5);
        byte[] fh = new byte[DsHandles.SIZE];
        for (int i = 0; i < 10_000; i++) {
            rnd.nextBytes(fh);
            fh[0] = 'N';
            fh[1] = 1;
            fh[2] = DsHandles.KIND_DS;
            assertThat(status(() -> handles.decode(fh))).isEqualTo(Nfs4Status.NFS4ERR_BADHANDLE);
        }
    }

    @Test
    void aShortSecretIsRejected() {
        assertThatThrownBy(() -> new DsHandles(1, new byte[8])).isInstanceOf(IllegalArgumentException.class);
    }
}
