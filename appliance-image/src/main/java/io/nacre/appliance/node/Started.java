package io.nacre.appliance.node;

import io.nacre.ost.Ost;
import io.nacre.ost.OstOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a node process started ({@link Node}, {@link OssNode}), closed in reverse order; a close that fails is
 * logged and the others still close. The HTTP servers among them are told to stop first, all at once
 * ({@link #stopEarly}): each takes about 2 s to be down whatever it serves (Netty's acceptor waits out a quiet
 * period), so that their stops in turn made a node's close 5 s longer than it had to be.
 */
final class Started implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Started.class);

    private final Deque<AutoCloseable> stack = new ArrayDeque<>();
    private final Deque<Supplier<CompletableFuture<?>>> early = new ArrayDeque<>();

    synchronized void push(AutoCloseable c) {
        stack.push(c);
    }

    /** The data directory, made if missing, as an absolute path. */
    static Path dataDir(Path dir) {
        Path data = dir.toAbsolutePath();
        try {
            Files.createDirectories(data);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the data directory " + data, e);
        }
        return data;
    }

    /**
     * Opens OSTs {@code first} .. {@code first + count - 1} under {@code data}/ost/OSTxxxx into {@code osts},
     * each closed with this stack.
     */
    void openOsts(Path data, int first, int count, OstOptions options, List<Ost> osts) {
        for (int i = 0; i < count; i++) {
            int index = first + i;
            Ost ost = Ost.open(data.resolve("ost").resolve("OST%04x".formatted(index)), index, options);
            osts.add(ost);
            push(ost);
        }
    }

    /**
     * A server whose stop {@link #close} begins before it closes anything: it stops accepting requests then and
     * finishes those under way, while the others stop too; its own close (pushed as well) waits for the stop
     * begun here, and then closes what the server holds. For front ends only (HTTP servers), whose requests
     * may still use whatever was started before them.
     */
    synchronized void stopEarly(Supplier<CompletableFuture<?>> stop) {
        early.push(stop);
    }

    @Override
    public synchronized void close() {
        while (!early.isEmpty()) {
            Supplier<CompletableFuture<?>> stop = early.pop();
            try {
                stop.get();
            } catch (RuntimeException e) {
                LOG.warn("stopping a server failed", e);
            }
        }
        while (!stack.isEmpty()) {
            AutoCloseable c = stack.pop();
            try {
                c.close();
            } catch (Exception e) {
                LOG.warn("closing {} failed", c, e);
            }
        }
    }
}
