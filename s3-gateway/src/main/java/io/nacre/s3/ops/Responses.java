package io.nacre.s3.ops;

import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.ResponseHeaders;
import com.linecorp.armeria.common.ResponseHeadersBuilder;
import io.nacre.s3.error.S3Exception;
import io.nacre.s3.xml.XmlWriter;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.Map;

/** Building S3 responses: XML documents, empty answers, error documents, and S3's time formats. */
public final class Responses {

    static final MediaType XML = MediaType.create("application", "xml");
    private static final DateTimeFormatter ISO_MILLIS =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'", Locale.ROOT).withZone(ZoneOffset.UTC);

    private static final DateTimeFormatter HTTP_DATE =
            DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.US).withZone(ZoneOffset.UTC);

    private Responses() {
    }

    /** A 200 with an XML document. */
    public static HttpResponse xml(XmlWriter doc) {
        return xml(HttpStatus.OK, doc, Map.of());
    }

    public static HttpResponse xml(HttpStatus status, XmlWriter doc, Map<String, String> extraHeaders) {
        byte[] body = doc.toBytes();
        ResponseHeadersBuilder h = ResponseHeaders.builder(status).contentType(XML).contentLength(body.length);
        extraHeaders.forEach(h::add);
        return HttpResponse.of(h.build(), com.linecorp.armeria.common.HttpData.wrap(body));
    }

    /** A response without a body (204, or 200 to a PUT/HEAD), with headers. */
    public static HttpResponse empty(HttpStatus status, Map<String, String> headers) {
        ResponseHeadersBuilder h = ResponseHeaders.builder(status);
        headers.forEach(h::add);
        if (status != HttpStatus.NO_CONTENT && status != HttpStatus.NOT_MODIFIED) {
            h.contentLength(0);
        }
        return HttpResponse.of(h.build());
    }

    /** The S3 error document: Code, Message, Resource, RequestId and the error's details; no body to a HEAD. */
    public static HttpResponse error(S3Exception e, String resource, String requestId, boolean head) {
        HttpStatus status = HttpStatus.valueOf(e.error().httpStatus());
        ResponseHeadersBuilder h = ResponseHeaders.builder(status);
        if (e.error().httpStatus() == 503) {
            h.add(HttpHeaderNames.RETRY_AFTER, "1");
        }
        if (head) {
            return HttpResponse.of(h.contentLength(0).build());
        }
        XmlWriter doc = XmlWriter.plainDocument("Error")
                .element("Code", e.error().code())
                .element("Message", e.getMessage() == null ? e.error().code() : e.getMessage());
        for (Map.Entry<String, String> d : e.orderedDetails()) {
            doc.element(d.getKey(), d.getValue());
        }
        doc.element("Resource", resource).element("RequestId", requestId);
        byte[] body = doc.toBytes();
        return HttpResponse.of(h.contentType(XML).contentLength(body.length).build(),
                com.linecorp.armeria.common.HttpData.wrap(body));
    }

    /** XML timestamps: 2009-10-12T17:50:30.000Z. */
    public static String iso(long epochNanos) {
        return ISO_MILLIS.format(Instant.ofEpochSecond(0, epochNanos));
    }

    /** HTTP dates (Last-Modified): Mon, 12 Oct 2009 17:50:30 GMT. */
    public static String httpDate(long epochNanos) {
        return HTTP_DATE.format(Instant.ofEpochSecond(Math.floorDiv(epochNanos, 1_000_000_000L)));
    }

    /** An ETag as S3 shows it, in double quotes. */
    public static String quote(String etag) {
        return '"' + etag + '"';
    }
}
