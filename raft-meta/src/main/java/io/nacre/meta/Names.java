package io.nacre.meta;

import io.nacre.engine.NacreException;
import io.nacre.engine.Status;
import io.nacre.engine.meta.MetadataService;
import java.nio.charset.StandardCharsets;

/** Validation of names, symlink targets and extended attribute names and values; pure. */
final class Names {

    /** XATTR_NAME_MAX and XATTR_SIZE_MAX of Linux. */
    static final int XATTR_NAME_MAX = 255;
    static final int XATTR_SIZE_MAX = 65536;

    private Names() {
    }

    /** A single path component: non-empty, at most NAME_MAX bytes, no '/' or NUL, not "." or "..". */
    static void checkName(String name) {
        NacreException e = nameProblem(name);
        if (e != null) {
            throw e;
        }
    }

    /** Whether {@link #checkName} takes {@code name}, without an exception made when it does not. */
    static boolean validName(String name) {
        return nameProblem(name) == null;
    }

    /** What {@link #checkName} throws for {@code name}; null when it is a valid name. */
    private static NacreException nameProblem(String name) {
        if (name == null || name.isEmpty()) {
            return new NacreException(Status.INVALID, "a name must not be empty");
        }
        if (name.equals(".") || name.equals("..")) {
            return new NacreException(Status.INVALID, "'" + name + "' is not a name that can be created or removed");
        }
        if (name.indexOf('/') >= 0 || name.indexOf('\0') >= 0) {
            return new NacreException(Status.INVALID, "a name must not contain '/' or NUL: " + printable(name));
        }
        int bytes = name.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > MetadataService.NAME_MAX) {
            return new NacreException(Status.NAME_TOO_LONG, "name is " + bytes + " bytes, more than "
                    + MetadataService.NAME_MAX + ": " + printable(name));
        }
        return null;
    }

    static void checkSymlinkTarget(String target) {
        if (target == null || target.isEmpty()) {
            throw new NacreException(Status.INVALID, "a symlink needs a non-empty target");
        }
        if (target.indexOf('\0') >= 0) {
            throw new NacreException(Status.INVALID, "a symlink target must not contain NUL");
        }
        int bytes = target.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > MetadataService.PATH_MAX) {
            throw new NacreException(Status.NAME_TOO_LONG, "symlink target is " + bytes + " bytes, more than "
                    + MetadataService.PATH_MAX);
        }
    }

    /** The namespaces of extended attributes, as Linux has them. */
    enum XattrNamespace {
        USER, TRUSTED, SECURITY, SYSTEM
    }

    static XattrNamespace checkXattrName(String name) {
        if (name == null || name.isEmpty()) {
            throw new NacreException(Status.INVALID, "an extended attribute name must not be empty");
        }
        if (name.indexOf('\0') >= 0) {
            throw new NacreException(Status.INVALID, "an extended attribute name must not contain NUL");
        }
        int bytes = name.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > XATTR_NAME_MAX) {
            throw new NacreException(Status.NAME_TOO_LONG, "extended attribute name is " + bytes + " bytes, more than "
                    + XATTR_NAME_MAX);
        }
        for (XattrNamespace ns : XattrNamespace.values()) {
            String prefix = ns.name().toLowerCase(java.util.Locale.ROOT) + ".";
            if (name.startsWith(prefix) && name.length() > prefix.length()) {
                return ns;
            }
        }
        throw new NacreException(Status.NOT_SUPPORTED, "extended attribute names need a namespace prefix (user., "
                + "trusted., security., system.): " + printable(name));
    }

    static void checkXattrValue(byte[] value) {
        if (value == null) {
            throw new NacreException(Status.INVALID, "an extended attribute value must not be null");
        }
        if (value.length > XATTR_SIZE_MAX) {
            throw new NacreException(Status.TOO_BIG, "extended attribute value is " + value.length
                    + " bytes, more than " + XATTR_SIZE_MAX);
        }
    }

    /** A name fit for an error message: at most 80 characters, control characters escaped. */
    static String printable(String s) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < s.length() && sb.length() < 80; i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                sb.append(String.format("\\x%02x", (int) c));
            } else {
                sb.append(c);
            }
        }
        return s.length() > 80 ? sb + "..." : sb.toString();
    }
}
