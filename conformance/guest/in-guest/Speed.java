import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.zip.CRC32C;

/** Throughput of the per-byte work of Nacre's data path, in the JVM where it runs (here: a TCG guest). */
public class Speed {
    public static void main(String[] a) throws Exception {
        byte[] src = new byte[1 << 20];
        new java.util.Random(1).nextBytes(src);
        byte[] dst = new byte[1 << 20];
        ByteBuffer direct = ByteBuffer.allocateDirect(1 << 20);
        MessageDigest md5 = MessageDigest.getInstance("MD5");
        CRC32C crc = new CRC32C();
        for (int round = 0; round < 4; round++) {
            int mib = round == 0 ? 16 : 64;
            long t = System.nanoTime();
            for (int i = 0; i < mib; i++) { crc.reset(); crc.update(src, 0, src.length); }
            double c = mib / ((System.nanoTime() - t) / 1e9);
            t = System.nanoTime();
            for (int i = 0; i < mib; i++) { System.arraycopy(src, 0, dst, 0, src.length); }
            double cp = mib / ((System.nanoTime() - t) / 1e9);
            t = System.nanoTime();
            for (int i = 0; i < mib; i++) { direct.clear(); direct.put(src); }
            double cd = mib / ((System.nanoTime() - t) / 1e9);
            t = System.nanoTime();
            for (int i = 0; i < mib / 4; i++) { md5.update(src); }
            md5.digest();
            double m = (mib / 4) / ((System.nanoTime() - t) / 1e9);
            t = System.nanoTime();
            for (int i = 0; i < mib / 4; i++) { java.util.Arrays.fill(dst, (byte) 0); }
            double z = (mib / 4) / ((System.nanoTime() - t) / 1e9);
            System.out.printf("round %d: MiB/s crc32c %.0f, arraycopy %.0f, heap->direct %.0f, md5 %.0f,"
                    + " zero-fill %.0f (%d)%n", round, c, cp, cd, m, z, crc.getValue() & 1);
        }
    }
}
