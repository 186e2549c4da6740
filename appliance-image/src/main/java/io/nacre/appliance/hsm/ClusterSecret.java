package io.nacre.appliance.hsm;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;

/**
 * The cluster secret OSS requests are signed with: 32 random bytes made on the first start, kept in the
 * data directory ({@code oss.secret}, readable by its owner only).
 */
public final class ClusterSecret {

    static final String FILE = "oss.secret";

    private ClusterSecret() {
    }

    public static byte[] load(Path dataDir) {
        Path f = dataDir.resolve(FILE);
        try {
            if (!Files.exists(f)) {
                byte[] s = new byte[32];
                new SecureRandom().nextBytes(s);
                try {
                    Files.createFile(f, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
                    Files.write(f, s, StandardOpenOption.WRITE, StandardOpenOption.SYNC);
                } catch (FileAlreadyExistsException e) {
                    // made by another start at the same moment: use theirs
                }
            }
            byte[] s = Files.readAllBytes(f);
            if (s.length < 16) {
                throw new IllegalStateException(f + " holds " + s.length + " bytes; a cluster secret has at least 16");
            }
            return s;
        } catch (IOException e) {
            throw new UncheckedIOException("the cluster secret " + f, e);
        }
    }
}
