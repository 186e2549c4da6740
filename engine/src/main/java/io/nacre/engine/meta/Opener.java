package io.nacre.engine.meta;

import static java.util.Objects.requireNonNull;

import java.nio.charset.StandardCharsets;

/**
 * A gateway that holds files open, as the MDS records it ({@link MetadataService#markOpen}): its name among the
 * file system's gateways (a cluster node's NFS gateway is named after the node) and which start of it made the
 * mark ({@code instance}, chosen anew at each start), so that a restarted gateway can drop the marks its previous
 * instance left ({@link MetadataService#dropOpenMarks}).
 */
public record Opener(String gateway, long instance) {

    /** The longest gateway name, in bytes of UTF-8. */
    public static final int NAME_MAX = 128;

    public Opener {
        checkName(gateway);
        if (instance == 0) {
            throw new IllegalArgumentException("instance 0 stands for no instance");
        }
    }

    /** A gateway name: 1 to {@link #NAME_MAX} bytes of UTF-8, without NUL. */
    public static String checkName(String gateway) {
        requireNonNull(gateway, "gateway");
        int bytes = gateway.getBytes(StandardCharsets.UTF_8).length;
        if (bytes == 0 || bytes > NAME_MAX || gateway.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("a gateway name is 1 to " + NAME_MAX + " bytes without NUL: '"
                    + gateway + "'");
        }
        return gateway;
    }
}
