package io.nacre.s3.ops;

import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import io.nacre.s3.error.ErrorMapping;
import io.nacre.s3.xml.XmlWriter;
import java.util.Map;

/**
 * The small bucket subresources: GetBucketLocation, GetBucketVersioning (never enabled),
 * GetBucketAcl and PutBucketAcl (private or public-read).
 */
final class BucketInfo {

    private BucketInfo() {
    }

    static final class GetBucketLocation extends Operation {
        GetBucketLocation() {
            super("GetBucketLocation", ErrorMapping.Target.BUCKET);
        }

        @Override
        public HttpResponse handle(S3Request r) {
            r.bucketAttr();
            String region = r.gateway().region();
            XmlWriter doc = XmlWriter.document("LocationConstraint");
            // us-east-1 is reported as an empty LocationConstraint, as AWS does.
            return Responses.xml(region.equals("us-east-1") ? doc : doc.text(region));
        }
    }

    static final class GetBucketVersioning extends Operation {
        GetBucketVersioning() {
            super("GetBucketVersioning", ErrorMapping.Target.BUCKET);
        }

        @Override
        public HttpResponse handle(S3Request r) {
            r.bucketAttr();
            return Responses.xml(XmlWriter.document("VersioningConfiguration"));
        }
    }

    static final class GetBucketAcl extends Operation {
        GetBucketAcl() {
            super("GetBucketAcl", ErrorMapping.Target.BUCKET);
        }

        @Override
        public HttpResponse handle(S3Request r) {
            String owner = Integer.toString(r.bucketAttr().uid());
            boolean pub = r.gateway().namespace().bucketAcl(r.bucketAttr().fid()).equals("public-read");
            return Responses.xml(acl(owner, pub));
        }
    }

    static final class PutBucketAcl extends Operation {
        PutBucketAcl() {
            super("PutBucketAcl", ErrorMapping.Target.BUCKET);
        }

        @Override
        public HttpResponse handle(S3Request r) throws Exception {
            var bucket = r.bucketAttr();
            if (bucket.uid() != r.caller().uid() && !r.caller().isRoot()) {
                throw new io.nacre.s3.error.S3Exception(io.nacre.s3.error.S3Error.ACCESS_DENIED, "Access Denied");
            }
            String acl = CannedAcl.fromRequest(r);
            r.smallBody(64 * 1024, false);
            r.gateway().namespace().setBucketAcl(bucket.fid(), acl == null ? "private" : acl);
            return Responses.empty(HttpStatus.OK, Map.of());
        }
    }

    static final class GetObjectAcl extends Operation {
        GetObjectAcl() {
            super("GetObjectAcl", ErrorMapping.Target.KEY_READ);
        }

        @Override
        public HttpResponse handle(S3Request r) {
            ObjectReads.Found f = ObjectReads.find(r, r.bucket(), r.keyPath(), r.param("versionId"));
            return Responses.xml(acl(Integer.toString(f.attr().uid()), false));
        }
    }

    static final class GetObjectTagging extends Operation {
        GetObjectTagging() {
            super("GetObjectTagging", ErrorMapping.Target.KEY_READ);
        }

        @Override
        public HttpResponse handle(S3Request r) {
            ObjectReads.find(r, r.bucket(), r.keyPath(), r.param("versionId"));
            return Responses.xml(XmlWriter.document("Tagging").start("TagSet").end());
        }
    }

    static XmlWriter acl(String owner, boolean publicRead) {
        XmlWriter doc = XmlWriter.document("AccessControlPolicy");
        doc.start("Owner").element("ID", owner).element("DisplayName", owner).end();
        doc.start("AccessControlList");
        doc.start("Grant").start("Grantee").element("ID", owner).element("DisplayName", owner).end()
                .element("Permission", "FULL_CONTROL").end();
        if (publicRead) {
            doc.start("Grant").start("Grantee").element("URI", "http://acs.amazonaws.com/groups/global/AllUsers").end()
                    .element("Permission", "READ").end();
        }
        return doc.end();
    }
}
