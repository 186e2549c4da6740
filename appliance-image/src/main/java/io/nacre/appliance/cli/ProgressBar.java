package io.nacre.appliance.cli;

import java.io.PrintWriter;

/**
 * A one-line progress bar on stderr when it is a terminal ({@code [#####.....] 120/300 files}), redrawn in
 * place; lines printed meanwhile go above it. Off a terminal it prints nothing of its own.
 */
final class ProgressBar implements AutoCloseable {

    private static final int WIDTH = 30;

    private final PrintWriter err;
    private final long total;
    private final String unit;
    private final boolean live;
    private long done;

    private ProgressBar(PrintWriter err, long total, String unit, boolean live) {
        this.err = err;
        this.total = total;
        this.unit = unit;
        this.live = live;
        draw();
    }

    /** A bar that draws only when the process has a terminal (and more than one item to show). */
    static ProgressBar onTerminal(PrintWriter err, long total, String unit) {
        return new ProgressBar(err, total, unit, System.console() != null && total > 1);
    }

    void advance(long n) {
        done += n;
        draw();
    }

    /** Prints a line (to err) above the bar. */
    void above(String line) {
        above(line, err);
    }

    /** Prints a line to {@code to} above the bar. */
    void above(String line, PrintWriter to) {
        clear();
        to.println(line);
        to.flush();
        draw();
    }

    /** The bar as drawn for a count: {@code [#####.....] 5/10 files}. */
    static String render(long done, long total, String unit) {
        int filled = total == 0 ? WIDTH : (int) (WIDTH * Math.min(done, total) / total);
        return "[" + "#".repeat(filled) + ".".repeat(WIDTH - filled) + "] " + done + "/" + total + " " + unit;
    }

    private void draw() {
        if (live) {
            err.print("\r" + render(done, total, unit));
            err.flush();
        }
    }

    private void clear() {
        if (live) {
            err.print("\r" + " ".repeat(WIDTH + 40) + "\r");
        }
    }

    @Override
    public void close() {
        if (live) {
            err.println();
            err.flush();
        }
    }
}
