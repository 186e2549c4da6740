package io.nacre.engine.hsm;

import io.nacre.engine.Fid;
import io.nacre.engine.Status;

/**
 * One request in the coordinator's replicated queue, as {@code nacre hsm action} and {@code status}
 * show it. Times are nanoseconds since the epoch, decided by the MDS leader; 0 where not applicable.
 *
 * @param id        unique, increasing: the queue's order
 * @param archiveId the archive (1..32) the request concerns
 * @param uid       who asked
 * @param submitted when it was queued
 * @param notBefore not handed to an agent before this time (retry back-off, delayed removal)
 * @param agent     the agent running it (STARTED) or that ran it last; "" before any
 * @param attempt   how many times it was handed to an agent
 * @param started   when the current (or last) attempt started
 * @param deadline  when a STARTED attempt times out unless its agent reports progress
 * @param bytesDone progress of the current attempt, as its agent reported it
 * @param finished  when it reached a final state
 * @param error     why it failed or was cancelled; null otherwise
 * @param message   a sentence about the error, or ""
 * @param handle    for a REMOVE of a replaced archive copy: which copy; null for the file's current copy
 */
public record HsmRequest(long id, HsmAction action, Fid fid, int archiveId, State state, int uid, long submitted,
                         long notBefore, String agent, int attempt, long started, long deadline, long bytesDone,
                         long finished, Status error, String message, String handle) {

    /** A request's life: WAITING -> STARTED -> SUCCEEDED | FAILED | CANCELED; STARTED -> WAITING on time-out or retry. */
    public enum State {
        WAITING, STARTED, SUCCEEDED, FAILED, CANCELED;

        /** Still to be done or being done. */
        public boolean active() {
            return this == WAITING || this == STARTED;
        }
    }

    public HsmRequest {
        agent = agent == null ? "" : agent;
        message = message == null ? "" : message;
    }
}
