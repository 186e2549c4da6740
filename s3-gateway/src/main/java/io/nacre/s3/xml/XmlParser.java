package io.nacre.s3.xml;

import io.nacre.s3.error.S3Error;
import io.nacre.s3.error.S3Exception;
import java.io.ByteArrayInputStream;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import javax.xml.stream.XMLInputFactory;
import javax.xml.stream.XMLStreamConstants;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamReader;

/**
 * Parses request bodies (CompleteMultipartUpload, Delete, CreateBucketConfiguration) safely: no DTDs,
 * no entities, so no XXE or entity expansion; bounded depth, element count and text length, on a body
 * whose size the caller has already bounded. Anything else is MalformedXML.
 */
public final class XmlParser {

    /** Deeper than any S3 request body. */
    static final int MAX_DEPTH = 8;
    /** More than the largest legal body needs (10,000 parts of 3 elements, 1,000 keys of 3). */
    static final int MAX_ELEMENTS = 50_000;
    /** Longer than any legal value (a key is at most 1024 bytes). */
    static final int MAX_TEXT = 4096;

    private static final XMLInputFactory FACTORY = newFactory();

    private XmlParser() {
    }

    private static XMLInputFactory newFactory() {
        XMLInputFactory f = XMLInputFactory.newFactory();
        f.setProperty(XMLInputFactory.SUPPORT_DTD, false);
        f.setProperty(XMLInputFactory.IS_SUPPORTING_EXTERNAL_ENTITIES, false);
        f.setProperty(XMLInputFactory.IS_REPLACING_ENTITY_REFERENCES, false);
        f.setProperty(XMLInputFactory.IS_NAMESPACE_AWARE, true);
        f.setProperty(XMLInputFactory.IS_COALESCING, true);
        return f;
    }

    /** Parses a document; the root element must be {@code expectedRoot} (any namespace). */
    public static XmlElement parse(byte[] body, String expectedRoot) {
        if (body.length == 0) {
            throw malformed("The XML you provided was empty");
        }
        XMLStreamReader r = null;
        try {
            r = FACTORY.createXMLStreamReader(new ByteArrayInputStream(body));
            Deque<String> names = new ArrayDeque<>();
            Deque<StringBuilder> texts = new ArrayDeque<>();
            Deque<List<XmlElement>> kids = new ArrayDeque<>();
            XmlElement root = null;
            int elements = 0;
            while (r.hasNext()) {
                int ev = r.next();
                switch (ev) {
                    case XMLStreamConstants.DTD, XMLStreamConstants.ENTITY_REFERENCE,
                         XMLStreamConstants.ENTITY_DECLARATION ->
                            throw malformed("DTDs and entity references are not accepted");
                    case XMLStreamConstants.START_ELEMENT -> {
                        if (root != null) {
                            throw malformed("content after the root element");
                        }
                        if (++elements > MAX_ELEMENTS) {
                            throw malformed("too many elements");
                        }
                        if (names.size() >= MAX_DEPTH) {
                            throw malformed("elements nested too deeply");
                        }
                        if (names.isEmpty() && !r.getLocalName().equals(expectedRoot)) {
                            throw malformed("the root element must be " + expectedRoot + ", not " + r.getLocalName());
                        }
                        names.push(r.getLocalName());
                        texts.push(new StringBuilder());
                        kids.push(new ArrayList<>());
                    }
                    case XMLStreamConstants.CHARACTERS, XMLStreamConstants.CDATA, XMLStreamConstants.SPACE -> {
                        if (!texts.isEmpty()) {
                            StringBuilder t = texts.peek();
                            if (t.length() + r.getTextLength() > MAX_TEXT) {
                                throw malformed("an element's text is too long");
                            }
                            t.append(r.getTextCharacters(), r.getTextStart(), r.getTextLength());
                        }
                    }
                    case XMLStreamConstants.END_ELEMENT -> {
                        XmlElement e = new XmlElement(names.pop(), texts.pop().toString(), kids.pop());
                        if (kids.isEmpty()) {
                            root = e;
                        } else {
                            kids.peek().add(e);
                        }
                    }
                    default -> {
                        // comments, processing instructions, document start/end: nothing to keep
                    }
                }
            }
            if (root == null) {
                throw malformed("no root element");
            }
            return root;
        } catch (XMLStreamException | RuntimeException e) {
            if (e instanceof S3Exception s3) {
                throw s3;
            }
            throw new S3Exception(S3Error.MALFORMED_XML,
                    "The XML you provided was not well-formed or did not validate against our published schema", e);
        } finally {
            if (r != null) {
                try {
                    r.close();
                } catch (XMLStreamException e) {
                    // nothing was held open beyond the byte array
                }
            }
        }
    }

    static S3Exception malformed(String why) {
        return new S3Exception(S3Error.MALFORMED_XML,
                "The XML you provided was not well-formed or did not validate against our published schema: " + why);
    }
}
