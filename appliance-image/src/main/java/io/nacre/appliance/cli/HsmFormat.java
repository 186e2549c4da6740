package io.nacre.appliance.cli;

import io.nacre.appliance.admin.HsmJson;

/** Text output of the hsm verbs, close to what lfs and lctl print. */
final class HsmFormat {

    private HsmFormat() {
    }

    /** One request: "ARCHIVE started on agent-1, attempt 1 (10485760 bytes moved)". */
    static String request(HsmJson.Request r) {
        StringBuilder sb = new StringBuilder(r.action().toUpperCase(java.util.Locale.ROOT)).append(' ').append(r.state());
        if (r.state().equals("started")) {
            sb.append(" on ").append(r.agent()).append(", attempt ").append(r.attempt()).append(" (")
                    .append(r.bytesDone()).append(" bytes moved)");
        } else if (r.state().equals("waiting") && r.attempt() > 0) {
            sb.append(", ").append(r.attempt()).append(" attempt(s) so far");
        }
        if (r.error() != null && !r.message().isEmpty()) {
            sb.append(": ").append(r.message());
        }
        return sb.toString();
    }

    static String settings(HsmJson.Status s) {
        return "coordinator: active request timeout " + s.activeRequestTimeoutS() + " s, max attempts " + s.maxAttempts()
                + ", grace delay " + s.graceDelayS() + " s, default archive " + s.defaultArchiveId() + ", max active "
                + (s.maxActive() == 0 ? "unlimited" : Integer.toString(s.maxActive())) + "\n";
    }

    static String status(HsmJson.Status s) {
        StringBuilder sb = new StringBuilder(settings(s));
        sb.append("queue: ").append(s.waiting()).append(" waiting, ").append(s.started()).append(" started; catalog: ")
                .append(s.catalog()).append(" archive copies\n");
        sb.append("this instance: ").append(s.localArchives().isEmpty() ? "no archive" : "archive(s) " + s.localArchives())
                .append(", policy engine ").append(s.policyRunning() ? "running" : "off").append('\n');
        sb.append("agents:").append(s.agents().isEmpty() ? " none\n" : "\n");
        for (HsmJson.Agent a : s.agents()) {
            sb.append("  %-40s archives %-8s active %3d  done %6d  failed %4d  last seen %s ago%n".formatted(a.name(),
                    a.archiveIds().toString().replace(" ", ""), a.active(), a.succeeded(), a.failed(),
                    HsmVerbs.ago(s.now(), a.lastSeen())));
        }
        sb.append("changelog consumers (last record ").append(s.changelogLast()).append("):")
                .append(s.consumers().isEmpty() ? " none\n" : "\n");
        for (HsmJson.Consumer c : s.consumers()) {
            sb.append("  %-20s cleared %10d  behind %8d".formatted(c.name(), c.cleared(), c.behind()));
            if (c.behind() > 0) {
                sb.append("  oldest unread ").append(HsmVerbs.ago(s.now(), c.oldestUnread())).append(" ago");
            }
            if (c.stalled()) {
                sb.append("  STALLED: every record since is kept until it clears them");
            }
            sb.append('\n');
        }
        if (!s.requests().isEmpty()) {
            sb.append("requests:\n");
            for (HsmJson.Request r : s.requests()) {
                sb.append("  %8d %-8s %-8s %s%n".formatted(r.id(), r.action(), r.state(),
                        (r.path() == null ? r.fid() : r.path()) + (r.state().equals("started") ? "  " + r.agent() + " "
                                + r.bytesDone() + " bytes" : "")));
            }
        }
        return sb.toString();
    }
}
