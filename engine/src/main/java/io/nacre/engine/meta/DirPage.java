package io.nacre.engine.meta;

import java.util.List;

/** A page of a directory listing; {@code eof} when no entry follows the last one. */
public record DirPage(List<DirEntry> entries, boolean eof, long verifier) {
    public DirPage {
        entries = List.copyOf(entries);
    }
}
