package io.nacre.engine.store;

import io.nacre.engine.layout.ObjectRef;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * The OST objects a node can reach: local LMDB-backed OSTs, or OSTs on other nodes through their OSS.
 * Objects exist implicitly: an object never written reads as empty (size 0) and the first write
 * creates it. Holes read as zeros. Every call may throw {@link io.nacre.engine.NacreException}
 * (CORRUPT when stored data fails its checksum, NO_SPACE, UNAVAILABLE, IO). Calls block; callers
 * run them on virtual threads to go parallel.
 */
public interface ObjectStore extends AutoCloseable {

    /** The OSTs this store reaches. */
    List<OstInfo> osts();

    /**
     * Reads from {@code offset} into {@code dst} up to its remaining space or the object's end,
     * whichever comes first, advancing dst's position. Returns the number of bytes read (0 at or
     * beyond the end of the object).
     */
    int read(ObjectRef object, long offset, ByteBuffer dst);

    /**
     * Writes {@code src}'s remaining bytes at {@code offset}, advancing its position. Returns the OST's
     * instance number: it changes when the OST restarts, so a caller holding unstable writes can tell
     * (as NFS's write verifier does) that they may have been lost and must be sent again.
     */
    long write(ObjectRef object, long offset, ByteBuffer src, Durability durability);

    /** Makes every unstable write to this object durable; returns the OST's instance number. */
    long sync(ObjectRef object);

    /** Sets the object's size: drops data beyond it (punch), or extends it with a hole. Durable on return. */
    void truncate(ObjectRef object, long size);

    /** Removes the object and frees its space. Durable on return; destroying an absent object is a no-op. */
    void destroy(ObjectRef object);

    ObjectStat stat(ObjectRef object);

    /** The most objects one {@link #list} call returns. */
    int LIST_MAX = 16_384;

    /**
     * One page of the objects OST {@code ost} holds: up to {@code max} (1 to {@link #LIST_MAX}) of those with ids
     * above {@code after} (0: from the start), in ascending id order, each with its size, bytes used and last
     * write time. Fewer than max only when no object follows. The last write time is that of the last write or
     * truncate, or a later one, never an earlier one: an OST that lost track of it (records from before it kept
     * times; writes replayed from its log after a crash) gives the time it started keeping times or its
     * recovery's. Each page is one consistent view of the OST; objects written or destroyed between two pages
     * are seen as they were when their page was read. Objects never written nor truncated, and destroyed ones,
     * are not listed.
     */
    List<ListedObject> list(int ost, long after, int max);

    OstUsage usage(int ost);

    /** The OST's current instance number (see {@link #write}). */
    long instance(int ost);

    @Override
    void close();
}
