package io.nacre.appliance.hsm;

import io.nacre.appliance.fileio.Poll;
import io.nacre.engine.Fid;
import io.nacre.engine.NacreException;
import io.nacre.engine.Status;
import io.nacre.engine.io.FileIo;
import java.nio.ByteBuffer;
import java.time.Duration;

/** What the HSM tests share: doing I/O as an NFS client does, retrying while the answer is DELAY. */
final class HsmTesting {

    static final Duration WAIT = Duration.ofSeconds(120);

    private HsmTesting() {
    }

    /** Runs {@code io} until it does not answer DELAY (a released file being restored); counts the DELAYs. */
    static long retryingDelay(String what, Runnable io) {
        long[] delays = {0};
        Poll.until(WAIT, what, () -> {
            try {
                io.run();
                return true;
            } catch (NacreException e) {
                if (e.status() != Status.DELAY) {
                    throw e;
                }
                delays[0]++;
                return false;
            }
        });
        return delays[0];
    }

    /** The whole file, read as a client that retries on DELAY would. */
    static byte[] readAll(FileIo io, Fid f) {
        ByteBuffer b = ByteBuffer.allocate((int) io.getattr(f).size());
        retryingDelay("the read of " + f + " is answered", () -> {
            b.clear();
            while (b.hasRemaining() && io.read(f, b.position(), b) > 0) {
                // reading on
            }
        });
        return b.array();
    }
}
