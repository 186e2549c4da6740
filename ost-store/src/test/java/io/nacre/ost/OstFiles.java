package io.nacre.ost;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** Test helper: damages an OST's files on disk, as a failing disk would. */
public final class OstFiles {

    private OstFiles() {
    }

    /** Finds {@code pattern} in the OST's data.mdb and flips one bit of its first byte. */
    public static void flipByteOf(Path ostDir, byte[] pattern) throws IOException {
        flipByteIn(ostDir.resolve("data.mdb"), pattern);
    }

    /** Finds {@code pattern} in {@code file} and flips one bit of its first byte. */
    static void flipByteIn(Path file, byte[] pattern) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            long size = ch.size();
            ByteBuffer all = ByteBuffer.allocate((int) size);
            while (all.hasRemaining() && ch.read(all, all.position()) > 0) {
                // read the whole (small, test-sized) file
            }
            byte[] b = all.array();
            outer:
            for (int i = 0; i + pattern.length <= all.position(); i++) {
                for (int j = 0; j < pattern.length; j++) {
                    if (b[i + j] != pattern[j]) {
                        continue outer;
                    }
                }
                ch.write(ByteBuffer.wrap(new byte[] {(byte) (b[i] ^ 0x10)}), i);
                ch.force(true);
                return;
            }
        }
        throw new AssertionError("pattern not found in " + file);
    }
}
