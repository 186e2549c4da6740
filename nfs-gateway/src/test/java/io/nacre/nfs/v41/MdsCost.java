package io.nacre.nfs.v41;

import io.nacre.meta.testkit.EmbeddedCore;
import java.util.List;

/**
 * What one step of a test cost the MDS: its calls in order (as the test's recording service saw them) and the
 * Raft entries applied.
 */
record MdsCost(List<String> calls, long commits) {

    /** A step of a test, which may throw. */
    interface Step {
        void run() throws Exception;
    }

    /** Runs the step and returns what it cost; {@code calls} is the list the test's recording service fills. */
    static MdsCost measure(List<String> calls, EmbeddedCore core, Step step) throws Exception {
        calls.clear();
        long before = core.metadataServer().appliedIndex();
        step.run();
        return new MdsCost(List.copyOf(calls), core.metadataServer().appliedIndex() - before);
    }
}
