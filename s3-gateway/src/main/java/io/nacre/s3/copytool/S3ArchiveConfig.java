package io.nacre.s3.copytool;

import static java.util.Objects.requireNonNull;

import io.nacre.engine.hsm.HsmLimits;
import java.net.URI;

/**
 * Where and how the S3 copytool archives (one archive id): any S3 endpoint (AWS when none is given),
 * a bucket and a key prefix, credentials (the AWS default chain when none are given), the multipart part
 * size and how many parts of one file travel at once (memory per action is about part size x (parts
 * in flight + 1)), and an optional bandwidth limit over all transfers. Build with {@link #builder}.
 */
public record S3ArchiveConfig(int archiveId, URI endpoint, String region, String bucket, String prefix,
                              String accessKey, String secretKey, boolean pathStyle, int partSize, int partsInFlight,
                              long bandwidth) {

    /** S3's smallest part (but the last). */
    public static final int MIN_PART = 5 << 20;
    public static final int DEFAULT_PART = 16 << 20;

    public S3ArchiveConfig {
        HsmLimits.checkArchiveId(archiveId);
        requireNonNull(bucket, "bucket");
        if (bucket.isEmpty()) {
            throw new IllegalArgumentException("an S3 archive needs a bucket");
        }
        region = region == null || region.isEmpty() ? "us-east-1" : region;
        prefix = S3Keys.trimSlashes(prefix == null ? "" : prefix);
        if ((accessKey == null) != (secretKey == null)) {
            throw new IllegalArgumentException("give both the access key and the secret key, or neither");
        }
        if (partSize < MIN_PART || partSize > (1 << 30)) {
            throw new IllegalArgumentException("part size must be 5 MiB..1 GiB: " + partSize);
        }
        if (partsInFlight < 1 || partsInFlight > 64) {
            throw new IllegalArgumentException("parts in flight must be 1..64: " + partsInFlight);
        }
        if (bandwidth < 0) {
            throw new IllegalArgumentException("bandwidth must be >= 0 (0: unlimited): " + bandwidth);
        }
    }

    public static Builder builder(int archiveId, String bucket) {
        return new Builder(archiveId, bucket);
    }

    /** "s3://bucket/prefix", for messages. */
    public String location() {
        return "s3://" + bucket + (prefix.isEmpty() ? "" : "/" + prefix);
    }

    public static final class Builder {
        private final int archiveId;
        private final String bucket;
        private URI endpoint;
        private String region;
        private String prefix = "";
        private String accessKey;
        private String secretKey;
        private Boolean pathStyle;
        private int partSize = DEFAULT_PART;
        private int partsInFlight = 2;
        private long bandwidth;

        private Builder(int archiveId, String bucket) {
            this.archiveId = archiveId;
            this.bucket = bucket;
        }

        public Builder endpoint(URI e) {
            endpoint = e;
            return this;
        }

        public Builder region(String r) {
            region = r;
            return this;
        }

        public Builder prefix(String p) {
            prefix = p;
            return this;
        }

        public Builder credentials(String access, String secret) {
            accessKey = access;
            secretKey = secret;
            return this;
        }

        /** Path-style addressing (default: on when an endpoint is given, as most S3 servers but AWS want). */
        public Builder pathStyle(boolean p) {
            pathStyle = p;
            return this;
        }

        public Builder partSize(int bytes) {
            partSize = bytes;
            return this;
        }

        public Builder partsInFlight(int n) {
            partsInFlight = n;
            return this;
        }

        /** Bytes per second over all transfers of this copytool; 0 (default) for no limit. */
        public Builder bandwidth(long bytesPerSecond) {
            bandwidth = bytesPerSecond;
            return this;
        }

        public S3ArchiveConfig build() {
            return new S3ArchiveConfig(archiveId, endpoint, region, bucket, prefix, accessKey, secretKey,
                    pathStyle != null ? pathStyle : endpoint != null, partSize, partsInFlight, bandwidth);
        }
    }
}
