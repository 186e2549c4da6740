package io.nacre.s3.ops;

import io.nacre.engine.Fid;
import io.nacre.engine.meta.Attr;
import io.nacre.s3.auth.SigV4;
import io.nacre.s3.error.S3Error;
import io.nacre.s3.error.S3Exception;
import io.nacre.s3.fs.MdsLister;
import io.nacre.s3.fs.MetaStore;
import io.nacre.s3.fs.Namespace;
import io.nacre.s3.keys.Listing;
import io.nacre.s3.keys.S3OrderWalker;
import io.nacre.s3.xml.XmlWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * What ListObjects, ListObjectsV2 and ListObjectVersions share: running one page of the S3-order
 * listing over the bucket's tree, fetching the page's ETags side by side, continuation tokens, and
 * encoding-type=url.
 */
final class Listings {

    static final int MAX_KEYS = 1000;

    private Listings() {
    }

    /** A key of the page with what its entry shows: size, mtime, ETag, owner. */
    record Row(String key, Attr attr, String etag) {
    }

    /** A listed page: keys, common prefixes, and where the next page starts when truncated. */
    record PageResult(List<Row> rows, List<String> prefixes, boolean truncated,
                      S3OrderWalker.Start next) {
    }

    static PageResult list(S3Request r, String prefix, String delimiter, S3OrderWalker.Start start, String floor,
                           int maxKeys) {
        Gateway gw = r.gateway();
        Namespace ns = gw.namespace();
        Fid bucket = r.bucketAttr().fid();
        ns.checkAccess(r.caller(), bucket, io.nacre.engine.meta.Access.READ);
        MdsLister lister = new MdsLister(ns.mds(), r.caller());
        Listing.Result<Fid, Attr> result = Listing.list(lister, bucket,
                new Listing.Request(prefix, delimiter, start, floor, maxKeys),
                e -> !ns.isImplicit(e.dir()), Math.min(MAX_KEYS, maxKeys) + 1);
        List<CompletableFuture<Row>> rows = new ArrayList<>();
        List<String> prefixes = new ArrayList<>();
        for (Listing.Item<Fid, Attr> item : result.items()) {
            if (item instanceof Listing.ObjectItem<Fid, Attr> o) {
                Attr a = o.entry().attr();
                if (a.isDir()) {
                    rows.add(CompletableFuture.completedFuture(new Row(o.key(), a, MetaStore.EMPTY_ETAG)));
                } else {
                    rows.add(CompletableFuture.supplyAsync(
                            () -> new Row(o.key(), a, gw.meta().current(a.fid(), a).etag()), gw.blocking()));
                }
            } else {
                prefixes.add(item.key());
            }
        }
        List<Row> done = new ArrayList<>(rows.size());
        for (CompletableFuture<Row> f : rows) {
            done.add(f.join());
        }
        return new PageResult(done, prefixes, result.truncated(), result.next());
    }

    /** The parameters every listing takes: encoding-type=url, prefix, delimiter, max-keys. */
    record Params(boolean url, String prefix, String delimiter, int maxKeys) {
        static Params of(S3Request r) {
            return new Params(urlEncoding(r), orEmpty(r.param("prefix")), orEmpty(r.param("delimiter")),
                    Listings.maxKeys(r, "max-keys"));
        }
    }

    static String orEmpty(String s) {
        return s == null ? "" : s;
    }

    static String encodeToken(S3OrderWalker.Start s) {
        String t = (s.mode() == S3OrderWalker.Mode.PAST_PREFIX ? "P" : "A") + s.key();
        return Base64.getUrlEncoder().withoutPadding().encodeToString(t.getBytes(StandardCharsets.UTF_8));
    }

    static S3OrderWalker.Start decodeToken(String token) {
        try {
            String t = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
            if (t.startsWith("P")) {
                return new S3OrderWalker.Start(t.substring(1), S3OrderWalker.Mode.PAST_PREFIX);
            }
            if (t.startsWith("A")) {
                return new S3OrderWalker.Start(t.substring(1), S3OrderWalker.Mode.AFTER);
            }
        } catch (IllegalArgumentException e) {
            // below
        }
        throw new S3Exception(S3Error.INVALID_ARGUMENT, "The continuation token provided is incorrect")
                .with("ArgumentName", "continuation-token");
    }

    /** Whether encoding-type=url was asked for; any other value is InvalidArgument. */
    static boolean urlEncoding(S3Request r) {
        String e = r.param("encoding-type");
        if (e == null) {
            return false;
        }
        if (!e.equals("url")) {
            throw new S3Exception(S3Error.INVALID_ARGUMENT, "Invalid Encoding Method specified in Request")
                    .with("ArgumentName", "encoding-type").with("ArgumentValue", e);
        }
        return true;
    }

    /** A key (or prefix, delimiter, marker) as the response shows it. */
    static String show(String s, boolean url) {
        if (s == null || !url) {
            return s;
        }
        return SigV4.uriEncode(s.getBytes(StandardCharsets.UTF_8), false);
    }

    static int maxKeys(S3Request r, String param) {
        return ListParts.intParam(r, param, MAX_KEYS, 0, MAX_KEYS);
    }

    static void contents(XmlWriter doc, Row row, boolean url, boolean owner, boolean glacier) {
        doc.start("Contents").element("Key", show(row.key(), url))
                .element("LastModified", Responses.iso(row.attr().mtime()))
                .element("ETag", Responses.quote(row.etag()))
                .element("Size", row.attr().isDir() ? 0 : row.attr().size());
        if (owner) {
            owner(doc, row.attr());
        }
        doc.element("StorageClass", ArchivedObjects.storageClass(row.attr(), glacier)).end();
    }

    static void owner(XmlWriter doc, Attr a) {
        String id = Integer.toString(a.uid());
        doc.start("Owner").element("ID", id).element("DisplayName", id).end();
    }
}
