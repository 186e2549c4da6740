package io.nacre.engine.hsm;

import java.util.List;
import java.util.Set;

/**
 * The coordinator at a glance ({@code nacre hsm status}): its settings, the queue, the agents and the
 * changelog consumers.
 *
 * @param requests  the active requests (started first, then waiting, in queue order), at most as many as asked
 * @param waiting   how many requests wait
 * @param started   how many run
 * @param catalog   how many archive copies are recorded (live files and unlinked ones)
 * @param changelogLast the index of the last changelog record
 * @param now       the time the status was taken at (ns since the epoch, the MDS's clock)
 */
public record HsmStatus(HsmConfig config, List<HsmRequest> requests, long waiting, long started, long catalog,
                        List<Agent> agents, List<Consumer> consumers, long changelogLast, long now) {

    public HsmStatus {
        requests = List.copyOf(requests);
        agents = List.copyOf(agents);
        consumers = List.copyOf(consumers);
    }

    /** A registered agent: what it serves, when it last asked for work or reported, and its counts. */
    public record Agent(String name, Set<Integer> archiveIds, long lastSeen, long active, long succeeded,
                        long failed) {
        public Agent {
            archiveIds = Set.copyOf(archiveIds);
        }
    }

    /**
     * A changelog consumer: the last record it cleared, how many records it has not, and the time of the
     * oldest of those (0 when it is up to date). A consumer whose oldest unread record is old is stalled,
     * and holds every newer record in the MDS.
     */
    public record Consumer(String name, long cleared, long behind, long oldestUnread) {
    }
}
