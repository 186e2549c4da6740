package io.nacre.engine.hsm;

import io.nacre.engine.Caller;
import io.nacre.engine.Fid;
import io.nacre.engine.meta.Attr;
import io.nacre.engine.meta.HsmState;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Lustre's HSM coordinator, as part of the replicated metadata service (every call below is one
 * replicated change or one linearizable read; {@link io.nacre.engine.meta.MetadataService} extends
 * this). Requests queue durably; agents pull them for their archive ids ({@link #hsmFetch}), report
 * progress ({@link #hsmProgress}) and complete them ({@link #hsmComplete}); a started request whose
 * agent goes silent for the active request timeout is handed out again, and only the attempt that holds
 * it can complete it, so no request is lost or completed twice. Every outcome is an HSM changelog record.
 *
 * <p>Who may do what follows Lustre's defaults: a file's owner may set and clear NOARCHIVE, NORELEASE
 * and DIRTY, and anyone who may read a file may ask for its restore; everything else is root's.
 */
public interface HsmCoordinator {

    /**
     * lfs hsm_set / hsm_clear: sets then clears flags of {@link HsmState} and, when {@code archiveId} is
     * not 0, sets the archive id. RELEASED cannot be set or cleared here (release and restore do that);
     * DIRTY needs EXISTS; NORELEASE cannot be set on a released file; EXISTS and ARCHIVED cannot be
     * cleared from a released file. Returns the new state.
     */
    HsmState hsmSetState(Caller caller, Fid fid, int set, int clear, int archiveId);

    /**
     * Queues a request for one file (archive id 0: the file's archive, else the default), or finds the
     * same request already active for it. ARCHIVE of a file whose copy is current and RESTORE of a file
     * that is not released need nothing: the answer is then null. CANCEL cancels the file's active
     * requests and returns the last one it cancelled (null if none). A request conflicting with an
     * active one of another kind is BUSY. {@code notBefore} (ns since the epoch, 0 for now) delays it.
     */
    HsmRequest hsmSubmit(Caller caller, HsmAction action, Fid fid, int archiveId, long notBefore);

    /**
     * lfs hsm_release, done at once: drops the OST objects of an archived file whose copy is current
     * (not dirty, not lost, no NORELEASE, nothing running for it), keeping its size and attributes; its
     * layout becomes released and remembers its shape for the restore. {@code dataVersion}, unless -1,
     * must still be the file's (a guard against writes between the caller's look and the release).
     */
    Attr hsmRelease(Caller caller, Fid fid, long dataVersion);

    /**
     * An agent asks for up to {@code max} waiting requests of its archive ids (and so registers, or says
     * it is alive). Started requests whose timeout passed are first handed back to the queue. Requests are
     * picked fairly ({@link FairQueue}).
     */
    List<HsmWork> hsmFetch(String agent, Set<Integer> archiveIds, int max);

    /**
     * An agent reports the bytes done of its running requests, which pushes their deadlines back. Returns
     * the ids among them it must stop: cancelled, timed out and handed to someone else, or finished.
     */
    Set<Long> hsmProgress(String agent, Map<Long, Long> bytesDone);

    /**
     * Ends an attempt. STALE when the attempt no longer holds the request (then nothing changes, except
     * that a staged restore file is removed). Returns the request as it now is.
     */
    HsmRequest hsmComplete(String agent, long requestId, int attempt, HsmOutcome outcome);

    /** Creates (or with refresh, updates) a released stub {@code name} in {@code dir}; root only. */
    HsmImport.Result hsmImport(Caller caller, Fid dir, String name, HsmImport.Spec spec);

    /** Changes the coordinator's settings; root only. */
    void hsmConfigure(Caller caller, HsmConfig config);

    /** The requests of a file still listed (active, or finished within the grace delay), oldest first. */
    List<HsmRequest> hsmRequests(Fid fid);

    /** The coordinator's state, with at most {@code maxRequests} active requests listed. */
    HsmStatus hsmStatus(int maxRequests);

    /** The archive copy recorded for a file (also after it was unlinked, until removed), or null. */
    ArchiveCopy hsmCopy(Fid fid);

    /** A page of the catalog in Fid order, after {@code after} (null from the start), at most {@code max}. */
    List<HsmCatalogEntry> hsmCatalog(Fid after, int max);
}
