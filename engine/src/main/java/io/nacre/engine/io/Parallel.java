package io.nacre.engine.io;

import io.nacre.engine.NacreException;
import io.nacre.engine.Status;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;

/**
 * Runs blocking calls side by side on virtual threads and waits for every one of them, even when one
 * fails or the caller is interrupted: the calls use the caller's buffers, which must not be touched
 * after the caller has returned.
 */
final class Parallel {

    private Parallel() {
    }

    /** A blocking call that may throw a NacreException. */
    @FunctionalInterface
    interface Call {
        void run();
    }

    /** Runs the calls (the only one inline), waits for all, then throws the first failure, if any. */
    static void run(ExecutorService threads, List<? extends Call> calls) {
        if (calls.isEmpty()) {
            return;
        }
        if (calls.size() == 1) {
            calls.get(0).run();
            return;
        }
        List<Future<?>> futures = new ArrayList<>(calls.size());
        for (Call c : calls) {
            futures.add(threads.submit(c::run));
        }
        Throwable failure = null;
        boolean interrupted = false;
        for (Future<?> f : futures) {
            while (true) {
                try {
                    f.get();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true;
                } catch (ExecutionException e) {
                    if (failure == null) {
                        failure = e.getCause();
                    } else if (failure != e.getCause()) {
                        failure.addSuppressed(e.getCause());
                    }
                    break;
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        if (failure != null) {
            throw rethrow(failure);
        }
    }

    /** The failure as an unchecked exception: NacreExceptions and Errors as they are, the rest as IO. */
    static RuntimeException rethrow(Throwable t) {
        if (t instanceof Error e) {
            throw e;
        }
        if (t instanceof RuntimeException r) {
            return r;
        }
        return new NacreException(Status.IO, String.valueOf(t), t);
    }
}
