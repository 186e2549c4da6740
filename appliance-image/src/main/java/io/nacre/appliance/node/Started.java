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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a node process started ({@link Node}, {@link OssNode}), closed in reverse order; a close that fails is
 * logged and the others still close.
 */
final class Started implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Started.class);

    private final Deque<AutoCloseable> stack = new ArrayDeque<>();

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

    @Override
    public synchronized void close() {
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
