package io.nacre.engine.meta;

/**
 * One directory entry with its inode's attributes. The cookie resumes a listing just after this
 * entry; it is stable for the life of the entry (across calls and restarts) and never 0, 1 or 2.
 */
public record DirEntry(String name, long cookie, Attr attr) {
}
