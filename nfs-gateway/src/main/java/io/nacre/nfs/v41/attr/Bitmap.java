package io.nacre.nfs.v41.attr;

import java.util.Arrays;

/** bitmap4 arithmetic: attribute n is bit n % 32 of word n / 32. */
public final class Bitmap {

    private Bitmap() {
    }

    public static boolean isSet(int[] mask, int bit) {
        int w = bit >>> 5;
        return w < mask.length && (mask[w] & (1 << (bit & 31))) != 0;
    }

    /** A bitmap with the given bits set, as short as it can be. */
    public static int[] of(int... bits) {
        int words = 0;
        for (int b : bits) {
            words = Math.max(words, (b >>> 5) + 1);
        }
        int[] mask = new int[words];
        for (int b : bits) {
            mask[b >>> 5] |= 1 << (b & 31);
        }
        return mask;
    }

    public static int[] and(int[] a, int[] b) {
        int[] out = new int[Math.min(a.length, b.length)];
        for (int i = 0; i < out.length; i++) {
            out[i] = a[i] & b[i];
        }
        return trim(out);
    }

    /** The bits of {@code a} not in {@code b}. */
    public static int[] andNot(int[] a, int[] b) {
        int[] out = a.clone();
        for (int i = 0; i < Math.min(a.length, b.length); i++) {
            out[i] &= ~b[i];
        }
        return trim(out);
    }

    public static boolean isEmpty(int[] mask) {
        for (int w : mask) {
            if (w != 0) {
                return false;
            }
        }
        return true;
    }

    /** The set bits in ascending order: the order of values in an attrlist4. */
    public static int[] bits(int[] mask) {
        // a loop, not a stream: every GETATTR reply goes through here, and C1 (the TCG guest's) inlines no lambda
        int n = 0;
        for (int w : mask) {
            n += Integer.bitCount(w);
        }
        int[] out = new int[n];
        int k = 0;
        for (int i = 0; i < mask.length; i++) {
            for (int w = mask[i]; w != 0; w &= w - 1) {
                out[k++] = i * 32 + Integer.numberOfTrailingZeros(w);
            }
        }
        return out;
    }

    private static int[] trim(int[] mask) {
        int n = mask.length;
        while (n > 0 && mask[n - 1] == 0) {
            n--;
        }
        return n == mask.length ? mask : Arrays.copyOf(mask, n);
    }
}
