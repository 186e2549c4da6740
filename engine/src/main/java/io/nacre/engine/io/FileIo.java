package io.nacre.engine.io;

import io.nacre.engine.Caller;
import io.nacre.engine.Fid;
import io.nacre.engine.meta.Attr;
import io.nacre.engine.meta.MetadataService;
import io.nacre.engine.store.Durability;
import io.nacre.engine.store.ObjectStore;
import java.nio.ByteBuffer;

/**
 * COMPILE PLACEHOLDER on branch wt/nfs only, with the API fixed for FileIo (being written on the
 * engine-io branch). It is replaced by the real class when that lands in main; nothing here runs.
 */
public final class FileIo implements AutoCloseable {

    public FileIo(MetadataService mds, ObjectStore objects) {
        throw new UnsupportedOperationException("FileIo placeholder: merge main for the real one");
    }

    public Attr getattr(Fid fid) {
        throw new UnsupportedOperationException();
    }

    public long verifier() {
        throw new UnsupportedOperationException();
    }

    public int read(Fid fid, long offset, ByteBuffer dst) {
        throw new UnsupportedOperationException();
    }

    public long write(Fid fid, long offset, ByteBuffer src, Durability durability) {
        throw new UnsupportedOperationException();
    }

    public long commit(Fid fid) {
        throw new UnsupportedOperationException();
    }

    public Attr truncate(Caller caller, Fid fid, long size) {
        throw new UnsupportedOperationException();
    }

    @Override
    public void close() {
    }
}
