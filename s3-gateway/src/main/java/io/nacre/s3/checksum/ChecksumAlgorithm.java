package io.nacre.s3.checksum;

import java.util.Base64;
import java.util.Locale;
import java.util.Optional;

/** The additional checksums S3 verifies and stores: x-amz-checksum-{crc32,crc32c,crc64nvme,sha1,sha256}. */
public enum ChecksumAlgorithm {
    CRC32("CRC32", 4, CrcCombine.CRC32),
    CRC32C("CRC32C", 4, CrcCombine.CRC32C),
    CRC64NVME("CRC64NVME", 8, CrcCombine.CRC64NVME),
    SHA1("SHA1", 20, null),
    SHA256("SHA256", 32, null);

    private final String wireName;
    private final int length;
    private final CrcCombine combiner;
    private final String header;

    ChecksumAlgorithm(String wireName, int length, CrcCombine combiner) {
        this.wireName = wireName;
        this.length = length;
        this.combiner = combiner;
        this.header = "x-amz-checksum-" + wireName.toLowerCase(Locale.ROOT);
    }

    /** The name as in x-amz-checksum-algorithm and XML ({@code CRC32}, {@code SHA256}...). */
    public String wireName() {
        return wireName;
    }

    /** The header carrying this checksum, lower case: {@code x-amz-checksum-crc32}. */
    public String header() {
        return header;
    }

    /** The XML element naming this checksum in responses: {@code ChecksumCRC32}. */
    public String xmlElement() {
        return "Checksum" + wireName;
    }

    /** Bytes in a digest. */
    public int length() {
        return length;
    }

    /** True for the CRCs, whose full-object value can be combined from parts. */
    public boolean combinable() {
        return combiner != null;
    }

    public Hasher newHasher() {
        return switch (this) {
            case CRC32 -> Hasher.crc32();
            case CRC32C -> Hasher.crc32c();
            case CRC64NVME -> Hasher.crc64nvme();
            case SHA1 -> Hasher.sha1();
            case SHA256 -> Hasher.sha256();
        };
    }

    /**
     * The checksum of A || B from the checksums of A and B (as raw digest bytes) and B's length;
     * CRCs only.
     */
    public byte[] combine(byte[] a, byte[] b, long lengthB) {
        if (combiner == null) {
            throw new UnsupportedOperationException(wireName + " checksums cannot be combined");
        }
        return Hasher.toBytes(combiner.combine(Hasher.fromBytes(a), Hasher.fromBytes(b), lengthB), length);
    }

    /** Decodes a base64 header value; empty when it is not base64 of the right length. */
    public Optional<byte[]> decode(String base64) {
        try {
            byte[] v = Base64.getDecoder().decode(base64.strip());
            return v.length == length ? Optional.of(v) : Optional.empty();
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    public static String encode(byte[] digest) {
        return Base64.getEncoder().encodeToString(digest);
    }

    /** By wire name, case-insensitive ("crc32", "CRC64NVME"). */
    public static Optional<ChecksumAlgorithm> fromWireName(String name) {
        if (name == null) {
            return Optional.empty();
        }
        for (ChecksumAlgorithm a : values()) {
            if (a.wireName.equalsIgnoreCase(name.strip())) {
                return Optional.of(a);
            }
        }
        return Optional.empty();
    }

    /** By header name, case-insensitive ("x-amz-checksum-crc32c"). */
    public static Optional<ChecksumAlgorithm> fromHeader(String header) {
        for (ChecksumAlgorithm a : values()) {
            if (a.header.equalsIgnoreCase(header.strip())) {
                return Optional.of(a);
            }
        }
        return Optional.empty();
    }
}
