package io.nacre.s3.ops;

import com.linecorp.armeria.common.HttpResponse;
import io.nacre.s3.error.ErrorMapping;
import io.nacre.s3.fs.Uploads;
import io.nacre.s3.keys.Utf8Order;
import io.nacre.s3.xml.XmlWriter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** GET /bucket?uploads: uploads in progress, by key then start time, with prefix, delimiter and markers. */
final class ListMultipartUploads extends Operation {

    ListMultipartUploads() {
        super("ListMultipartUploads", ErrorMapping.Target.BUCKET);
    }

    @Override
    public HttpResponse handle(S3Request r) {
        r.bucketAttr();
        boolean url = Listings.urlEncoding(r);
        String prefix = Listings.orEmpty(r.param("prefix"));
        String delimiter = Listings.orEmpty(r.param("delimiter"));
        String keyMarker = Listings.orEmpty(r.param("key-marker"));
        String idMarker = Listings.orEmpty(r.param("upload-id-marker"));
        int max = ListParts.intParam(r, "max-uploads", 1000, 0, 1000);

        List<Uploads.Upload> all = new ArrayList<>(r.gateway().uploads().list(r.bucket()));
        all.sort(Comparator.comparing(Uploads.Upload::key, Utf8Order.COMPARATOR)
                .thenComparingLong(Uploads.Upload::initiated).thenComparing(Uploads.Upload::id));
        List<Uploads.Upload> shown = new ArrayList<>();
        Set<String> prefixes = new LinkedHashSet<>();
        boolean truncated = false;
        String nextKey = null;
        String nextId = null;
        for (Uploads.Upload u : all) {
            if (!u.key().startsWith(prefix)) {
                continue;
            }
            if (!keyMarker.isEmpty()) {
                int c = Utf8Order.compare(u.key(), keyMarker);
                if (c < 0 || c == 0 && (idMarker.isEmpty() || u.id().compareTo(idMarker) <= 0)) {
                    continue;
                }
            }
            String cp = null;
            if (!delimiter.isEmpty()) {
                int at = u.key().indexOf(delimiter, prefix.length());
                if (at >= 0) {
                    cp = u.key().substring(0, at + delimiter.length());
                    if (prefixes.contains(cp) || !keyMarker.isEmpty() && Utf8Order.compare(cp, keyMarker) <= 0) {
                        continue;
                    }
                }
            }
            if (shown.size() + prefixes.size() == max) {
                truncated = true;
                break;
            }
            if (cp != null) {
                prefixes.add(cp);
                nextKey = cp;
                nextId = "";
            } else {
                shown.add(u);
                nextKey = u.key();
                nextId = u.id();
            }
        }
        XmlWriter doc = XmlWriter.document("ListMultipartUploadsResult")
                .element("Bucket", r.bucket())
                .element("KeyMarker", Listings.show(keyMarker, url))
                .element("UploadIdMarker", idMarker);
        if (truncated) {
            doc.element("NextKeyMarker", Listings.show(nextKey, url)).element("NextUploadIdMarker", nextId);
        }
        doc.element("Prefix", Listings.show(prefix, url));
        if (!delimiter.isEmpty()) {
            doc.element("Delimiter", Listings.show(delimiter, url));
        }
        doc.element("MaxUploads", max).element("IsTruncated", truncated);
        if (url) {
            doc.element("EncodingType", "url");
        }
        for (Uploads.Upload u : shown) {
            String id = Integer.toString(u.uid());
            doc.start("Upload").element("Key", Listings.show(u.key(), url)).element("UploadId", u.id());
            doc.start("Initiator").element("ID", id).element("DisplayName", id).end();
            doc.start("Owner").element("ID", id).element("DisplayName", id).end();
            doc.element("StorageClass", "STANDARD").element("Initiated", Responses.iso(u.initiated()));
            if (u.checksum() != null) {
                doc.element("ChecksumAlgorithm", u.checksum().wireName()).element("ChecksumType", u.checksumType());
            }
            doc.end();
        }
        for (String p : prefixes) {
            doc.start("CommonPrefixes").element("Prefix", Listings.show(p, url)).end();
        }
        return Responses.xml(doc);
    }
}
