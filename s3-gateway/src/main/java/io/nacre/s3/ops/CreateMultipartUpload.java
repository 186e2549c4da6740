package io.nacre.s3.ops;

import io.nacre.s3.error.ErrorMapping;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import io.nacre.s3.checksum.ChecksumAlgorithm;
import io.nacre.s3.error.S3Error;
import io.nacre.s3.error.S3Exception;
import io.nacre.s3.fs.Uploads;
import io.nacre.s3.xml.XmlWriter;
import java.util.LinkedHashMap;
import java.util.Map;

/** POST /bucket/key?uploads: starts a multipart upload (checked like a PUT of the key, nothing made visible). */
final class CreateMultipartUpload extends Operation {

    CreateMultipartUpload() {
        super("CreateMultipartUpload", ErrorMapping.Target.OBJECT);
    }

    @Override
    public HttpResponse handle(S3Request r) {
        ObjectWrites.checkSupported(r);
        if (r.keyPath().directory()) {
            throw new S3Exception(S3Error.INVALID_ARGUMENT, "A key ending in '/' names a directory and cannot hold data")
                    .with("ArgumentName", "key");
        }
        Map<String, String> headers = ObjectHeaders.fromRequest(r.headers());
        ObjectWrites.plan(r);
        ChecksumAlgorithm alg = null;
        String a = r.header("x-amz-checksum-algorithm");
        if (a != null) {
            alg = ChecksumAlgorithm.fromWireName(a).orElseThrow(() -> new S3Exception(S3Error.INVALID_REQUEST,
                    "Checksum algorithm provided is unsupported. Please try again with any of the valid types: "
                            + "[CRC32, CRC32C, CRC64NVME, SHA1, SHA256]"));
        }
        String type = r.header("x-amz-checksum-type");
        if (type != null) {
            type = type.strip().toUpperCase(java.util.Locale.ROOT);
            if (!type.equals("COMPOSITE") && !type.equals("FULL_OBJECT")) {
                throw new S3Exception(S3Error.INVALID_REQUEST, "The x-amz-checksum-type header must be COMPOSITE or FULL_OBJECT");
            }
            if (alg == null) {
                throw new S3Exception(S3Error.INVALID_REQUEST, "x-amz-checksum-type needs x-amz-checksum-algorithm");
            }
        } else if (alg != null) {
            type = alg == ChecksumAlgorithm.CRC64NVME ? "FULL_OBJECT" : "COMPOSITE";
        }
        if (alg != null && type.equals("FULL_OBJECT") && !alg.combinable()) {
            throw new S3Exception(S3Error.INVALID_REQUEST, "The FULL_OBJECT checksum type is for CRC algorithms only");
        }
        if (alg == ChecksumAlgorithm.CRC64NVME && type.equals("COMPOSITE")) {
            throw new S3Exception(S3Error.INVALID_REQUEST, "CRC64NVME supports only the FULL_OBJECT checksum type");
        }
        Gateway gw = r.gateway();
        Uploads.Upload u = gw.uploads().create(r.bucket(), r.key(), r.caller(), gw.clock().millis() * 1_000_000L,
                headers, alg, type);
        Map<String, String> h = new LinkedHashMap<>();
        if (alg != null) {
            h.put("x-amz-checksum-algorithm", alg.wireName());
            h.put("x-amz-checksum-type", type);
        }
        return Responses.xml(HttpStatus.OK, XmlWriter.document("InitiateMultipartUploadResult")
                .element("Bucket", r.bucket()).element("Key", r.key()).element("UploadId", u.id()), h);
    }
}
