package io.nacre.engine.meta;

import java.util.Map;

/**
 * What {@link MetadataService#fetch} read in one go: the inode's attributes, the extended attributes
 * asked for (those present), and the whole content when it lives on the MDT and is small enough.
 *
 * @param attr   the attributes
 * @param xattrs the requested extended attributes that exist, by name
 * @param data   the file's {@code attr.size()} bytes when all of them are data-on-MDT; null otherwise
 *               (read through FileIo then)
 */
public record Fetched(Attr attr, Map<String, byte[]> xattrs, byte[] data) {
    public Fetched {
        xattrs = Map.copyOf(xattrs);
    }
}
