package io.nacre.engine.meta;

import io.nacre.engine.Caller;
import io.nacre.engine.Fid;
import io.nacre.engine.NacreException;
import io.nacre.engine.Status;

/**
 * A directory of the file system's own under {@link Fid#HIDDEN} (HSM restores, restripes, admin uploads,
 * NFS files removed while open): found, or made on first use. Two processes making it at once both get
 * the one that was made.
 */
public final class HiddenDirectory {

    private HiddenDirectory() {
    }

    /** The directory {@code name} under the hidden directory, made with {@code mode} if it does not exist. */
    public static Fid of(MetadataService mds, String name, int mode) {
        return of(mds, Fid.HIDDEN, name, mode);
    }

    /** The directory {@code name} in {@code parent} (one of the hidden tree's), made with {@code mode} if missing. */
    public static Fid of(MetadataService mds, Fid parent, String name, int mode) {
        try {
            return mds.lookup(Caller.ROOT, parent, name).fid();
        } catch (NacreException e) {
            if (e.status() != Status.NOT_FOUND) {
                throw e;
            }
        }
        try {
            return mds.create(Caller.ROOT, parent, name, CreateSpec.directory(mode)).attr().fid();
        } catch (NacreException e) {
            if (e.status() != Status.EXISTS) {
                throw e;
            }
            return mds.lookup(Caller.ROOT, parent, name).fid();
        }
    }
}
