package io.nacre.nfs.v41.state;

import io.nacre.engine.Fid;
import java.util.ArrayList;
import java.util.List;

/** Everything the server holds about one file: opens, byte-range locks, and its hidden name if it was removed while open. */
final class FileState {

    final Fid fid;
    final List<OpenState> opens = new ArrayList<>();
    final LockTable<LockState> locks = new LockTable<>();
    /** Its name under the directory of unlinked-but-open files, or null while it has its own names. */
    String hiddenName;

    FileState(Fid fid) {
        this.fid = fid;
    }

    boolean unused() {
        return opens.isEmpty() && locks.isEmpty() && hiddenName == null;
    }
}
