package io.nacre.engine.hsm;

import io.nacre.engine.layout.LayoutTemplate;

/**
 * The coordinator's record of a file's copy in an archive (the HSM catalog, replicated with the
 * namespace). It outlives the file by design: after the last unlink it stays, with {@code unlinked} set,
 * until a REMOVE deletes the copy, so that the copy can always be found by the file's Fid.
 *
 * @param archiveId   the archive (1..32)
 * @param handle      where the copytool put the data, in its own words (S3: {@code s3://bucket/key})
 * @param checksum    of the archived bytes, {@code algorithm:value} (e.g. {@code sha256:...}, or
 *                    {@code etag:...} for imported objects)
 * @param size        bytes archived
 * @param dataVersion the file's data version the copy holds
 * @param archived    when the copy was recorded (ns since the epoch)
 * @param template    the layout shape the data had when it was released, for the restore; null until then
 * @param unlinked    when the file's last name went (ns since the epoch); 0 while it exists
 */
public record ArchiveCopy(int archiveId, String handle, String checksum, long size, long dataVersion, long archived,
                          LayoutTemplate template, long unlinked) {

    public ArchiveCopy {
        HsmLimits.checkArchiveId(archiveId);
        if (handle == null || handle.isEmpty()) {
            throw new IllegalArgumentException("an archive copy needs a handle");
        }
        checksum = checksum == null ? "" : checksum;
    }

    public ArchiveCopy withTemplate(LayoutTemplate t) {
        return new ArchiveCopy(archiveId, handle, checksum, size, dataVersion, archived, t, unlinked);
    }

    public ArchiveCopy withUnlinked(long time) {
        return new ArchiveCopy(archiveId, handle, checksum, size, dataVersion, archived, template, time);
    }
}
