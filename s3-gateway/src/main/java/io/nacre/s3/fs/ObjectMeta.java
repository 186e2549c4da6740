package io.nacre.s3.fs;

import io.nacre.s3.checksum.ChecksumAlgorithm;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What S3 keeps about an object besides its bytes, stored as one extended attribute of its file: the
 * ETag with the data version it belongs to (an ETag is trusted only while the file's data version is
 * unchanged), the stored headers (Content-Type, Content-Encoding, ..., x-amz-meta-*), the object's
 * checksum, and for multipart objects the part sizes (for GET ?partNumber).
 *
 * @param dataVersion   the file's {@code Attr.dataVersion} when etag and checksum were computed
 * @param etag          the ETag without quotes: hex MD5, or hex MD5 of part MD5s + "-N"
 * @param headers       stored response headers, lower-case names, in order
 * @param checksumAlgorithm the x-amz-checksum algorithm, or null
 * @param checksum      its value as S3 shows it (base64, with "-N" for a composite of parts), or null
 * @param composite     true when the checksum is of part checksums (multipart COMPOSITE)
 * @param partSizes     the sizes of the parts of a multipart object, empty otherwise
 */
public record ObjectMeta(long dataVersion, String etag, Map<String, String> headers,
                         ChecksumAlgorithm checksumAlgorithm, String checksum, boolean composite, long[] partSizes) {

    /** The extended attribute holding it. A trusted.* name: only the gateway (as root) writes it. */
    public static final String XATTR = "trusted.nacre.s3.object";

    private static final int VERSION = 1;

    public ObjectMeta {
        headers = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(headers));
        partSizes = partSizes == null ? new long[0] : partSizes.clone();
    }

    @Override
    public long[] partSizes() {
        return partSizes.clone();
    }

    public ObjectMeta withEtag(long newDataVersion, String newEtag) {
        // The checksum and part layout described the old data: they go.
        return new ObjectMeta(newDataVersion, newEtag, headers, null, null, false, null);
    }

    public ObjectMeta withHeaders(Map<String, String> newHeaders) {
        return new ObjectMeta(dataVersion, etag, newHeaders, checksumAlgorithm, checksum, composite, partSizes);
    }

    public int partsCount() {
        return partSizes.length;
    }

    public byte[] encode() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(128);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(VERSION);
            out.writeLong(dataVersion);
            out.writeUTF(etag);
            out.writeShort(headers.size());
            for (Map.Entry<String, String> h : headers.entrySet()) {
                out.writeUTF(h.getKey());
                out.writeUTF(h.getValue());
            }
            out.writeByte(checksumAlgorithm == null ? -1 : checksumAlgorithm.ordinal());
            if (checksumAlgorithm != null) {
                out.writeUTF(checksum);
                out.writeBoolean(composite);
            }
            writePartSizes(out, partSizes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** Decodes; null when the bytes are not an ObjectMeta this version understands (then it is recomputed). */
    public static ObjectMeta decode(byte[] b) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(b))) {
            if (in.readByte() != VERSION) {
                return null;
            }
            long dv = in.readLong();
            String etag = in.readUTF();
            int n = in.readUnsignedShort();
            Map<String, String> headers = new LinkedHashMap<>();
            for (int i = 0; i < n; i++) {
                headers.put(in.readUTF(), in.readUTF());
            }
            int alg = in.readByte();
            ChecksumAlgorithm a = null;
            String sum = null;
            boolean composite = false;
            if (alg >= 0) {
                a = ChecksumAlgorithm.values()[alg];
                sum = in.readUTF();
                composite = in.readBoolean();
            }
            long[] parts = readPartSizes(in);
            return new ObjectMeta(dv, etag, headers, a, sum, composite, parts);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** Part sizes, compactly: most multipart uploads have equal parts and a shorter last one. */
    private static void writePartSizes(DataOutputStream out, long[] sizes) throws IOException {
        out.writeInt(sizes.length);
        if (sizes.length == 0) {
            return;
        }
        boolean uniform = true;
        for (int i = 1; i < sizes.length - 1; i++) {
            uniform &= sizes[i] == sizes[0];
        }
        out.writeBoolean(uniform);
        if (uniform) {
            out.writeLong(sizes[0]);
            out.writeLong(sizes[sizes.length - 1]);
        } else {
            for (long s : sizes) {
                out.writeLong(s);
            }
        }
    }

    private static long[] readPartSizes(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > 10_000) {
            throw new IOException("bad part count " + n);
        }
        long[] sizes = new long[n];
        if (n == 0) {
            return sizes;
        }
        if (in.readBoolean()) {
            long first = in.readLong();
            long last = in.readLong();
            java.util.Arrays.fill(sizes, first);
            sizes[n - 1] = last;
        } else {
            for (int i = 0; i < n; i++) {
                sizes[i] = in.readLong();
            }
        }
        return sizes;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ObjectMeta m && m.dataVersion == dataVersion && m.etag.equals(etag)
                && m.headers.equals(headers) && m.checksumAlgorithm == checksumAlgorithm
                && java.util.Objects.equals(m.checksum, checksum) && m.composite == composite
                && java.util.Arrays.equals(m.partSizes, partSizes);
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(dataVersion, etag, headers, checksumAlgorithm, checksum, composite)
                * 31 + java.util.Arrays.hashCode(partSizes);
    }
}
