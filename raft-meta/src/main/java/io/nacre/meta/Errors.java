package io.nacre.meta;

import io.nacre.engine.NacreException;
import io.nacre.engine.Status;
import java.io.IOException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import org.apache.ratis.protocol.exceptions.StateMachineException;

/** Maps what the Ratis client throws, after its own retries, to the MDS's Status. */
final class Errors {

    private Errors() {
    }

    static NacreException fromRaft(Throwable t) {
        Throwable c = t;
        while ((c instanceof CompletionException || c instanceof ExecutionException) && c.getCause() != null) {
            c = c.getCause();
        }
        if (c instanceof NacreException ne) {
            return ne;
        }
        if (c instanceof StateMachineException sme) {
            // Only a request the leader could not even decode ends up here.
            return new NacreException(Status.INVALID, "the metadata server refused the request: " + sme.getMessage(), sme);
        }
        if (c instanceof IOException) {
            return new NacreException(Status.UNAVAILABLE, "the metadata service did not answer (no leader reachable in "
                    + "time): " + c, c);
        }
        if (c == null) {
            return new NacreException(Status.IO, "the metadata request failed without a cause");
        }
        return new NacreException(Status.IO, "the metadata request failed: " + c, c);
    }
}
