package io.nacre.appliance.image;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The files of a NoCloud seed, as found on a disk labelled "cidata" (ISO 9660 or vfat): {@code user-data}
 * (#cloud-config YAML), {@code meta-data} (instance-id, local-hostname) and the optional
 * {@code network-config}. A missing file is null.
 */
public record Seed(String userData, String metaData, String networkConfig) {

    /** Reads the seed files from a directory (the mounted seed, or a copy of it). */
    public static Seed read(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new IOException("no seed directory " + dir);
        }
        return new Seed(file(dir.resolve("user-data")), file(dir.resolve("meta-data")), file(dir.resolve("network-config")));
    }

    private static String file(Path p) throws IOException {
        if (!Files.exists(p)) {
            return null;
        }
        if (Files.size(p) > SeedYaml.MAX_CHARS) {
            throw new SeedException(p.getFileName() + ": is larger than " + SeedYaml.MAX_CHARS / 1024 + " KiB");
        }
        return Files.readString(p, StandardCharsets.UTF_8);
    }
}
