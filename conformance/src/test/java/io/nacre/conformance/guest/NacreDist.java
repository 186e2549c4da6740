package io.nacre.conformance.guest;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * Nacre's own distribution, {@code appliance-image/target/nacre-dist} (what {@code ./nacre} runs), which
 * the guest gets read-only at /mnt/dist and runs as {@code nacre up} (in-guest/servers/nacre.sh). The
 * reactor's package phase makes it before this module's tests run ({@code -pl conformance -am}).
 */
final class NacreDist {

    private NacreDist() {
    }

    /** The distribution directory; fails, saying how to make it, when it has no jars. */
    static Path locate() throws IOException {
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
