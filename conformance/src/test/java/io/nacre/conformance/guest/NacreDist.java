package io.nacre.conformance.guest;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.stream.Stream;

/**
 * Nacre's own distribution, {@code appliance-image/target/nacre-dist} (what {@code ./nacre} runs), which
 * the guest gets read-only at /mnt/dist and runs as {@code nacre up} (in-guest/servers/nacre.sh). The
 * reactor's package phase makes it before this module's tests run ({@code -pl conformance -am}).
 */
final class NacreDist {

    private NacreDist() {
    }

    /**
     * A copy of the distribution in the run directory, to share with the guest: a later build rewrites
     * the jars of target/nacre-dist, which must not change under a Nacre running in a guest.
     */
    static Path snapshot(Path share) throws IOException {
        Path dist = locate();
        Path to = Files.createDirectories(share.resolve("dist"));
        for (String dir : new String[] {"lib", "bin"}) {
            // bin/nacre too: the guest's adapter runs Nacre through it, as ./nacre and the appliance do.
            Path into = Files.createDirectories(to.resolve(dir));
            try (Stream<Path> files = Files.list(dist.resolve(dir))) {
                for (Path f : files.toList()) {
                    Files.copy(f, into.resolve(f.getFileName().toString()), StandardCopyOption.REPLACE_EXISTING,
                            StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        }
        return to;
    }

    /** The distribution directory; fails, saying how to make it, when it has no jars. */
    private static Path locate() throws IOException {
        Path dist = Path.of(System.getProperty("nacre.dist", "../appliance-image/target/nacre-dist")).toAbsolutePath()
                .normalize();
        Path lib = dist.resolve("lib");
        boolean hasJars = false;
        if (Files.isDirectory(lib)) {
            try (Stream<Path> jars = Files.list(lib)) {
                hasJars = jars.anyMatch(p -> p.getFileName().toString().startsWith("nacre-appliance"));
            }
        }
        if (!hasJars) {
            throw new IllegalStateException("no Nacre distribution in " + dist
                    + ": build it in the same run (./mvnw -pl conformance -am verify ...)");
        }
        return dist;
    }
}
