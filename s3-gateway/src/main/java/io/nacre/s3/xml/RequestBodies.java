package io.nacre.s3.xml;

import io.nacre.s3.checksum.ChecksumAlgorithm;
import io.nacre.s3.error.S3Error;
import io.nacre.s3.error.S3Exception;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/** The XML request bodies S3 operations take, parsed and validated into records. */
public final class RequestBodies {

    /** The largest body we read for these documents (10,000 parts need well under 2 MiB). */
    public static final int MAX_BODY = 2 << 20;
    /** DeleteObjects takes at most this many keys (S3's limit). */
    public static final int MAX_DELETE_KEYS = 1000;
    /** Part numbers are 1..10,000 (S3's limit). */
    public static final int MAX_PART_NUMBER = 10_000;

    private RequestBodies() {
    }

    /** One part of a CompleteMultipartUpload body. */
    public record CompletedPart(int partNumber, String etag, Map<ChecksumAlgorithm, String> checksums) {
        public CompletedPart {
            checksums = Map.copyOf(checksums);
        }
    }

    /** One key of a DeleteObjects body. */
    public record ObjectToDelete(String key, String versionId) {
    }

    /** A DeleteObjects body. */
    public record Delete(boolean quiet, List<ObjectToDelete> objects) {
        public Delete {
            objects = List.copyOf(objects);
        }
    }

    /** The parts, in the order given; they must be in strictly ascending part number order. */
    public static List<CompletedPart> completeMultipartUpload(byte[] body) {
        XmlElement root = XmlParser.parse(body, "CompleteMultipartUpload");
        List<CompletedPart> parts = new ArrayList<>();
        int previous = 0;
        for (XmlElement p : root.all("Part")) {
            String number = p.childText("PartNumber").orElseThrow(() -> XmlParser.malformed("a Part has no PartNumber"));
            int n = partNumber(number);
            String etag = p.childText("ETag").orElseThrow(() -> XmlParser.malformed("a Part has no ETag"));
            Map<ChecksumAlgorithm, String> sums = new EnumMap<>(ChecksumAlgorithm.class);
            for (ChecksumAlgorithm a : ChecksumAlgorithm.values()) {
                p.childText(a.xmlElement()).ifPresent(v -> sums.put(a, v));
            }
            if (n <= previous) {
                throw new S3Exception(S3Error.INVALID_PART_ORDER,
                        "The list of parts was not in ascending order. The parts list must be specified in order by part number.");
            }
            previous = n;
            parts.add(new CompletedPart(n, etag, sums));
        }
        if (parts.isEmpty()) {
            throw XmlParser.malformed("CompleteMultipartUpload needs at least one Part");
        }
        return parts;
    }

    /** Parses a part number (from XML or a query parameter): 1..10,000, else InvalidArgument. */
    public static int partNumber(String text) {
        try {
            int n = Integer.parseInt(text.strip());
            if (n >= 1 && n <= MAX_PART_NUMBER) {
                return n;
            }
        } catch (NumberFormatException e) {
            // falls through to the S3 error below
        }
        throw new S3Exception(S3Error.INVALID_ARGUMENT, "Part number must be an integer between 1 and 10000, inclusive")
                .with("ArgumentName", "partNumber").with("ArgumentValue", text.length() > 64 ? text.substring(0, 64) : text);
    }

    public static Delete delete(byte[] body) {
        XmlElement root = XmlParser.parse(body, "Delete");
        boolean quiet = root.childText("Quiet").map(q -> {
            if (!q.equalsIgnoreCase("true") && !q.equalsIgnoreCase("false")) {
                throw XmlParser.malformed("Quiet must be true or false");
            }
            return q.equalsIgnoreCase("true");
        }).orElse(false);
        List<ObjectToDelete> objects = new ArrayList<>();
        for (XmlElement o : root.all("Object")) {
            // Keys keep their whitespace: read the raw text of Key, not a trimmed one.
            String key = o.child("Key").map(XmlElement::rawText)
                    .orElseThrow(() -> XmlParser.malformed("an Object has no Key"));
            objects.add(new ObjectToDelete(key, o.childText("VersionId").orElse(null)));
        }
        if (objects.isEmpty()) {
            throw XmlParser.malformed("Delete needs at least one Object");
        }
        if (objects.size() > MAX_DELETE_KEYS) {
            throw XmlParser.malformed("Delete takes at most " + MAX_DELETE_KEYS + " keys");
        }
        return new Delete(quiet, objects);
    }

    /** The LocationConstraint of a CreateBucketConfiguration, if any. An empty body is no configuration. */
    public static Optional<String> createBucketLocation(byte[] body) {
        if (body.length == 0) {
            return Optional.empty();
        }
        XmlElement root = XmlParser.parse(body, "CreateBucketConfiguration");
        return root.childText("LocationConstraint").filter(s -> !s.isEmpty());
    }

    /**
     * The Days of a RestoreRequest (RestoreObject), if any: how long the restored copy is asked to stay.
     * An empty body asks for no particular time. Days must be 1..2147483647.
     */
    public static OptionalInt restoreDays(byte[] body) {
        if (body.length == 0) {
            return OptionalInt.empty();
        }
        XmlElement root = XmlParser.parse(body, "RestoreRequest");
        Optional<String> days = root.childText("Days");
        if (days.isEmpty()) {
            return OptionalInt.empty();
        }
        try {
            int d = Integer.parseInt(days.get().trim());
            if (d >= 1) {
                return OptionalInt.of(d);
            }
        } catch (NumberFormatException e) {
            // the same answer as a number out of range, below
        }
        throw XmlParser.malformed("RestoreRequest Days must be a positive whole number: " + days.get());
    }
}
