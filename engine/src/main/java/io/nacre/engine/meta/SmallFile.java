package io.nacre.engine.meta;

import static java.util.Objects.requireNonNull;

import io.nacre.engine.Fid;
import io.nacre.engine.layout.Placement;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A small file written whole in one replicated change ({@link MetadataService#putSmallFile}): S3's
 * PutObject of a small body. Its bytes are kept on the MDT (a data-on-MDT first component of
 * {@code domSize} bytes, Lustre's DoM); the rest of its layout is the directory's default, made into
 * components without objects, so a later write beyond the DoM end (over NFS) instantiates them as for any
 * progressive layout.
 *
 * @param dir       where the path starts (an S3 bucket)
 * @param parents   directories below {@code dir} leading to the file; missing ones are created (mode 0755,
 *                  owned by the caller) and get {@code dirXattrs}
 * @param name      the file's name in the last directory
 * @param mode      permission bits of the new file
 * @param data      the whole content, at most {@code domSize} bytes
 * @param domSize   the end of the data-on-MDT component: a positive multiple of
 *                  {@link Placement#STRIPE_ALIGN}, at most {@link #MAX_DOM_SIZE}
 * @param xattrs    extended attributes of the new file (a gateway's own metadata, any namespace)
 * @param dirXattrs extended attributes of every directory this creates
 * @param expect    what must be at the name for the change to happen
 */
public record SmallFile(Fid dir, List<String> parents, String name, int mode, byte[] data, int domSize,
                        Map<String, byte[]> xattrs, Map<String, byte[]> dirXattrs, Expect expect) {

    /** The largest data-on-MDT component (Lustre's default dom_stripesize limit). */
    public static final int MAX_DOM_SIZE = 1 << 20;

    public SmallFile {
        requireNonNull(dir, "dir");
        requireNonNull(name, "name");
        requireNonNull(data, "data");
        requireNonNull(expect, "expect");
        parents = List.copyOf(parents);
        xattrs = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(xattrs));
        dirXattrs = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(dirXattrs));
        if ((mode & ~07777) != 0) {
            throw new IllegalArgumentException("mode takes permission bits only (07777): " + Integer.toOctalString(mode));
        }
        if (domSize <= 0 || domSize > MAX_DOM_SIZE || domSize % Placement.STRIPE_ALIGN != 0) {
            throw new IllegalArgumentException("the data-on-MDT size must be a multiple of " + Placement.STRIPE_ALIGN
                    + " up to " + MAX_DOM_SIZE + ": " + domSize);
        }
        if (data.length > domSize) {
            throw new IllegalArgumentException(data.length + " bytes do not fit a data-on-MDT component of " + domSize);
        }
    }

    /**
     * The condition on the name: {@link #ANY} (replace whatever file is there), {@link #ABSENT} (nothing
     * may be there: EXISTS otherwise), or {@link #match} (the name must hold that inode at that data
     * version: STALE otherwise, including when the name is free).
     *
     * @param fid         the inode expected, or null for ANY/ABSENT
     * @param dataVersion its expected data version
     * @param absent      true for ABSENT
     */
    public record Expect(Fid fid, long dataVersion, boolean absent) {
        public static final Expect ANY = new Expect(null, 0, false);
        public static final Expect ABSENT = new Expect(null, 0, true);

        public Expect {
            if (absent && fid != null) {
                throw new IllegalArgumentException("a name cannot be both absent and hold " + fid);
            }
        }

        public static Expect match(Fid fid, long dataVersion) {
            return new Expect(requireNonNull(fid, "fid"), dataVersion, false);
        }
    }
}
