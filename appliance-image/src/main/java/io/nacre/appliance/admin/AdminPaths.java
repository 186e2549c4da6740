package io.nacre.appliance.admin;

import io.nacre.engine.NacreException;
import io.nacre.engine.Status;
import java.util.ArrayList;
import java.util.List;

/** Paths of the admin verbs: absolute, '/'-separated, no "." or ".." segments; "//" and a trailing '/' tolerated. */
final class AdminPaths {

    private AdminPaths() {
    }

    /** The names of an absolute path, root = empty list. */
    static List<String> names(String path) {
        if (path == null || !path.startsWith("/")) {
            throw new NacreException(Status.INVALID, "paths are absolute (start with /): " + path);
        }
        List<String> out = new ArrayList<>();
        for (String n : path.split("/")) {
            if (n.isEmpty()) {
                continue;
            }
            if (n.equals(".") || n.equals("..")) {
                throw new NacreException(Status.INVALID, "paths may not contain . or .. : " + path);
            }
            out.add(n);
        }
        return out;
    }

    static String join(List<String> names) {
        return "/" + String.join("/", names);
    }
}
