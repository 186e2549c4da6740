package io.nacre.nfs.v41;

import static org.assertj.core.api.Assertions.assertThat;

import io.nacre.engine.NacreException;
import io.nacre.engine.Status;
import io.nacre.nfs.v41.xdr.Nfs4Status;
import org.junit.jupiter.api.Test;

/** The core's Status as the Linux client sees it: "retry later" must be NFS4ERR_DELAY, which it retries. */
class ErrorsTest {

    @Test
    void transientStatusesAskTheClientToRetry() {
        // HSM: READ/WRITE/SETATTR(size) of a released file answer DELAY while the restore runs.
        assertThat(Errors.toNfs(new NacreException(Status.DELAY, "restoring"))).isEqualTo(Nfs4Status.NFS4ERR_DELAY);
        assertThat(Errors.toNfs(Status.BUSY)).isEqualTo(Nfs4Status.NFS4ERR_DELAY);
        assertThat(Errors.toNfs(Status.UNAVAILABLE)).isEqualTo(Nfs4Status.NFS4ERR_DELAY);
    }

    @Test
    void permanentStatusesAreTheirPosixCounterparts() {
        assertThat(Errors.toNfs(Status.NOT_FOUND)).isEqualTo(Nfs4Status.NFS4ERR_NOENT);
        assertThat(Errors.toNfs(Status.STALE)).isEqualTo(Nfs4Status.NFS4ERR_STALE);
        assertThat(Errors.toNfs(Status.CORRUPT)).isEqualTo(Nfs4Status.NFS4ERR_IO);
        for (Status s : Status.values()) {
            assertThat(Errors.toNfs(s)).as("%s", s).isNotEqualTo(Nfs4Status.NFS4_OK);
        }
    }
}
