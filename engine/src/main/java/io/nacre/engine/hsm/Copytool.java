package io.nacre.engine.hsm;

import io.nacre.engine.Fid;
import io.nacre.engine.NacreException;
import io.nacre.engine.Status;
import io.nacre.engine.meta.Attr;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Moves file data between Nacre and one kind of archive (an S3 bucket, ...): the seam between the HSM
 * agent ({@link HsmAgent}, which talks to the coordinator and to FileIo) and the archive. A copytool
 * never touches the namespace; it is handed the request and a channel to or from the file's bytes.
 * Failures are NacreExceptions: NOT_FOUND when an archive copy is gone, CORRUPT when restored bytes do
 * not match their checksum, UNAVAILABLE or IO when the archive could not be reached (retried).
 */
public interface Copytool extends AutoCloseable {

    /** The archive ids this copytool serves (1..32). */
    Set<Integer> archiveIds();

    /**
     * Copies {@code data} (the file's bytes, from 0 to {@code job.attr().size()}) into the archive and
     * says where they went and their checksum.
     */
    Archived archive(Job job, ReadableByteChannel data, Progress progress);

    /**
     * Copies the bytes of {@code job.copy()} into {@code sink}, verifying them against the copy's size and
     * checksum before returning (CORRUPT when they differ: the caller then throws the bytes away).
     */
    void restore(Job job, WritableByteChannel sink, Progress progress);

    /**
     * Deletes the archive copy {@code job.copy()}; one already gone counts as deleted. A copy the archive
     * says was not written for this file (another file's, or an imported object) is left alone.
     */
    void remove(Job job);

    /**
     * Lists the objects under {@code source} (e.g. {@code s3://bucket/prefix}) for an import, calling
     * {@code each} for every one in key order. NOT_SUPPORTED unless the archive can be listed.
     */
    default void list(String source, Consumer<ListedObject> each) {
        throw new NacreException(Status.NOT_SUPPORTED, "this copytool cannot list " + source);
    }

    @Override
    void close();

    /**
     * What to do: the request, the file and its archive; for ARCHIVE the file's path now (null when it
     * has none) and attributes (owner, mode and times go with the copy), and the copy it replaces (or
     * null); for RESTORE and REMOVE the copy.
     */
    record Job(long requestId, HsmAction action, Fid fid, int archiveId, String path, Attr attr, ArchiveCopy copy) {
    }

    /** Where the data went and its checksum ({@code algorithm:value}). */
    record Archived(String handle, String checksum, long size) {
    }

    /** An object found by {@link #list}: its handle, its path below the listed prefix, size, mtime (ns), checksum. */
    record ListedObject(String handle, String relativePath, long size, long mtime, String checksum) {
    }

    /**
     * Reports progress. {@link #done} throws (a NacreException with Status BUSY) once the request has
     * been taken from this agent (cancelled, or timed out and handed to another): the copytool then stops.
     */
    interface Progress {
        void done(long bytes);
    }
}
