package io.nacre.nfs.v41;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nacre.engine.Fid;
import io.nacre.nfs.v41.xdr.Nfs4;
import io.nacre.nfs.v41.xdr.Nfs4Status;
import org.junit.jupiter.api.Test;

class FileHandlesTest {

    private final FileHandles handles = new FileHandles(0x1234_5678_9abc_def0L);

    @Test
    void aHandleNamesItsFidAndFitsTheProtocol() {
        Fid fid = new Fid(Fid.FIRST_NORMAL_SEQ + 3, 0x1ffff, 7);
        byte[] fh = handles.encode(fid);
        assertThat(fh.length).isEqualTo(FileHandles.SIZE).isLessThanOrEqualTo(Nfs4.FHSIZE);
        assertThat(handles.decode(fh)).isEqualTo(fid);
        assertThat(new FileHandles(0x1234_5678_9abc_def0L).decode(fh)).as("a new server instance").isEqualTo(fid);
    }

    @Test
    void aHandleKeepsItsBytesAcrossVersions() {
        // clients hold handles across server restarts and upgrades: magic, version, kind, 0, fsid, seq, oid, ver
        byte[] fh = handles.encode(new Fid(Fid.FIRST_NORMAL_SEQ + 3, 0x8001ffff, 0xfffffffe));
        assertThat(java.util.HexFormat.of().formatHex(fh))
                .isEqualTo("4e010100" + "123456789abcdef0" + "0000000200000403" + "8001ffff" + "fffffffe");
        assertThat(handles.decode(fh)).isEqualTo(new Fid(Fid.FIRST_NORMAL_SEQ + 3, 0x8001ffff, 0xfffffffe));
    }

    @Test
    void aHandleOfAnotherFileSystemIsStale() {
        byte[] fh = new FileHandles(1).encode(Fid.ROOT);
        assertThatThrownBy(() -> handles.decode(fh)).isInstanceOfSatisfying(NfsException.class,
                e -> assertThat(e.status()).isEqualTo(Nfs4Status.NFS4ERR_STALE));
    }

    @Test
    void bytesThatAreNotOurHandleAreBad() {
        byte[] fh = handles.encode(Fid.ROOT);
        for (byte[] bad : new byte[][] {new byte[0], new byte[28], java.util.Arrays.copyOf(fh, 27),
                java.util.Arrays.copyOf(fh, 29)}) {
            assertThatThrownBy(() -> handles.decode(bad)).isInstanceOfSatisfying(NfsException.class,
                    e -> assertThat(e.status()).isEqualTo(Nfs4Status.NFS4ERR_BADHANDLE));
        }
        byte[] otherKind = fh.clone();
        otherKind[2] = 2;
        assertThatThrownBy(() -> handles.decode(otherKind)).isInstanceOf(NfsException.class);
    }
}
