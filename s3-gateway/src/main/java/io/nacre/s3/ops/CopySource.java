package io.nacre.s3.ops;

import io.nacre.s3.auth.QueryString;
import io.nacre.s3.error.S3Error;
import io.nacre.s3.error.S3Exception;
import io.nacre.s3.keys.KeyPath;

/** The x-amz-copy-source header of CopyObject and UploadPartCopy: "[/]bucket/key[?versionId=...]", URL-encoded. */
record CopySource(String bucket, KeyPath key, String versionId) {

    static CopySource parse(String header) {
        String h = header.strip();
        String version = null;
        int q = h.indexOf('?');
        if (q >= 0) {
            for (var p : QueryString.parse(h.substring(q + 1))) {
                if (p.getKey().equals("versionId")) {
                    version = p.getValue();
                }
            }
            h = h.substring(0, q);
        }
        String decoded = QueryString.decode(h.replace("+", "%2B"));
        if (decoded.startsWith("/")) {
            decoded = decoded.substring(1);
        }
        int slash = decoded.indexOf('/');
        if (slash <= 0 || slash == decoded.length() - 1) {
            throw new S3Exception(S3Error.INVALID_ARGUMENT, "Copy Source must mention the source bucket and key: sourcebucket/sourcekey")
                    .with("ArgumentName", "x-amz-copy-source");
        }
        return new CopySource(decoded.substring(0, slash), KeyPath.parse(decoded.substring(slash + 1)), version);
    }
}
