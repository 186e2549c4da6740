package io.nacre.engine.hsm;

/**
 * What a queued HSM request asks for: Lustre's copytool actions. RELEASE is not queued: as in Lustre it
 * is done at once by {@link HsmCoordinator#hsmRelease}, because it only drops OST objects of a file whose
 * data the archive already holds.
 */
public enum HsmAction {
    /** Copy the file's data to the archive. */
    ARCHIVE,
    /** Copy the data of a released file back from the archive into new OST objects. */
    RESTORE,
    /** Delete the file's copy from the archive. */
    REMOVE,
    /** Cancel the waiting or running requests of a file. */
    CANCEL,
}
