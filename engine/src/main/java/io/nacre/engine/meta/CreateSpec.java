package io.nacre.engine.meta;

import static java.util.Objects.requireNonNull;

import io.nacre.engine.layout.LayoutTemplate;

/**
 * What to create: the type and permission bits, and what the NFS OPEN/CREATE modes need.
 * Built with {@link #file(int)}, {@link #directory(int)}, {@link #symlink(String)} or the builder.
 *
 * @param type        the kind of inode
 * @param mode        permission bits (07777); the MDS does not apply a umask (clients do)
 * @param symlinkTarget the target, for symlinks only
 * @param rdevMajor   for block and character devices
 * @param rdevMinor   for block and character devices
 * @param how         what to do when the name exists
 * @param verifier    for {@link How#EXCLUSIVE}: kept with the file so a retried create succeeds
 * @param initial     attributes to set at creation (owner when root creates for someone, times, size 0)
 * @param layout      a layout template for this file instead of the inherited default, or null
 * @param delayLayout create a regular file without objects (lfs's LOV_DELAY_CREATE): setLayout comes next
 * @param openedBy    a gateway that opens the regular file it creates (or finds, UNCHECKED and EXCLUSIVE): the
 *                    file is marked open by it in the same change, as {@link MetadataService#markOpen} does; or null
 */
public record CreateSpec(FileType type, int mode, String symlinkTarget, int rdevMajor, int rdevMinor, How how,
                         long verifier, SetAttr initial, LayoutTemplate layout, boolean delayLayout, Opener openedBy) {

    /** What create does when the name is already there (NFS createmode4). */
    public enum How {
        /** Fail with EXISTS (O_EXCL; NFS GUARDED4, and every mkdir/symlink). */
        GUARDED,
        /** Return the existing inode (O_CREAT without O_EXCL; NFS UNCHECKED4) if it is a regular file. */
        UNCHECKED,
        /** Succeed only if the existing file was made by a create with the same verifier (EXCLUSIVE4_1). */
        EXCLUSIVE,
    }

    public CreateSpec {
        requireNonNull(type, "type");
        requireNonNull(how, "how");
        initial = initial == null ? SetAttr.NOTHING : initial;
        if ((mode & ~07777) != 0) {
            throw new IllegalArgumentException("mode takes permission bits only (07777): " + Integer.toOctalString(mode));
        }
        if (type == FileType.SYMLINK && (symlinkTarget == null || symlinkTarget.isEmpty())) {
            throw new IllegalArgumentException("a symlink needs a non-empty target");
        }
        if (type != FileType.SYMLINK && symlinkTarget != null) {
            throw new IllegalArgumentException("only symlinks have a target");
        }
        if (how != How.GUARDED && type != FileType.REGULAR) {
            throw new IllegalArgumentException(how + " create is for regular files only");
        }
        if (openedBy != null && type != FileType.REGULAR) {
            throw new IllegalArgumentException("only regular files are opened");
        }
    }

    /** This spec, its file opened by {@code opener} (null: by nobody). */
    public CreateSpec openedBy(Opener opener) {
        return new CreateSpec(type, mode, symlinkTarget, rdevMajor, rdevMinor, how, verifier, initial, layout,
                delayLayout, opener);
    }

    public static CreateSpec file(int mode) {
        return builder(FileType.REGULAR).mode(mode).build();
    }

    public static CreateSpec directory(int mode) {
        return builder(FileType.DIRECTORY).mode(mode).build();
    }

    public static CreateSpec symlink(String target) {
        return builder(FileType.SYMLINK).mode(0777).symlinkTarget(target).build();
    }

    public static Builder builder(FileType type) {
        return new Builder(type);
    }

    /** Builds a CreateSpec; defaults: mode 0644 (0755 for directories), GUARDED, inherited layout. */
    public static final class Builder {
        private final FileType type;
        private int mode;
        private String symlinkTarget;
        private int rdevMajor;
        private int rdevMinor;
        private How how = How.GUARDED;
        private long verifier;
        private SetAttr initial = SetAttr.NOTHING;
        private LayoutTemplate layout;
        private boolean delayLayout;

        private Builder(FileType type) {
            this.type = requireNonNull(type, "type");
            this.mode = type == FileType.DIRECTORY ? 0755 : 0644;
        }

        public Builder mode(int m) {
            mode = m;
            return this;
        }

        public Builder symlinkTarget(String t) {
            symlinkTarget = t;
            return this;
        }

        public Builder rdev(int major, int minor) {
            rdevMajor = major;
            rdevMinor = minor;
            return this;
        }

        public Builder how(How h) {
            how = requireNonNull(h, "how");
            return this;
        }

        public Builder exclusive(long v) {
            how = How.EXCLUSIVE;
            verifier = v;
            return this;
        }

        public Builder initial(SetAttr a) {
            initial = a;
            return this;
        }

        public Builder layout(LayoutTemplate t) {
            layout = t;
            return this;
        }

        public Builder delayLayout(boolean d) {
            delayLayout = d;
            return this;
        }

        public CreateSpec build() {
            return new CreateSpec(type, mode, symlinkTarget, rdevMajor, rdevMinor, how, verifier, initial, layout,
                    delayLayout, null);
        }
    }
}
