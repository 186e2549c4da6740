package io.nacre.s3.keys;

import static java.util.Objects.requireNonNull;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Walks a directory tree in S3 key order: the binary order of whole keys, where a directory "a"
 * sorts as "a/" (so "a-c" and "a.txt" come before everything under "a/"). Each directory is read in
 * name order, page by page, through a {@link Lister}; a directory is held back until every sibling
 * whose name sorts before its name + "/" has been produced. Starting in the middle (a marker, a
 * continuation token, a prefix) seeks: only the directories on the start key's path are entered and
 * each is listed from just before the start, never scanned from its beginning.
 *
 * <p>The walker produces {@link Step}s: objects, and directories as they are entered (key "a/b/"),
 * which the caller may {@link #skipDirectory() skip} (a CommonPrefix needs nothing below it).
 *
 * @param <D> a directory handle
 * @param <A> what the lister knows about an entry (attributes)
 */
public final class S3OrderWalker<D, A> {

    /** Reads directories: the tree the walker walks. */
    public interface Lister<D, A> {
        /** Entries of {@code dir} in UTF-8 byte order of names, after {@code startAfter} ("" from the start). */
        Page<D, A> list(D dir, String startAfter, int max);

        /** The entry {@code name} of {@code dir}, or null when there is none. */
        Entry<D, A> lookup(D dir, String name);
    }

    /** A directory entry: a subdirectory when {@code dir} is non-null. */
    public record Entry<D, A>(String name, D dir, A attr) {
        public boolean isDirectory() {
            return dir != null;
        }
    }

    /** A page of entries; {@code eof} when the directory has no more. */
    public record Page<D, A>(List<Entry<D, A>> entries, boolean eof) {
    }

    /** One key produced: an object, or a directory about to be entered. */
    public record Step<D, A>(String key, Entry<D, A> entry) {
        public boolean isDirectory() {
            return entry.isDirectory();
        }
    }

    /** Where a walk starts, relative to a key. */
    public enum Mode {
        /** At the key (inclusive). */
        AT,
        /** After the key (exclusive). */
        AFTER,
        /** After every key that starts with the key (a CommonPrefix already returned). */
        PAST_PREFIX
    }

    /** A start position. */
    public record Start(String key, Mode mode) {
        public static final Start BEGINNING = new Start("", Mode.AT);

        public Start {
            requireNonNull(key, "key");
            requireNonNull(mode, "mode");
        }

        /** Whether key {@code k} lies at or after this start. */
        public boolean admits(String k) {
            int c = Utf8Order.compare(k, key);
            return switch (mode) {
                case AT -> c >= 0;
                case AFTER -> c > 0;
                case PAST_PREFIX -> c > 0 && !k.startsWith(key);
            };
        }
    }

    private final Lister<D, A> lister;
    private final D root;
    private final int pageSize;
    private final Deque<Level> stack = new ArrayDeque<>();
    private boolean justEnteredDirectory;

    public S3OrderWalker(Lister<D, A> lister, D root, Start start, int pageSize) {
        this.lister = requireNonNull(lister, "lister");
        this.root = requireNonNull(root, "root");
        if (pageSize < 1) {
            throw new IllegalArgumentException("page size must be >= 1");
        }
        this.pageSize = pageSize;
        reset(start);
    }

    /** Restarts the walk from another position (seeking again from the root). */
    public void reset(Start start) {
        stack.clear();
        stack.push(new Level(root, "", start));
        justEnteredDirectory = false;
    }

    /** Does not descend into the directory the last {@link #next()} produced. */
    public void skipDirectory() {
        if (!justEnteredDirectory) {
            throw new IllegalStateException("skipDirectory() must follow a directory step");
        }
        stack.pop();
        justEnteredDirectory = false;
    }

    /** The next key in S3 order, or null at the end of the tree. */
    public Step<D, A> next() {
        justEnteredDirectory = false;
        while (!stack.isEmpty()) {
            Level level = stack.peek();
            Entry<D, A> e = level.poll();
            if (e == null) {
                stack.pop();
                continue;
            }
            Start filter = level.filter;
            if (!e.isDirectory()) {
                if (filter != null && !filter.admits(level.prefix + e.name())) {
                    continue;
                }
                level.filter = null; // everything after an admitted key is admitted
                return new Step<>(level.prefix + e.name(), e);
            }
            String key = level.prefix + e.name() + "/";
            Start childFilter = null;
            boolean produce = true;
            if (filter != null) {
                if (filter.key().startsWith(key)) {
                    childFilter = filter; // the start lies inside this directory
                    produce = filter.admits(key);
                } else if (!filter.admits(key)) {
                    continue;
                }
            }
            level.filter = null;
            stack.push(new Level(e.dir(), key, childFilter));
            if (produce) {
                justEnteredDirectory = true;
                return new Step<>(key, e);
            }
        }
        return null;
    }

    /** One directory being walked: its buffered page and the subdirectories held back until their turn. */
    private final class Level {
        final D dir;
        final String prefix;
        Start filter;
        boolean started;
        String listAfter = "";
        boolean eof;
        final Deque<Entry<D, A>> buffer = new ArrayDeque<>();
        final TreeMap<String, Entry<D, A>> heldDirs = new TreeMap<>(Utf8Order.COMPARATOR);
        final List<Entry<D, A>> first = new ArrayList<>();

        Level(D dir, String prefix, Start filter) {
            this.dir = dir;
            this.prefix = prefix;
            this.filter = filter;
        }

        /** Positions the listing just before the filter's start: only names that can hold admitted keys. */
        private void start() {
            started = true;
            if (filter == null) {
                return;
            }
            String r = filter.key().substring(prefix.length());
            if (r.isEmpty()) {
                if (filter.mode() == Mode.PAST_PREFIX) {
                    eof = true; // every key here starts with the prefix being skipped
                }
                return;
            }
            int slash = r.indexOf('/');
            String f = slash < 0 ? r : r.substring(0, slash);
            // Directories named by a proper prefix p of f where f continues with a character below '/'
            // sort (as p + "/") after f, though their names sort before it.
            for (int i = 1; i < f.length(); i++) {
                if (f.charAt(i) < '/') {
                    hold(lister.lookup(dir, f.substring(0, i)));
                }
            }
            if (slash >= 0) {
                hold(lister.lookup(dir, f)); // the start lies inside f, if f is a directory
                listAfter = f + "/";
            } else if (filter.mode() == Mode.PAST_PREFIX) {
                listAfter = pastEveryNameStartingWith(f);
            } else {
                Entry<D, A> same = lister.lookup(dir, f);
                if (same != null) {
                    if (same.isDirectory()) {
                        hold(same);
                    } else {
                        first.add(same);
                    }
                }
                listAfter = f;
            }
        }

        private void hold(Entry<D, A> e) {
            if (e != null && e.isDirectory()) {
                heldDirs.put(e.name() + "/", e);
            }
        }

        /** The next entry of this directory in S3 order, or null. */
        Entry<D, A> poll() {
            if (!started) {
                start();
            }
            if (!first.isEmpty()) {
                return first.remove(0);
            }
            while (true) {
                if (buffer.isEmpty() && !eof) {
                    Page<D, A> page = lister.list(dir, listAfter, pageSize);
                    buffer.addAll(page.entries());
                    eof = page.eof() || page.entries().isEmpty();
                    if (!page.entries().isEmpty()) {
                        listAfter = page.entries().get(page.entries().size() - 1).name();
                    }
                }
                Entry<D, A> head = buffer.peek();
                if (head != null && head.isDirectory()) {
                    buffer.poll();
                    heldDirs.put(head.name() + "/", head);
                    continue;
                }
                Map.Entry<String, Entry<D, A>> held = heldDirs.firstEntry();
                if (head == null) {
                    return held == null ? null : heldDirs.pollFirstEntry().getValue();
                }
                if (held == null || Utf8Order.compare(head.name(), held.getKey()) < 0) {
                    return buffer.poll();
                }
                return heldDirs.pollFirstEntry().getValue();
            }
        }
    }

    /**
     * A name after every name starting with {@code f}: f followed by U+10FFFF (the highest code point,
     * UTF-8 F4 8F BF BF) until longer than any name can be.
     */
    static String pastEveryNameStartingWith(String f) {
        int bytes = f.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
        StringBuilder sb = new StringBuilder(f);
        while (bytes <= KeyPath.MAX_SEGMENT_BYTES) {
            sb.appendCodePoint(Character.MAX_CODE_POINT);
            bytes += 4;
        }
        return sb.toString();
    }
}
