package io.nacre.appliance.admin;

import io.nacre.engine.hsm.HsmRequest;
import io.nacre.engine.hsm.HsmStatus;
import java.util.List;
import java.util.Set;

/**
 * The HSM admin API's JSON documents (also what {@code nacre hsm ... --json} prints). Times are
 * nanoseconds since the epoch; field names are stable (snake_case on the wire).
 */
public final class HsmJson {

    private HsmJson() {
    }

    /** Files to act on, and how (action: archive, restore, remove, cancel; flags for set/clear by lfs name). */
    public record Batch(String action, int archiveId, List<String> paths, List<String> set, List<String> clear) {
    }

    /** What happened to one file of a batch: its request, its new state, or the error. */
    public record FileResult(String path, String fid, Long requestId, String state, String error, String message) {
    }

    public record BatchResult(List<FileResult> results) {
    }

    /** lfs hsm_state. */
    public record State(String path, String fid, int flags, int archiveId, String state) {
    }

    /** One request, as hsm action and hsm status list them. */
    public record Request(long id, String action, String fid, String path, int archiveId, String state, int uid,
                          long submitted, long notBefore, String agent, int attempt, long started, long deadline,
                          long bytesDone, long finished, String error, String message) {
        static Request of(HsmRequest r, String path) {
            return new Request(r.id(), r.action().name().toLowerCase(java.util.Locale.ROOT), r.fid().toString(), path,
                    r.archiveId(), r.state().name().toLowerCase(java.util.Locale.ROOT), r.uid(), r.submitted(),
                    r.notBefore(), r.agent(), r.attempt(), r.started(), r.deadline(), r.bytesDone(), r.finished(),
                    r.error() == null ? null : r.error().name(), r.message());
        }
    }

    public record Actions(String path, String fid, List<Request> requests) {
    }

    public record Agent(String name, Set<Integer> archiveIds, long lastSeen, long active, long succeeded, long failed) {
    }

    /** A changelog consumer; stalled when its oldest unread record is older than stalled_after_s. */
    public record Consumer(String name, long cleared, long behind, long oldestUnread, boolean stalled) {
    }

    public record Status(long now, long activeRequestTimeoutS, int maxAttempts, long graceDelayS, int defaultArchiveId,
                         int maxActive, long waiting, long started, long catalog, List<Request> requests,
                         List<Agent> agents, List<Consumer> consumers, long changelogLast, List<Integer> localArchives,
                         boolean policyRunning) {
        /** A consumer this far behind in time is shown as stalled. */
        static final long STALLED_AFTER_NS = 10L * 60 * 1_000_000_000L;

        static Status of(HsmStatus s, List<Request> requests, List<Integer> localArchives, boolean policy) {
            return new Status(s.now(), s.config().activeRequestTimeout().toSeconds(), s.config().maxAttempts(),
                    s.config().graceDelay().toSeconds(), s.config().defaultArchiveId(), s.config().maxActive(),
                    s.waiting(), s.started(), s.catalog(), requests,
                    s.agents().stream().map(a -> new Agent(a.name(), a.archiveIds(), a.lastSeen(), a.active(),
                            a.succeeded(), a.failed())).toList(),
                    s.consumers().stream().map(c -> new Consumer(c.name(), c.cleared(), c.behind(), c.oldestUnread(),
                            c.behind() > 0 && s.now() - c.oldestUnread() > STALLED_AFTER_NS)).toList(),
                    s.changelogLast(), localArchives, policy);
        }
    }

    /** Coordinator settings to change; null fields stay. */
    public record Config(Long activeRequestTimeoutS, Integer maxAttempts, Long graceDelayS, Integer defaultArchiveId,
                         Integer maxActive) {
    }

    public record Import(String source, String path, int archiveId, boolean refresh) {
    }

    public record ImportResult(String source, String path, long created, long updated, long unchanged, long skipped,
                               long directories, List<String> problems) {
    }

    public record PolicyAction(String kind, String fid, String path, long size, String why) {
    }

    public record Plan(List<PolicyAction> actions) {
    }

    /**
     * Where a copytool process finds the instance: the MDS peers ("id=host:port,..."), the OSS serving its
     * OSTs, the cluster secret (hex) OSS requests are signed with, and the Raft group's cluster name.
     */
    public record Cluster(String mdsPeers, String oss, String secret, String cluster) {
    }

    public record Files(List<String> files) {
    }

    /** A bucket's glacier mode (archived objects show as GLACIER; released ones need RestoreObject). */
    public record Glacier(String bucket, boolean on) {
    }
}
