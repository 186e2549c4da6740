package io.nacre.nfs.v41;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The platform threads compounds run on: a task goes to the most recently idle thread, or to a new one
 * when none is idle (a compound blocks on a metadata commit or OST I/O, so the number is not bounded:
 * what bounds it is the clients' slots); a thread idle for the keep-alive ends.
 *
 * <p>Why not {@code Executors.newCachedThreadPool()}, which does the same: its idle threads wait in a
 * {@code SynchronousQueue}, which spins before it parks. In the kernel-client bench's guest (one emulated
 * CPU's worth of host time for two vCPUs) JFR found nfs-workers spinning there in 17% of the server's Java
 * samples during creates, CPU the next request needed. Here an idle thread parks at once and is handed
 * its next task directly.
 */
final class RequestWorkers extends AbstractExecutorService {

    /** A thread of the pool; {@code task} is handed over under the pool's lock. */
    private final class Worker implements Runnable {
        final Thread thread;
        Runnable task;

        Worker(Runnable first, String name) {
            this.task = first;
            this.thread = new Thread(this, name);
            thread.setDaemon(true);
        }

        @Override
        public void run() {
            Runnable r;
            while ((r = next()) != null) {
                try {
                    r.run();
                } catch (RuntimeException | Error e) {
                    Thread.UncaughtExceptionHandler h = thread.getUncaughtExceptionHandler();
                    h.uncaughtException(thread, e);
                }
            }
        }

        /** This thread's next task, or null when it should end (idle past the keep-alive, or shut down). */
        private Runnable next() {
            lock.lock();
            try {
                Runnable r = task;
                task = null;
                if (r != null) {
                    return r;
                }
                if (shutdown) {
                    exit();
                    return null;
                }
                idle.push(this);
            } finally {
                lock.unlock();
            }
            long deadline = System.nanoTime() + keepAliveNanos;
            while (true) {
                long left = deadline - System.nanoTime();
                // an interrupt left over from the last task would make every park return at once
                Thread.interrupted();
                LockSupport.parkNanos(this, Math.max(0, left));
                lock.lock();
                try {
                    Runnable r = task;
                    if (r != null) {
                        task = null;
                        return r;
                    }
                    if (shutdown || deadline - System.nanoTime() <= 0) {
                        idle.remove(this);
                        exit();
                        return null;
                    }
                } finally {
                    lock.unlock();
                }
            }
        }

        /** Under the lock. */
        private void exit() {
            all.remove(this);
            threads--;
            if (threads == 0) {
                terminated.signalAll();
            }
        }
    }

    private final String namePrefix;
    private final long keepAliveNanos;
    private final AtomicInteger ids = new AtomicInteger();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition terminated = lock.newCondition();
    /** Idle workers, the most recently idle first (its stack and caches are warm). */
    private final ArrayDeque<Worker> idle = new ArrayDeque<>();
    /** Every live worker, for shutdownNow's interrupts. */
    private final Set<Worker> all = new HashSet<>();
    private int threads;
    private boolean shutdown;

    RequestWorkers(String namePrefix, long keepAlive, TimeUnit unit) {
        this.namePrefix = namePrefix;
        this.keepAliveNanos = unit.toNanos(keepAlive);
    }

    @Override
    public void execute(Runnable command) {
        if (command == null) {
            throw new NullPointerException("command");
        }
        Worker w;
        boolean created = false;
        lock.lock();
        try {
            if (shutdown) {
                throw new RejectedExecutionException("the NFS request workers are shut down");
            }
            w = idle.poll();
            if (w != null) {
                w.task = command;
            } else {
                w = new Worker(command, namePrefix + ids.incrementAndGet());
                created = true;
                threads++;
                all.add(w);
            }
        } finally {
            lock.unlock();
        }
        if (created) {
            w.thread.start();
        } else {
            LockSupport.unpark(w.thread);
        }
    }

    @Override
    public void shutdown() {
        List<Worker> wake;
        lock.lock();
        try {
            shutdown = true;
            wake = new ArrayList<>(idle);
        } finally {
            lock.unlock();
        }
        wake.forEach(w -> LockSupport.unpark(w.thread));
    }

    @Override
    public List<Runnable> shutdownNow() {
        shutdown();
        List<Worker> running;
        lock.lock();
        try {
            running = new ArrayList<>(all);
        } finally {
            lock.unlock();
        }
        running.forEach(w -> w.thread.interrupt());
        return List.of();
    }

    @Override
    public boolean isShutdown() {
        lock.lock();
        try {
            return shutdown;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public boolean isTerminated() {
        lock.lock();
        try {
            return shutdown && threads == 0;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
        long left = unit.toNanos(timeout);
        lock.lock();
        try {
            while (!(shutdown && threads == 0)) {
                if (left <= 0) {
                    return false;
                }
                left = terminated.awaitNanos(left);
            }
            return true;
        } finally {
            lock.unlock();
        }
    }
}
