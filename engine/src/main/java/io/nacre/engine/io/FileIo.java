package io.nacre.engine.io;

import io.nacre.engine.Caller;
import io.nacre.engine.Fid;
import io.nacre.engine.meta.Attr;
import io.nacre.engine.meta.MetadataService;
import io.nacre.engine.store.Durability;
import io.nacre.engine.store.ObjectStore;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;

/**
 * PLACEHOLDER so that the S3 gateway compiles before engine-io lands: the public API of FileIo as
 * the engine-io helper writes it, with no implementation. Replaced by main's FileIo at the merge.
 */
public final class FileIo implements AutoCloseable {

    /** A sequential stream of writes from an offset. */
    public interface Writer extends WritableByteChannel {
        @Override
        int write(ByteBuffer src);

        long position();

        @Override
        void close();
    }

    /** A sequential read of a range. */
    public interface Reader extends ReadableByteChannel {
        @Override
        int read(ByteBuffer dst);

        long position();

        long end();

        @Override
        void close();
    }

    public FileIo(MetadataService mds, ObjectStore objects) {
        throw new UnsupportedOperationException("placeholder FileIo");
    }

    public Attr getattr(Fid fid) {
        throw new UnsupportedOperationException("placeholder FileIo");
    }

    public int read(Fid fid, long offset, ByteBuffer dst) {
        throw new UnsupportedOperationException("placeholder FileIo");
    }

    public Reader openReader(Fid fid, long offset, long length) {
        throw new UnsupportedOperationException("placeholder FileIo");
    }

    public long write(Fid fid, long offset, ByteBuffer src, Durability durability) {
        throw new UnsupportedOperationException("placeholder FileIo");
    }

    public Writer openWriter(Fid fid, long offset, Durability durability) {
        throw new UnsupportedOperationException("placeholder FileIo");
    }

    public long commit(Fid fid) {
        throw new UnsupportedOperationException("placeholder FileIo");
    }

    public Attr truncate(Caller caller, Fid fid, long size) {
        throw new UnsupportedOperationException("placeholder FileIo");
    }

    @Override
    public void close() {
    }
}
