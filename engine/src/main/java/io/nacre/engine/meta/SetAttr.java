package io.nacre.engine.meta;

/**
 * Attributes to change; null fields stay as they are. Times are either a value (nanoseconds since the
 * epoch) or "the server's time now" ({@link #SERVER_TIME}). A size change is a truncate (or an
 * extension with a hole); the MDS hands the objects to punch to the destroy queue.
 * {@code guardCtime}, when set, makes the change fail with INVALID unless the inode's ctime is still
 * that value (NFS SETATTR's guard).
 */
public record SetAttr(Integer mode, Integer uid, Integer gid, Long size, Long atime, Long mtime, Long guardCtime) {

    /** As a time value: use the MDS's clock at the moment the change is made. */
    public static final long SERVER_TIME = Long.MIN_VALUE;

    public static final SetAttr NOTHING = new SetAttr(null, null, null, null, null, null, null);

    public SetAttr {
        if (mode != null && (mode & ~07777) != 0) {
            throw new IllegalArgumentException("mode takes permission bits only (07777): " + Integer.toOctalString(mode));
        }
        if (size != null && size < 0) {
            throw new IllegalArgumentException("size must be >= 0: " + size);
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    public boolean isEmpty() {
        return mode == null && uid == null && gid == null && size == null && atime == null && mtime == null;
    }

    /** Builds a SetAttr; unset fields are left unchanged. */
    public static final class Builder {
        private Integer mode;
        private Integer uid;
        private Integer gid;
        private Long size;
        private Long atime;
        private Long mtime;
        private Long guardCtime;

        public Builder mode(int m) {
            mode = m;
            return this;
        }

        public Builder uid(int u) {
            uid = u;
            return this;
        }

        public Builder gid(int g) {
            gid = g;
            return this;
        }

        public Builder size(long s) {
            size = s;
            return this;
        }

        public Builder atime(long nanos) {
            atime = nanos;
            return this;
        }

        public Builder mtime(long nanos) {
            mtime = nanos;
            return this;
        }

        public Builder atimeNow() {
            atime = SERVER_TIME;
            return this;
        }

        public Builder mtimeNow() {
            mtime = SERVER_TIME;
            return this;
        }

        public Builder guardCtime(long nanos) {
            guardCtime = nanos;
            return this;
        }

        public SetAttr build() {
            return new SetAttr(mode, uid, gid, size, atime, mtime, guardCtime);
        }
    }
}
