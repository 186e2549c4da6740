package io.nacre.meta;

import io.nacre.engine.Fid;
import io.nacre.engine.NacreException;
import io.nacre.engine.Status;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Lustre's fid2path: walks an inode's parent pointers up to the root, finding at each level the name
 * under which the parent holds the child. An inode keeps only the directory of its (first) name, so the
 * name is looked up by a scan of that directory's entries.
 */
final class FidPaths {

    /** Deeper than this is a loop, not a tree. */
    private static final int MAX_DEPTH = 4096;

    private FidPaths() {
    }

    static String path(Tx tx, Fid fid) {
        Deque<String> names = new ArrayDeque<>();
        Inode n = tx.need(fid);
        for (int depth = 0; !n.fid.equals(Fid.ROOT); depth++) {
            if (n.fid.equals(Fid.HIDDEN) || n.parent == null || n.parent.equals(n.fid) || depth > MAX_DEPTH) {
                throw new NacreException(Status.NOT_FOUND, fid + " is not reachable from the root");
            }
            Inode parent = tx.need(n.parent);
            String name = nameIn(tx, parent.fid, n.fid);
            if (name == null) {
                throw new NacreException(Status.NOT_FOUND, "no name of " + fid + " is known (its first name was removed)");
            }
            names.addFirst(name);
            n = parent;
        }
        return "/" + String.join("/", names);
    }

    private static String nameIn(Tx tx, Fid dir, Fid child) {
        String[] found = {null};
        tx.entriesByName(dir, "", (name, d) -> {
            if (d.fid().equals(child)) {
                found[0] = name;
                return false;
            }
            return true;
        });
        return found[0];
    }
}
