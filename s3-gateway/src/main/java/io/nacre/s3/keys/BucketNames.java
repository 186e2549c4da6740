package io.nacre.s3.keys;

import io.nacre.s3.error.S3Error;
import io.nacre.s3.error.S3Exception;
import java.util.regex.Pattern;

/** S3's general purpose bucket naming rules (S3 user guide, "Bucket naming rules"). */
public final class BucketNames {

    /** Compiled once: every request checks its bucket's name. */
    private static final Pattern IP_ADDRESS = Pattern.compile("\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}");

    private BucketNames() {
    }

    public static boolean isValid(String name) {
        return why(name) == null;
    }

    /** Throws InvalidBucketName when the name breaks a rule, saying which. */
    public static void check(String name) {
        String why = why(name);
        if (why != null) {
            throw new S3Exception(S3Error.INVALID_BUCKET_NAME, "The specified bucket is not valid: " + why)
                    .with("BucketName", name.length() > 100 ? name.substring(0, 100) : name);
        }
    }

    static String why(String n) {
        if (n.length() < 3 || n.length() > 63) {
            return "bucket names are 3 to 63 characters long";
        }
        for (int i = 0; i < n.length(); i++) {
            char c = n.charAt(i);
            if (!(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '-')) {
                return "bucket names have only lower-case letters, digits, dots and hyphens";
            }
        }
        if (!Character.isLetterOrDigit(n.charAt(0)) || !Character.isLetterOrDigit(n.charAt(n.length() - 1))) {
            return "bucket names begin and end with a letter or a digit";
        }
        if (n.contains("..")) {
            return "bucket names have no two adjacent dots";
        }
        if (IP_ADDRESS.matcher(n).matches()) {
            return "bucket names are not formatted as IP addresses";
        }
        if (n.startsWith("xn--") || n.startsWith("sthree-") || n.startsWith("amzn-s3-demo-")) {
            return "bucket names do not start with xn--, sthree- or amzn-s3-demo-";
        }
        if (n.endsWith("-s3alias") || n.endsWith("--ol-s3") || n.endsWith(".mrap") || n.endsWith("--x-s3")
                || n.endsWith("--table-s3")) {
            return "bucket names do not end with -s3alias, --ol-s3, .mrap, --x-s3 or --table-s3";
        }
        return null;
    }
}
