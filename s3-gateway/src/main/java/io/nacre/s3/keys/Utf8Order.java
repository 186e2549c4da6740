package io.nacre.s3.keys;

import java.util.Comparator;

/**
 * S3's key order: the binary order of the keys' UTF-8 bytes, which is code point order (Java's
 * String.compareTo compares UTF-16 units and puts U+E000..U+FFFF after supplementary characters).
 */
public final class Utf8Order {

    public static final Comparator<String> COMPARATOR = Utf8Order::compare;

    private Utf8Order() {
    }

    public static int compare(String a, String b) {
        int n = Math.min(a.length(), b.length());
        for (int i = 0; i < n; i++) {
            char x = a.charAt(i);
            char y = b.charAt(i);
            if (x != y) {
                if (Character.isSurrogate(x) || Character.isSurrogate(y)) {
                    return Integer.compare(a.codePointAt(i), b.codePointAt(i));
                }
                return Character.compare(x, y);
            }
        }
        return Integer.compare(a.length(), b.length());
    }
}
