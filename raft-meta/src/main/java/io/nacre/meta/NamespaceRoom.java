package io.nacre.meta;

import io.nacre.engine.NacreException;
import io.nacre.engine.fault.Faults;
import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Set;
import jnr.ffi.LibraryLoader;
import jnr.ffi.annotations.SaveError;
import org.lmdbjava.EnvInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Disk space held ahead of the namespace's LMDB file, so that LMDB can run with {@code MDB_WRITEMAP}.
 *
 * <p>With WRITEMAP a write transaction stores into the shared map of {@code data.mdb} instead of copying its dirty
 * pages with ~15 write calls at commit, and LMDB sizes the file to the map (sparse). A store into a hole that the
 * file system cannot back (the disk is full) raises SIGBUS inside LMDB, which kills the JVM. So the file is kept
 * allocated ({@code fallocate(2)}, unwritten extents: no data is written) from its start to well past LMDB's last
 * page, and checked before every write transaction: when the room ahead falls under half of what is wanted, more
 * is allocated. A write transaction grows the file by at most a few times its log entry (a batch is at most 8 MiB),
 * far less than the room kept ({@link #MIN_RESERVE} at least, a quarter of the used size on a big namespace).
 *
 * <p>When the disk cannot give more room, the store says so ({@link #isShort}): the leader then refuses changes
 * that take space with {@code NO_SPACE} and lets through those that free it, and the room still held carries the
 * entries already in the log. Only if even that runs out does the apply stop, with a clear error, not a signal.
 *
 * <p>WRITEMAP is used where an overwrite of an allocated block needs no new block: ext4, xfs and tmpfs (with
 * {@code auto}, the default of {@code -Dnacre.mds.writemap}); on a copy-on-write file system (btrfs, ZFS) the
 * allocation ahead would not prevent SIGBUS, so there, and wherever {@code fallocate} is refused, the store keeps
 * LMDB's default mode (write calls at commit). {@code on} takes WRITEMAP on any file system whose
 * {@code fallocate} works; {@code off} never.
 */
final class NamespaceRoom implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(NamespaceRoom.class);

    static final String PROPERTY = "nacre.mds.writemap";
    /** The least room kept ahead of LMDB's last page, by default ({@code -Dnacre.mds.room}: bytes; tests make it small). */
    static final long MIN_RESERVE = 64L << 20;
    static final String RESERVE_PROPERTY = "nacre.mds.room";
    /** The fault point that makes an allocation fail as a full disk would (tests). */
    static final String FAULT = "mds.room.allocate";
    /** File systems where an allocated block is overwritten in place (see the class comment). */
    private static final Set<String> IN_PLACE = Set.of("ext4", "xfs", "tmpfs");

    private static final int O_RDWR = 2;
    /**
     * The file's size stays: a new file must stay empty for LMDB to make a new environment in it (LMDB with
     * WRITEMAP extends it to the map itself), and blocks allocated past the end stay allocated when it does.
     */
    private static final int FALLOC_FL_KEEP_SIZE = 1;
    private static final int EINTR = 4;
    private static final int ENOSPC = 28;

    /** The C library's calls used here (through jnr-ffi, which lmdbjava already loads). */
    public interface LibC {
        @SaveError
        int open(String path, int flags);

        @SaveError
        int fallocate(int fd, int mode, long offset, long length);

        int close(int fd);
    }

    private static volatile LibC libc;

    private final Path file;
    /** The descriptor fallocate goes through; -1 when the store runs without WRITEMAP. */
    private final int fd;
    private final long reserve;
    /** Under this room, with no more to be had, the apply stops rather than risk SIGBUS. */
    private final long floor;
    /** Bytes from the file's start known to be allocated. Changed only before write transactions (one at a time). */
    private long allocated;
    private volatile boolean isShort;

    private NamespaceRoom(Path file, int fd, long allocated, long reserve) {
        this.file = file;
        this.fd = fd;
        this.allocated = allocated;
        this.reserve = reserve;
        this.floor = reserve / 16;
    }

    /** A store that runs LMDB's default mode: no room to keep. */
    static NamespaceRoom none(Path file) {
        return new NamespaceRoom(file, -1, 0, 0);
    }

    /**
     * Chooses the mode for {@code file} (made here, empty, when missing) and, for WRITEMAP, allocates its present
     * size plus the room wanted for it. Called before LMDB opens the file.
     */
    static NamespaceRoom prepare(Path file) throws IOException {
        String setting = System.getProperty(PROPERTY, "auto").strip().toLowerCase(Locale.ROOT);
        if (!Set.of("auto", "on", "off").contains(setting)) {
            throw new IllegalArgumentException("-D" + PROPERTY + " must be auto, on or off, not '" + setting + "'");
        }
        if (setting.equals("off")) {
            return none(file);
        }
        if (!Files.exists(file)) {
            Files.createFile(file);
        }
        FileStore fs = Files.getFileStore(file);
        if (setting.equals("auto") && !IN_PLACE.contains(fs.type())) {
            LOG.info("namespace store on {} ({}): LMDB without WRITEMAP (only on {})", fs.type(), file, IN_PLACE);
            return none(file);
        }
        LibC c = libc();
        if (c == null) {
            return none(file);
        }
        int fd = c.open(file.toString(), O_RDWR);
        if (fd < 0) {
            LOG.warn("namespace store: cannot open {} for fallocate (errno {}): LMDB without WRITEMAP", file, errno(c));
            return none(file);
        }
        long reserve = Long.getLong(RESERVE_PROPERTY, MIN_RESERVE);
        if (reserve < 64 << 10) {
            c.close(fd);
            throw new IllegalArgumentException("-D" + RESERVE_PROPERTY + " must be at least 65536 bytes: " + reserve);
        }
        // LMDB's file in the default mode ends at its last page; in WRITEMAP mode it is the map's size (sparse), and
        // then its first part was allocated by an earlier open (which this repeats: allocated blocks stay as they are).
        long size = Math.min(Files.size(file), NamespaceStore.MAP_SIZE);
        if (size == NamespaceStore.MAP_SIZE) {
            size = 0; // the real end is known once LMDB is open: ensure() allocates up to it
        }
        long want = size + Math.max(reserve, size / 4);
        int err = allocate(c, fd, 0, want);
        if (err != 0) {
            c.close(fd);
            LOG.warn("namespace store: fallocate of {} bytes of {} failed (errno {}): LMDB without WRITEMAP", want, file, err);
            return none(file);
        }
        return new NamespaceRoom(file, fd, want, reserve);
    }

    private static LibC libc() {
        LibC c = libc;
        if (c == null) {
            try {
                c = LibraryLoader.create(LibC.class).failImmediately().load("c");
                libc = c;
            } catch (LinkageError | RuntimeException e) {
                LOG.warn("namespace store: no fallocate(2) through jnr-ffi ({}): LMDB without WRITEMAP", e.toString());
                return null;
            }
        }
        return c;
    }

    private static int errno(LibC c) {
        return jnr.ffi.Runtime.getRuntime(c).getLastError();
    }

    /** fallocate(2) of [offset, offset+length) keeping data as it is; 0 or the errno. */
    private static int allocate(LibC c, int fd, long offset, long length) {
        try {
            Faults.hit(FAULT);
        } catch (NacreException e) {
            return ENOSPC;
        }
        while (true) {
            if (c.fallocate(fd, FALLOC_FL_KEEP_SIZE, offset, length) == 0) {
                return 0;
            }
            int e = errno(c);
            if (e != EINTR) {
                return e;
            }
        }
    }

    /** The room wanted ahead of {@code used} bytes. */
    long wanted(long used) {
        return Math.max(reserve, used / 4);
    }

    /** Whether LMDB runs with WRITEMAP on this store. */
    boolean writemap() {
        return fd >= 0;
    }

    /** Whether the disk refused more room the last time it was asked: changes that take space are refused. */
    boolean isShort() {
        return isShort;
    }

    /** Bytes allocated from the file's start (tests). */
    long allocated() {
        return allocated;
    }

    /**
     * Before a write transaction: makes sure the room ahead of LMDB's last page ({@code info}, with pages of
     * {@code pageSize} bytes) is at least half of what is wanted, allocating up to all of it when not.
     *
     * @throws IllegalStateException when the disk gives no more and the room left is under a sixteenth of the
     *     reserve
     */
    void ensure(EnvInfo info, long pageSize) {
        if (fd < 0) {
            return;
        }
        long used = (info.lastPageNumber + 1) * pageSize;
        long want = wanted(used);
        if (allocated - used >= want / 2 && !isShort) {
            return;
        }
        long end = used + want;
        int err = end <= allocated ? 0 : allocate(libc, fd, allocated, end - allocated);
        if (err == 0) {
            allocated = Math.max(allocated, end);
            if (isShort) {
                LOG.info("namespace store {}: room again ({} bytes allocated ahead); changes are accepted", file, allocated - used);
                isShort = false;
            }
            return;
        }
        if (!isShort) {
            LOG.error("namespace store {}: no more disk space for the namespace ({} bytes left ahead of {} used, errno {}):"
                    + " changes that take space are refused until there is", file, allocated - used, used, err);
            isShort = true;
        }
        if (allocated - used < floor) {
            throw new IllegalStateException("the metadata server's disk is full: only " + (allocated - used)
                    + " bytes are left for the namespace (" + file + ", errno " + (err == ENOSPC ? "ENOSPC" : err) + ")");
        }
    }

    @Override
    public void close() {
        if (fd >= 0 && libc != null) {
            libc.close(fd);
        }
    }
}
