package io.nacre.s3.ops;

import io.nacre.s3.error.ErrorMapping;
import com.linecorp.armeria.common.HttpResponse;
import io.nacre.engine.Fid;
import io.nacre.engine.meta.DirEntry;
import io.nacre.engine.meta.DirPage;
import io.nacre.s3.keys.BucketNames;
import io.nacre.s3.xml.XmlWriter;

/** GET /: the top-level directories whose names are bucket names. */
final class ListBuckets extends Operation {

    ListBuckets() {
        super("ListBuckets", ErrorMapping.Target.OBJECT);
    }

    @Override
    public HttpResponse handle(S3Request r) {
        String uid = Integer.toString(r.caller().uid());
        XmlWriter doc = XmlWriter.document("ListAllMyBucketsResult");
        doc.start("Owner").element("ID", uid).element("DisplayName", uid).end();
        doc.start("Buckets");
        String after = "";
        while (true) {
            DirPage page = r.gateway().namespace().mds().list(r.caller(), Fid.ROOT, after, 1000);
            for (DirEntry e : page.entries()) {
                after = e.name();
                if (e.attr().isDir() && BucketNames.isValid(e.name())) {
                    doc.start("Bucket").element("Name", e.name()).element("CreationDate", Responses.iso(e.attr().btime()))
                            .element("BucketRegion", r.gateway().region()).end();
                }
            }
            if (page.eof() || page.entries().isEmpty()) {
                break;
            }
        }
        doc.end();
        return Responses.xml(doc);
    }
}
