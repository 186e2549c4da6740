package io.nacre.engine.hsm;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.List;

/**
 * What the policy engine does (the rules of the configuration file, typed): archive files idle for a
 * while, release the least recently used archived files of an OST pool above a high watermark until it is
 * below a low one, remove archive copies some time after their file was deleted.
 *
 * @param removeAfterUnlink how long after its file's last unlink an archive copy is removed; null: never
 */
public record PolicyRules(List<ArchiveRule> archive, List<ReleaseRule> release, Duration removeAfterUnlink) {

    public static final PolicyRules NONE = new PolicyRules(List.of(), List.of(), null);

    public PolicyRules {
        archive = List.copyOf(archive);
        release = List.copyOf(release);
        if (removeAfterUnlink != null && removeAfterUnlink.isNegative()) {
            throw new IllegalArgumentException("remove after must be >= 0: " + removeAfterUnlink);
        }
    }

    public boolean isEmpty() {
        return archive.isEmpty() && release.isEmpty() && removeAfterUnlink == null;
    }

    /**
     * Archive regular files not modified for {@code olderThan}, under {@code path} ("" or "/" for all), with
     * data on OSTs of {@code pool} ("" for any), of {@code minSize} to {@code maxSize} bytes, to archive
     * {@code archiveId}. The first matching rule applies.
     */
    public record ArchiveRule(String name, Duration olderThan, String path, String pool, long minSize, long maxSize,
                              int archiveId) {
        public ArchiveRule {
            requireNonNull(name, "name");
            requireNonNull(olderThan, "olderThan");
            if (olderThan.isNegative()) {
                throw new IllegalArgumentException("archive rule " + name + ": older_than must be >= 0");
            }
            path = normalize(path);
            pool = pool == null ? "" : pool;
            if (minSize < 0 || maxSize < minSize) {
                throw new IllegalArgumentException("archive rule " + name + ": sizes must be 0 <= min_size <= max_size");
            }
            HsmLimits.checkArchiveId(archiveId);
        }

        /** True when {@code filePath} is {@link #path} or below it. */
        public boolean covers(String filePath) {
            return path.equals("/") || filePath != null && (filePath.equals(path) || filePath.startsWith(path + "/"));
        }
    }

    /**
     * Release the least recently used archived files with data on {@code pool}'s OSTs ("" for every OST)
     * when the pool is more than {@code high} full (a fraction), until it is below {@code low}.
     */
    public record ReleaseRule(String name, String pool, double high, double low) {
        public ReleaseRule {
            requireNonNull(name, "name");
            pool = pool == null ? "" : pool;
            if (!(low >= 0 && low < high && high <= 1)) {
                throw new IllegalArgumentException("release rule " + name + ": watermarks must be 0 <= low < high <= 100%");
            }
        }
    }

    static String normalize(String path) {
        if (path == null || path.isEmpty() || path.equals("/")) {
            return "/";
        }
        String p = path.startsWith("/") ? path : "/" + path;
        while (p.length() > 1 && p.endsWith("/")) {
            p = p.substring(0, p.length() - 1);
        }
        return p;
    }
}
