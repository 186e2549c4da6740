package io.nacre.nfs.v41.attr;

import static io.nacre.nfs.v41.xdr.Nfs4Status.NFS4ERR_BADOWNER;

import io.nacre.nfs.v41.NfsException;
import io.nacre.nfs.v41.xdr.XdrBytes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * owner and owner_group strings. The server sends numeric ids ("1000"), which the Linux client takes
 * as they are with AUTH_SYS. It accepts numeric ids, "id@domain", and names (with or without
 * "@domain") found in the passwd and group files it was given.
 */
public final class IdMapper {

    private final Map<String, Integer> users;
    private final Map<String, Integer> groups;

    private IdMapper(Map<String, Integer> users, Map<String, Integer> groups) {
        this.users = Map.copyOf(users);
        this.groups = Map.copyOf(groups);
    }

    /** Numeric ids only. */
    public static IdMapper numeric() {
        return new IdMapper(Map.of(), Map.of());
    }

    /** Numeric ids, and the names of the given passwd(5) and group(5) files (missing files are skipped). */
    public static IdMapper fromFiles(Path passwd, Path group) {
        return new IdMapper(names(passwd), names(group));
    }

    /** Names from passwd/group text: "name:x:id:...". */
    static IdMapper fromText(String passwd, String group) {
        return new IdMapper(parse(passwd), parse(group));
    }

    private static Map<String, Integer> names(Path file) {
        try {
            return Files.isReadable(file) ? parse(Files.readString(file)) : Map.of();
        } catch (IOException e) {
            return Map.of();
        }
    }

    private static Map<String, Integer> parse(String text) {
        Map<String, Integer> m = new HashMap<>();
        for (String line : text.split("\n")) {
            String[] f = line.split(":");
            if (f.length >= 3 && !f[0].isEmpty() && !line.startsWith("#")) {
                try {
                    m.putIfAbsent(f[0], (int) Long.parseLong(f[2]));
                } catch (NumberFormatException e) {
                    // not an entry
                }
            }
        }
        return m;
    }

    /** The owner string of {@code uid} ("1000"), encoded (an XDR utf8str_mixed). */
    public void encodeOwner(XdrBytes x, int uid) {
        x.xdrEncodeUnsignedDecimal(uid);
    }

    /** The owner_group string of {@code gid}, encoded. */
    public void encodeGroup(XdrBytes x, int gid) {
        x.xdrEncodeUnsignedDecimal(gid);
    }

    public int uid(String owner) {
        return resolve(owner, users, "owner");
    }

    public int gid(String group) {
        return resolve(group, groups, "owner_group");
    }

    private static int resolve(String s, Map<String, Integer> names, String what) {
        String name = s;
        int at = s.indexOf('@');
        if (at >= 0) {
            name = s.substring(0, at);
        }
        if (!name.isEmpty() && name.chars().allMatch(Character::isDigit) && name.length() <= 10) {
            long v = Long.parseLong(name);
            if (v <= 0xffffffffL) {
                return (int) v;
            }
        }
        Integer id = names.get(name);
        if (id == null) {
            throw new NfsException(NFS4ERR_BADOWNER, "unknown " + what + " '" + s + "'");
        }
        return id;
    }
}
