#!/usr/bin/env python3
"""File operations the workload and bench need that shell tools do not offer: POSIX and flock
locks between two processes, mmap I/O, reading a file after unlinking it, many creates/stats/unlinks.
Each subcommand exits non-zero with a message on the first wrong observation."""
import fcntl
import mmap
import os
import sys
import time


def fail(msg):
    print("  nfsops: " + msg, file=sys.stderr)
    sys.exit(1)


def in_child(fn):
    """Runs fn() in a forked process (a different lock owner) and returns its exit status."""
    pid = os.fork()
    if pid == 0:
        try:
            os._exit(0 if fn() else 1)
        except BaseException as e:  # report whatever went wrong in the child, then exit
            print("  nfsops child: %r" % (e,), file=sys.stderr)
            os._exit(2)
    return os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])


def try_lockf(path, op, length, start):
    fd = os.open(path, os.O_RDWR)
    try:
        fcntl.lockf(fd, op | fcntl.LOCK_NB, length, start)
        return True
    except OSError:
        return False
    finally:
        os.close(fd)


def locks(path):
    with open(path, "wb") as f:
        f.write(b"x" * 4096)
    fd = os.open(path, os.O_RDWR)
    # Byte-range locks: parent holds [0, 100) exclusively.
    fcntl.lockf(fd, fcntl.LOCK_EX, 100, 0)
    if in_child(lambda: try_lockf(path, fcntl.LOCK_EX, 10, 50)) == 0:
        fail("a second process got an overlapping write lock")
    if in_child(lambda: try_lockf(path, fcntl.LOCK_SH, 10, 50)) == 0:
        fail("a second process got a read lock overlapping a write lock")
    if in_child(lambda: try_lockf(path, fcntl.LOCK_EX, 100, 100)) != 0:
        fail("a second process could not lock a disjoint range")
    # A blocked waiter gets the lock once the holder lets go.
    r, w = os.pipe()

    def blocking_waiter():
        os.close(r)
        fd2 = os.open(path, os.O_RDWR)
        os.write(w, b"w")
        t0 = time.monotonic()
        fcntl.lockf(fd2, fcntl.LOCK_EX, 100, 0)   # blocks until the parent unlocks
        os.write(w, b"%.1f" % (time.monotonic() - t0))
        fcntl.lockf(fd2, fcntl.LOCK_UN, 100, 0)
        return True
    pid = os.fork()
    if pid == 0:
        os._exit(0 if blocking_waiter() else 1)
    os.close(w)
    if os.read(r, 1) != b"w":
        fail("waiter did not start")
    time.sleep(1)  # scenario, not synchronisation: let the waiter reach the server and be refused
    fcntl.lockf(fd, fcntl.LOCK_UN, 100, 0)
    waited = os.read(r, 32)
    status = os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
    if status != 0 or not waited:
        fail("blocked waiter did not get the lock after unlock (status %d)" % status)
    print("  blocked lock granted after %s s" % waited.decode())
    # Shared read locks coexist.
    fcntl.lockf(fd, fcntl.LOCK_SH, 0, 0)
    if in_child(lambda: try_lockf(path, fcntl.LOCK_SH, 0, 0)) != 0:
        fail("two read locks conflict")
    if in_child(lambda: try_lockf(path, fcntl.LOCK_EX, 0, 0)) == 0:
        fail("a write lock was granted over a read lock")
    fcntl.lockf(fd, fcntl.LOCK_UN, 0, 0)
    # flock(): exclusive between processes (on NFS the client maps it to a whole-file lock).
    fcntl.flock(fd, fcntl.LOCK_EX)

    def try_flock():
        fd2 = os.open(path, os.O_RDWR)
        try:
            fcntl.flock(fd2, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except OSError:
            return False
        finally:
            os.close(fd2)
    if in_child(try_flock) == 0:
        fail("a second process got an exclusive flock held by another")
    fcntl.flock(fd, fcntl.LOCK_UN)
    if in_child(try_flock) != 0:
        fail("flock not granted after the holder released it")
    # Closing the file releases its locks.
    fcntl.lockf(fd, fcntl.LOCK_EX, 0, 0)
    os.close(fd)
    if in_child(lambda: try_lockf(path, fcntl.LOCK_EX, 0, 0)) != 0:
        fail("lock not released by close")


def pattern(size, seed):
    block = bytes((i * 31 + seed) & 0xFF for i in range(4096))
    return (block * (size // 4096 + 1))[:size]


def mmap_write(path, size):
    """Writes a pattern through a shared mapping of a new file and msyncs it."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o644)
    os.ftruncate(fd, size)
    with mmap.mmap(fd, size, mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE) as m:
        m[:] = pattern(size, 7)
        m.flush()
    os.close(fd)


def mmap_verify(path, size):
    """Checks the pattern through read() and through a read-only mapping."""
    want = pattern(size, 7)
    with open(path, "rb") as f:
        if f.read() != want:
            fail("read() does not see what was written through mmap")
    fd = os.open(path, os.O_RDONLY)
    with mmap.mmap(fd, size, mmap.MAP_SHARED, mmap.PROT_READ) as m:
        if m[:] != want:
            fail("mmap read differs from what was written")
    os.close(fd)


def open_unlinked(path):
    data = pattern(1 << 20, 3)
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o644)
    os.write(fd, data)
    os.fsync(fd)
    os.unlink(path)
    if os.path.exists(path):
        fail("name still there after unlink")
    if os.pread(fd, len(data), 0) != data:
        fail("data not readable through the descriptor after unlink")
    os.pwrite(fd, b"more", len(data))
    os.fsync(fd)
    if os.fstat(fd).st_size != len(data) + 4:
        fail("fstat size wrong after writing to an unlinked file")
    if os.pread(fd, 4, len(data)) != b"more":
        fail("write to the unlinked file not readable back")
    os.close(fd)


def mkfiles(d, n):
    for i in range(n):
        os.close(os.open(os.path.join(d, "f%05d" % i), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644))


def meta(d, n, phase):
    """One phase of the metadata bench; prints the phase's operations per second."""
    names = [os.path.join(d, "m%05d" % i) for i in range(n)]
    t0 = time.monotonic()
    if phase == "create":
        for p in names:
            os.close(os.open(p, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644))
    elif phase == "stat":
        for p in names:
            os.stat(p)
    elif phase == "unlink":
        for p in names:
            os.unlink(p)
    else:
        fail("unknown phase " + phase)
    print("%.3f" % (time.monotonic() - t0))


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "locks":
        locks(args[0])
    elif cmd == "mmap-write":
        mmap_write(args[0], int(args[1]))
    elif cmd == "mmap-verify":
        mmap_verify(args[0], int(args[1]))
    elif cmd == "open-unlinked":
        open_unlinked(args[0])
    elif cmd == "mkfiles":
        mkfiles(args[0], int(args[1]))
    elif cmd == "meta":
        meta(args[0], int(args[1]), args[2])
    else:
        fail("unknown command " + cmd)


if __name__ == "__main__":
    main()
