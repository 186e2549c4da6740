package io.nacre.s3.xml;

import java.util.List;
import java.util.Optional;

/** One element of a parsed request body: its local name, its text as sent and its child elements. */
public record XmlElement(String name, String rawText, List<XmlElement> children) {

    public XmlElement {
        children = List.copyOf(children);
    }

    /** The text without surrounding whitespace. */
    public String text() {
        return rawText.strip();
    }

    public Optional<XmlElement> child(String childName) {
        return children.stream().filter(c -> c.name.equals(childName)).findFirst();
    }

    public List<XmlElement> all(String childName) {
        return children.stream().filter(c -> c.name.equals(childName)).toList();
    }

    /** The text of the first child with that name, if present. */
    public Optional<String> childText(String childName) {
        return child(childName).map(XmlElement::text);
    }
}
