package io.nacre.engine.hsm;

import io.nacre.engine.Fid;

/**
 * A request handed to an agent: run it, report progress, then complete it with {@link HsmCoordinator#hsmComplete}
 * quoting the request id and attempt (a report about an earlier attempt is refused).
 *
 * @param copy for RESTORE and REMOVE, the archive copy to read or delete; null for ARCHIVE
 * @param previous for ARCHIVE, the file's current copy (being replaced), or null
 */
public record HsmWork(long requestId, int attempt, HsmAction action, Fid fid, int archiveId, ArchiveCopy copy,
                      ArchiveCopy previous) {
}
