package io.nacre.conformance.nfs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * A distribution of the NFS server under test for the guest, made from this test JVM's class path (every
 * jar, and the class directories): {@code lib/}, {@code classes/}, {@code logback.xml} and
 * {@code bin/nfs-server}, which starts {@link NfsUnderTest} with the guest's Java 21.
 */
public final class NfsDist {

    private NfsDist() {
    }

    /** The command the guest's nacre.sh adapter runs (NACRE_START_CMD), with the dist shared at /mnt/dist. */
    public static final String START_CMD = "/mnt/dist/bin/nfs-server --data /scratch/nacre --nfs-port 2049";

    public static Path build(Path dir) throws IOException {
        if (Files.exists(dir)) {
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
        Path lib = Files.createDirectories(dir.resolve("lib"));
        Path classes = Files.createDirectories(dir.resolve("classes"));
        for (String entry : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
            Path p = Path.of(entry);
            if (Files.isRegularFile(p) && p.toString().endsWith(".jar")) {
                String name = p.getFileName().toString();
                if (!name.startsWith("junit") && !name.startsWith("surefire")) {
                    Files.copy(p, lib.resolve(uniqueName(lib, name)));
                }
            } else if (Files.isDirectory(p)) {
                copyTree(p, classes);
            }
        }
        Files.writeString(dir.resolve("logback.xml"), """
                <configuration>
                  <appender name="OUT" class="ch.qos.logback.core.ConsoleAppender">
                    <encoder><pattern>%d{HH:mm:ss.SSS} %-5level [%thread] %logger{24} - %msg%n</pattern></encoder>
                  </appender>
                  <logger name="io.nacre" level="INFO"/>
                  <logger name="io.nacre.nfs.v41.CompoundProcessor" level="DEBUG"/>
                  <root level="WARN"><appender-ref ref="OUT"/></root>
                </configuration>
                """);
        Path bin = Files.createDirectories(dir.resolve("bin"));
        Path script = bin.resolve("nfs-server");
        Files.writeString(script, """
                #!/bin/bash
                # The NFS server under test (io.nacre.conformance.nfs.NfsUnderTest). NACRE_LOG=FILE takes its log.
                # Descriptors its caller left open (a shell's files on the NFS mount) are not the server's: it
                # would hold files of its own clients open and keep their mounts busy.
                for fd in /proc/$$/fd/*; do
                    n=${fd##*/}
                    if [ "$n" -gt 2 ] && [ -e "$fd" ]; then eval "exec $n<&-"; fi
                done
                here=$(cd "$(dirname "$0")/.." && pwd)
                [ -n "${NACRE_LOG:-}" ] && exec >>"$NACRE_LOG" 2>&1
                exec java -Xss1m -XX:+UseParallelGC --add-opens java.base/java.nio=ALL-UNNAMED \\
                  --add-opens java.base/sun.nio.ch=ALL-UNNAMED --enable-native-access=ALL-UNNAMED \\
                  -Dlogback.configurationFile="$here/logback.xml" \\
                  -cp "$here/classes:$here/lib/*" io.nacre.conformance.nfs.NfsUnderTest "$@"
                """);
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        return dir;
    }

    private static String uniqueName(Path lib, String name) {
        String n = name;
        for (int i = 1; Files.exists(lib.resolve(n)); i++) {
            n = i + "-" + name;
        }
        return n;
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            files.forEach(p -> {
                try {
                    Path target = to.resolve(from.relativize(p).toString());
                    if (Files.isDirectory(p)) {
                        Files.createDirectories(target);
                    } else if (!p.getFileName().toString().equals("logback-test.xml")) {
                        Files.copy(p, target, StandardCopyOption.REPLACE_EXISTING);
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
    }
}
