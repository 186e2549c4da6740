package io.nacre.s3.xml;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Builds the small XML documents S3 answers with. Text is escaped; characters XML 1.0 cannot carry
 * literally (control characters in keys) are written as numeric references, as S3 does.
 */
public final class XmlWriter {

    public static final String S3_NAMESPACE = "http://s3.amazonaws.com/doc/2006-03-01/";

    private final StringBuilder sb = new StringBuilder(256);
    private final Deque<String> open = new ArrayDeque<>();

    private XmlWriter() {
        sb.append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    }

    /** A document whose root element carries the S3 namespace. */
    public static XmlWriter document(String root) {
        XmlWriter w = new XmlWriter();
        w.sb.append('<').append(root).append(" xmlns=\"").append(S3_NAMESPACE).append("\">");
        w.open.push(root);
        return w;
    }

    /** A document whose root element has no namespace (the Error document). */
    public static XmlWriter plainDocument(String root) {
        XmlWriter w = new XmlWriter();
        w.sb.append('<').append(root).append('>');
        w.open.push(root);
        return w;
    }

    public XmlWriter start(String name) {
        sb.append('<').append(name).append('>');
        open.push(name);
        return this;
    }

    public XmlWriter end() {
        sb.append("</").append(open.pop()).append('>');
        return this;
    }

    /** Text inside the element open now. */
    public XmlWriter text(String text) {
        escape(text);
        return this;
    }

    /** {@code <name>text</name>}; nothing when text is null. */
    public XmlWriter element(String name, String text) {
        if (text == null) {
            return this;
        }
        sb.append('<').append(name).append('>');
        escape(text);
        sb.append("</").append(name).append('>');
        return this;
    }

    public XmlWriter element(String name, long value) {
        return element(name, Long.toString(value));
    }

    public XmlWriter element(String name, boolean value) {
        return element(name, Boolean.toString(value));
    }

    private void escape(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '<' -> sb.append("&lt;");
                case '>' -> sb.append("&gt;");
                case '&' -> sb.append("&amp;");
                case '"' -> sb.append("&quot;");
                case '\'' -> sb.append("&apos;");
                case '\0' -> sb.append('\ufffd'); // not even a character reference can carry NUL
                default -> {
                    if (c < 0x20 && c != '\t' && c != '\n' || c == '\r' || c == 0xfffe || c == 0xffff) {
                        sb.append("&#x").append(Integer.toHexString(c)).append(';');
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
    }

    /** Closes every open element and returns the document as UTF-8. */
    public byte[] toBytes() {
        while (!open.isEmpty()) {
            end();
        }
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return sb.toString();
    }
}
