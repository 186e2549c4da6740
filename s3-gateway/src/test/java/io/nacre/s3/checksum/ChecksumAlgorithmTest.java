package io.nacre.s3.checksum;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.crt.checksums.CRC64NVME;

class ChecksumAlgorithmTest {

    private static final byte[] CHECK = "123456789".getBytes(StandardCharsets.US_ASCII);

    private static long crc64(byte[] b) {
        Crc64Nvme c = new Crc64Nvme();
        c.update(b, 0, b.length);
        return c.getValue();
    }

    @Test
    void crc64NvmeMatchesTheCatalogueCheckValue() {
        // CRC RevEng catalogue, CRC-64/NVME: check = 0xae8b14860a799888.
        assertThat(crc64(CHECK)).isEqualTo(0xae8b14860a799888L);
        assertThat(crc64(new byte[0])).isEqualTo(0L);
    }

    @Test
    void crc64NvmeMatchesTheNvmeSpecificationVectors() {
        // NVMe NVM Command Set, 64b CRC test cases: 4 KiB of 00h, 4 KiB of FFh, 4 KiB incrementing.
        byte[] zeros = new byte[4096];
        byte[] ones = new byte[4096];
        java.util.Arrays.fill(ones, (byte) 0xff);
        byte[] inc = new byte[4096];
        for (int i = 0; i < inc.length; i++) {
            inc[i] = (byte) i;
        }
        assertThat(crc64(zeros)).isEqualTo(awsCrc64(zeros));
        assertThat(crc64(ones)).isEqualTo(awsCrc64(ones));
        assertThat(crc64(inc)).isEqualTo(awsCrc64(inc));
        assertThat(crc64(zeros)).isEqualTo(0x6482d367eb22b64eL);
        assertThat(crc64(ones)).isEqualTo(0xc0ddba7302eca3acL);
    }

    private static long awsCrc64(byte[] b) {
        CRC64NVME c = new CRC64NVME();
        c.update(b, 0, b.length);
        return c.getValue();
    }

    @Test
    void crc64NvmeOfLongUpdatesAgreesWithAwsCrtFromHeapAndDirectBuffers() {
        // Blocks of Crc64Nvme.BLOCK bytes run four chains joined at the block's end: every length around
        // one and two blocks and random ones beyond, at odd offsets, whole and split in two.
        Random r = new Random(7);
        for (int i = 0; i < 300; i++) {
            int len = i < 100 ? Crc64Nvme.BLOCK - 50 + i : i < 200 ? 2 * Crc64Nvme.BLOCK - 150 + i : r.nextInt(200_000);
            byte[] b = new byte[len + 3];
            r.nextBytes(b);
            byte[] body = java.util.Arrays.copyOfRange(b, 3, b.length);
            long expected = awsCrc64(body);
            Crc64Nvme heap = new Crc64Nvme();
            heap.update(b, 3, len);
            assertThat(heap.getValue()).as("heap, %d bytes", len).isEqualTo(expected);
            Crc64Nvme direct = new Crc64Nvme();
            ByteBuffer d = ByteBuffer.allocateDirect(len + 3).put(b).position(3);
            direct.update(d);
            assertThat(d.hasRemaining()).isFalse();
            assertThat(direct.getValue()).as("direct, %d bytes", len).isEqualTo(expected);
            int cut = len == 0 ? 0 : r.nextInt(len);
            Crc64Nvme split = new Crc64Nvme();
            split.update(body, 0, cut);
            split.update(body, cut, len - cut);
            assertThat(split.getValue()).as("%d then %d bytes", cut, len - cut).isEqualTo(expected);
        }
    }

    @Test
    void crc64NvmeAgreesWithAwsCrtOnRandomDataAnyWayItIsFed() {
        Random r = new Random(42);
        for (int i = 0; i < 200; i++) {
            byte[] b = new byte[r.nextInt(5000)];
            r.nextBytes(b);
            long expected = awsCrc64(b);
            assertThat(crc64(b)).isEqualTo(expected);
            // Fed in random pieces, heap and direct buffers.
            Crc64Nvme c = new Crc64Nvme();
            int pos = 0;
            while (pos < b.length) {
                int n = Math.min(b.length - pos, r.nextInt(40));
                if (r.nextBoolean()) {
                    ByteBuffer d = ByteBuffer.allocateDirect(n).put(b, pos, n).flip();
                    c.update(d);
                    assertThat(d.hasRemaining()).isFalse();
                } else if (n == 1) {
                    c.update(b[pos]);
                } else {
                    c.update(ByteBuffer.wrap(b, pos, n));
                }
                pos += n;
            }
            assertThat(c.getValue()).isEqualTo(expected);
        }
    }

    @Test
    void digestsHaveTheKnownValuesForTheCheckString() {
        HexFormat hex = HexFormat.of();
        assertThat(digest(ChecksumAlgorithm.CRC32, CHECK)).isEqualTo(hex.parseHex("cbf43926"));
        assertThat(digest(ChecksumAlgorithm.CRC32C, CHECK)).isEqualTo(hex.parseHex("e3069283"));
        assertThat(digest(ChecksumAlgorithm.CRC64NVME, CHECK)).isEqualTo(hex.parseHex("ae8b14860a799888"));
        assertThat(digest(ChecksumAlgorithm.SHA1, CHECK))
                .isEqualTo(hex.parseHex("f7c3bc1d808e04732adf679965ccc34ca7ae3441"));
        assertThat(digest(ChecksumAlgorithm.SHA256, CHECK))
                .isEqualTo(hex.parseHex("15e2b0d3c33891ebb0f1ef609ec419420c20e320ce94c65fbc8c3312448eb225"));
    }

    private static byte[] digest(ChecksumAlgorithm a, byte[] b) {
        Hasher h = a.newHasher();
        h.update(b, 0, b.length);
        return h.finish();
    }

    @Test
    void combiningPartCrcsGivesTheCrcOfTheWhole() {
        Random r = new Random(7);
        for (ChecksumAlgorithm a : new ChecksumAlgorithm[] {
                ChecksumAlgorithm.CRC32, ChecksumAlgorithm.CRC32C, ChecksumAlgorithm.CRC64NVME}) {
            for (int i = 0; i < 100; i++) {
                byte[] all = new byte[r.nextInt(3000)];
                r.nextBytes(all);
                int cut = all.length == 0 ? 0 : r.nextInt(all.length + 1);
                byte[] left = java.util.Arrays.copyOfRange(all, 0, cut);
                byte[] right = java.util.Arrays.copyOfRange(all, cut, all.length);
                assertThat(a.combine(digest(a, left), digest(a, right), right.length))
                        .as("%s split at %d of %d", a, cut, all.length)
                        .isEqualTo(digest(a, all));
            }
        }
    }

    @Test
    void combiningHandlesPartsLongerThanMemory() {
        // crc(zeros(n)) is computable by combining: crc(Z(2n)) = combine(crc(Z(n)), crc(Z(n)), n).
        ChecksumAlgorithm a = ChecksumAlgorithm.CRC64NVME;
        byte[] z = digest(a, new byte[1 << 20]);
        byte[] twice = a.combine(z, z, 1 << 20);
        assertThat(twice).isEqualTo(digest(a, new byte[2 << 20]));
        byte[] big = z;
        for (int i = 0; i < 12; i++) { // 4 GiB of zeros, by doubling
            big = a.combine(big, big, (1L << 20) << i);
        }
        byte[] again = z;
        long len = 1 << 20;
        for (int i = 0; i < 4095; i++) {
            again = a.combine(again, z, 1 << 20);
            len += 1 << 20;
        }
        assertThat(len).isEqualTo(1L << 32);
        assertThat(big).isEqualTo(again);
    }

    @Test
    void headerValuesDecodeOnlyWhenWellFormed() {
        assertThat(ChecksumAlgorithm.CRC32.decode("y/Q5Jg==")).hasValueSatisfying(v -> assertThat(v).hasSize(4));
        assertThat(ChecksumAlgorithm.CRC32.decode("not base64!")).isEmpty();
        assertThat(ChecksumAlgorithm.CRC32.decode("AAAAAAAAAAA=")).isEmpty(); // 8 bytes, not 4
        assertThat(ChecksumAlgorithm.fromHeader("X-Amz-Checksum-CRC64NVME")).hasValue(ChecksumAlgorithm.CRC64NVME);
        assertThat(ChecksumAlgorithm.fromWireName("sha256")).hasValue(ChecksumAlgorithm.SHA256);
        assertThat(ChecksumAlgorithm.fromWireName("md5")).isEmpty();
    }
}
