package io.nacre.engine.io;

import io.nacre.engine.Caller;
import io.nacre.engine.Fid;
import io.nacre.engine.meta.Results.DirChange;

/**
 * Who keeps files that are open when their last name goes, as POSIX has it: the openers go on reading and
 * writing until their last close, then the file is removed. The NFS gateway holds opens (S3 and the admin verbs
 * never hold a file open past one request). The unnamed gateway ({@code nacre up}'s) keeps such files itself,
 * out of the namespace, in the MDS's hidden directory: {@link FileIo#remove} and {@link FileIo#keepIfOpen} ask it
 * before a name is removed or renamed over, so that a DELETE over S3 or `nacre rm` of a file an NFS client has
 * open does not pull it from under it. A named gateway (a cluster node's) marks its open files on the MDS
 * instead ({@link io.nacre.engine.meta.MetadataService#markOpen}), which keeps them whichever node removes the
 * name; it answers here that it keeps nothing.
 */
@FunctionalInterface
public interface OpenFiles {

    /** Nothing is held open (no NFS gateway in this process). */
    OpenFiles NONE = (caller, parent, name) -> null;

    /**
     * If {@code name} in {@code parent} is the last name of a regular file open here, moves it out of the
     * namespace, keeping it for its openers until their last close, and returns the change of {@code parent};
     * null when it is not (nothing was done). Moving it takes the permissions removing it would.
     */
    DirChange keepIfOpen(Caller caller, Fid parent, String name);
}
