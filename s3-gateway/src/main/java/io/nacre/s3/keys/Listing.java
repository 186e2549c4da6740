package io.nacre.s3.keys;

import io.nacre.s3.keys.S3OrderWalker.Entry;
import io.nacre.s3.keys.S3OrderWalker.Lister;
import io.nacre.s3.keys.S3OrderWalker.Mode;
import io.nacre.s3.keys.S3OrderWalker.Start;
import io.nacre.s3.keys.S3OrderWalker.Step;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * One page of an S3 listing (ListObjects v1/v2, ListObjectVersions) over a directory tree: keys with
 * a prefix, in S3 order, from a start, rolled up into CommonPrefixes at a delimiter. A delimiter of
 * "/" skips whole directories without reading them; any other delimiter seeks past each prefix.
 */
public final class Listing {

    private Listing() {
    }

    /**
     * @param prefix    only keys starting with this
     * @param delimiter roll keys up at the first occurrence after the prefix ("" for none)
     * @param start     where to start (a continuation token's position)
     * @param floorKey  the marker / start-after key, or null: CommonPrefixes not after it are not returned
     * @param maxKeys   at most this many keys and prefixes together
     */
    public record Request(String prefix, String delimiter, Start start, String floorKey, int maxKeys) {
    }

    /** A key or a CommonPrefix of the page. */
    public sealed interface Item<D, A> permits ObjectItem, PrefixItem {
        String key();
    }

    /** A key: a file, or a directory shown as its "dir/" key. */
    public record ObjectItem<D, A>(String key, Entry<D, A> entry) implements Item<D, A> {
    }

    public record PrefixItem<D, A>(String key) implements Item<D, A> {
    }

    /** The page; when truncated, {@code next} is where the next page starts. */
    public record Result<D, A>(List<Item<D, A>> items, boolean truncated, Start next) {
    }

    /**
     * Lists one page. {@code isKey} says whether a directory is itself a key ("dir/", an explicit
     * directory) rather than only a prefix of the keys below it.
     */
    public static <D, A> Result<D, A> list(Lister<D, A> lister, D root, Request req, Predicate<Entry<D, A>> isKey,
                                           int pageSize) {
        String prefix = req.prefix();
        String delimiter = req.delimiter() == null ? "" : req.delimiter();
        Start start = req.start();
        if (Utf8Order.compare(start.key(), prefix) < 0) {
            if (start.mode() == Mode.PAST_PREFIX && prefix.startsWith(start.key())) {
                return new Result<>(List.of(), false, null);
            }
            start = new Start(prefix, Mode.AT);
        }
        List<Item<D, A>> items = new ArrayList<>();
        if (req.maxKeys() <= 0) {
            return new Result<>(items, false, null);
        }
        S3OrderWalker<D, A> walker = new S3OrderWalker<>(lister, root, start, pageSize);
        Start last = null;
        while (true) {
            Step<D, A> step = walker.next();
            if (step == null) {
                return new Result<>(items, false, null);
            }
            String key = step.key();
            if (!key.startsWith(prefix)) {
                if (Utf8Order.compare(key, prefix) > 0) {
                    return new Result<>(items, false, null);
                }
                continue;
            }
            if (!delimiter.isEmpty()) {
                int at = key.indexOf(delimiter, prefix.length());
                if (at >= 0) {
                    String cp = key.substring(0, at + delimiter.length());
                    if (step.isDirectory() && cp.equals(key)) {
                        walker.skipDirectory();
                    } else {
                        walker.reset(new Start(cp, Mode.PAST_PREFIX));
                    }
                    if (req.floorKey() != null && Utf8Order.compare(cp, req.floorKey()) <= 0) {
                        continue;
                    }
                    if (items.size() == req.maxKeys()) {
                        return new Result<>(items, true, last);
                    }
                    items.add(new PrefixItem<>(cp));
                    last = new Start(cp, Mode.PAST_PREFIX);
                    continue;
                }
            }
            if (step.isDirectory() && !isKey.test(step.entry())) {
                continue; // only a prefix of the keys below it; the walk goes on inside
            }
            if (items.size() == req.maxKeys()) {
                return new Result<>(items, true, last);
            }
            items.add(new ObjectItem<>(key, step.entry()));
            last = new Start(key, Mode.AFTER);
        }
    }
}
