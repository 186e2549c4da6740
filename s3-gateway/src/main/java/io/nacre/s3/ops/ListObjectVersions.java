package io.nacre.s3.ops;

import com.linecorp.armeria.common.HttpResponse;
import io.nacre.s3.error.ErrorMapping;
import io.nacre.s3.keys.S3OrderWalker;
import io.nacre.s3.xml.XmlWriter;

/** GET /bucket?versions: versioning is never enabled, so each key has one version, "null", the latest. */
final class ListObjectVersions extends Operation {

    ListObjectVersions() {
        super("ListObjectVersions", ErrorMapping.Target.BUCKET);
    }

    @Override
    public HttpResponse handle(S3Request r) {
        Listings.Params params = Listings.Params.of(r);
        boolean url = params.url();
        String prefix = params.prefix();
        String delimiter = params.delimiter();
        String keyMarker = Listings.orEmpty(r.param("key-marker"));
        String versionMarker = r.param("version-id-marker");
        int max = params.maxKeys();
        // Each key has the single version "null": a version-id-marker names that one, so the key is done.
        S3OrderWalker.Start start = keyMarker.isEmpty() ? S3OrderWalker.Start.BEGINNING
                : new S3OrderWalker.Start(keyMarker, S3OrderWalker.Mode.AFTER);
        Listings.PageResult page = Listings.list(r, prefix, delimiter, start, keyMarker.isEmpty() ? null : keyMarker, max);

        XmlWriter doc = XmlWriter.document("ListVersionsResult")
                .element("Name", r.bucket())
                .element("Prefix", Listings.show(prefix, url))
                .element("KeyMarker", Listings.show(keyMarker, url))
                .element("VersionIdMarker", versionMarker == null ? "" : versionMarker);
        if (page.truncated()) {
            doc.element("NextKeyMarker", Listings.show(page.next().key(), url)).element("NextVersionIdMarker", "null");
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
            doc.start("Version").element("Key", Listings.show(row.key(), url)).element("VersionId", "null")
                    .element("IsLatest", true)
                    .element("LastModified", Responses.iso(row.attr().mtime()))
                    .element("ETag", Responses.quote(row.etag()))
                    .element("Size", row.attr().isDir() ? 0 : row.attr().size())
                    .element("StorageClass", ArchivedObjects.storageClass(row.attr(), glacier));
            Listings.owner(doc, row.attr());
            doc.end();
        }
        for (String p : page.prefixes()) {
            doc.start("CommonPrefixes").element("Prefix", Listings.show(p, url)).end();
        }
        return Responses.xml(doc);
    }
}
