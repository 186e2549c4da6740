package io.nacre.engine.hsm;

import java.time.Duration;

/**
 * The coordinator's settings, replicated (Lustre's mdt.*.hsm.* parameters).
 *
 * @param activeRequestTimeout how long a started request may go without its agent reporting progress
 *                             before it is handed to another agent
 * @param maxAttempts          how many times a request is handed out before it fails for good
 * @param graceDelay           how long finished requests stay listed
 * @param defaultArchiveId     the archive of requests that name none
 * @param maxActive            the most requests started at once over all agents (0: no limit)
 */
public record HsmConfig(Duration activeRequestTimeout, int maxAttempts, Duration graceDelay, int defaultArchiveId,
                        int maxActive) {

    public static final HsmConfig DEFAULT = new HsmConfig(Duration.ofMinutes(10), 5, Duration.ofMinutes(1), 1, 0);

    public HsmConfig {
        if (activeRequestTimeout.compareTo(Duration.ofSeconds(1)) < 0) {
            throw new IllegalArgumentException("the active request timeout must be at least 1 s: " + activeRequestTimeout);
        }
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("max attempts must be >= 1: " + maxAttempts);
        }
        if (graceDelay.isNegative()) {
            throw new IllegalArgumentException("grace delay must be >= 0: " + graceDelay);
        }
        HsmLimits.checkArchiveId(defaultArchiveId);
        if (maxActive < 0) {
            throw new IllegalArgumentException("max active must be >= 0: " + maxActive);
        }
    }
}
