package io.nacre.s3.ops;

import com.linecorp.armeria.common.HttpResponse;
import io.nacre.s3.error.ErrorMapping;
import io.nacre.s3.keys.S3OrderWalker;
import io.nacre.s3.xml.XmlWriter;

/** GET /bucket: ListObjects (version 1), keys after a marker. */
final class ListObjects extends Operation {

    ListObjects() {
        super("ListObjects", ErrorMapping.Target.BUCKET);
    }

    @Override
    public HttpResponse handle(S3Request r) {
        Listings.Params params = Listings.Params.of(r);
        boolean url = params.url();
        String prefix = params.prefix();
        String delimiter = params.delimiter();
        String marker = Listings.orEmpty(r.param("marker"));
        int max = params.maxKeys();
        S3OrderWalker.Start start = marker.isEmpty() ? S3OrderWalker.Start.BEGINNING
                : new S3OrderWalker.Start(marker, S3OrderWalker.Mode.AFTER);
        Listings.PageResult page = Listings.list(r, prefix, delimiter, start, marker.isEmpty() ? null : marker, max);

        XmlWriter doc = XmlWriter.document("ListBucketResult")
                .element("Name", r.bucket())
                .element("Prefix", Listings.show(prefix, url))
                .element("Marker", Listings.show(marker, url));
        if (page.truncated() && !delimiter.isEmpty()) {
            doc.element("NextMarker", Listings.show(page.next().key(), url));
        }
        doc.element("MaxKeys", max);
        if (!delimiter.isEmpty()) {
            doc.element("Delimiter", Listings.show(delimiter, url));
        }
        if (url) {
            doc.element("EncodingType", "url");
        }
        doc.element("IsTruncated", page.truncated());
        boolean glacier = ArchivedObjects.glacier(r);
        for (Listings.Row row : page.rows()) {
            Listings.contents(doc, row, url, true, glacier);
        }
        for (String p : page.prefixes()) {
            doc.start("CommonPrefixes").element("Prefix", Listings.show(p, url)).end();
        }
        return Responses.xml(doc);
    }
}
