package io.nacre.s3.ops;

import com.linecorp.armeria.common.HttpResponse;
import io.nacre.s3.error.ErrorMapping;
import io.nacre.s3.keys.S3OrderWalker;
import io.nacre.s3.xml.XmlWriter;

/** GET /bucket?list-type=2: keys in S3 order with prefix, delimiter, continuation token, start-after. */
final class ListObjectsV2 extends Operation {

    ListObjectsV2() {
        super("ListObjectsV2", ErrorMapping.Target.BUCKET);
    }

    @Override
    public HttpResponse handle(S3Request r) {
        Listings.Params params = Listings.Params.of(r);
        boolean url = params.url();
        String prefix = params.prefix();
        String delimiter = params.delimiter();
        int max = params.maxKeys();
        String token = r.param("continuation-token");
        String startAfter = r.param("start-after");
        boolean fetchOwner = "true".equals(r.param("fetch-owner"));
        S3OrderWalker.Start start = token != null ? Listings.decodeToken(token)
                : startAfter != null && !startAfter.isEmpty() ? new S3OrderWalker.Start(startAfter, S3OrderWalker.Mode.AFTER)
                : S3OrderWalker.Start.BEGINNING;
        Listings.PageResult page = Listings.list(r, prefix, delimiter, start,
                startAfter == null || startAfter.isEmpty() ? null : startAfter, max);

        XmlWriter doc = XmlWriter.document("ListBucketResult")
                .element("Name", r.bucket())
                .element("Prefix", Listings.show(prefix, url));
        if (!delimiter.isEmpty()) {
            doc.element("Delimiter", Listings.show(delimiter, url));
        }
        doc.element("MaxKeys", max);
        if (url) {
            doc.element("EncodingType", "url");
        }
        doc.element("KeyCount", page.rows().size() + page.prefixes().size())
                .element("IsTruncated", page.truncated());
        if (token != null) {
            doc.element("ContinuationToken", token);
        }
        if (page.truncated()) {
            doc.element("NextContinuationToken", Listings.encodeToken(page.next()));
        }
        if (startAfter != null) {
            doc.element("StartAfter", Listings.show(startAfter, url));
        }
        boolean glacier = ArchivedObjects.glacier(r);
        for (Listings.Row row : page.rows()) {
            Listings.contents(doc, row, url, fetchOwner, glacier);
        }
        for (String p : page.prefixes()) {
            doc.start("CommonPrefixes").element("Prefix", Listings.show(p, url)).end();
        }
        return Responses.xml(doc);
    }
}
