package io.nacre.s3.keys;

import static org.assertj.core.api.Assertions.assertThat;

import io.nacre.s3.keys.S3OrderWalker.Entry;
import io.nacre.s3.keys.S3OrderWalker.Lister;
import io.nacre.s3.keys.S3OrderWalker.Mode;
import io.nacre.s3.keys.S3OrderWalker.Page;
import io.nacre.s3.keys.S3OrderWalker.Start;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * The S3-order listing over a directory tree, against a brute-force listing of the same keys sorted
 * as S3 sorts them, on random trees whose names are chosen to sit on every side of '/'.
 */
class ListingTest {

    /** An in-memory directory: the data the walker reads, with a count of entries it handed out. */
    static final class Dir {
        final TreeMap<String, Object> entries = new TreeMap<>(Utf8Order.COMPARATOR); // name -> Dir or "file"
        boolean marker;

        Dir dir(String name) {
            return (Dir) entries.computeIfAbsent(name, n -> new Dir());
        }
    }

    static final class TreeLister implements Lister<Dir, Boolean> {
        long entriesRead;
        long calls;

        @Override
        public Page<Dir, Boolean> list(Dir dir, String startAfter, int max) {
            calls++;
            List<Entry<Dir, Boolean>> out = new ArrayList<>();
            for (Map.Entry<String, Object> e : dir.entries.tailMap(startAfter, false).entrySet()) {
                if (out.size() == max) {
                    return new Page<>(out, false);
                }
                out.add(entry(e.getKey(), e.getValue()));
                entriesRead++;
            }
            return new Page<>(out, true);
        }

        @Override
        public Entry<Dir, Boolean> lookup(Dir dir, String name) {
            calls++;
            Object v = dir.entries.get(name);
            return v == null ? null : entry(name, v);
        }

        private static Entry<Dir, Boolean> entry(String name, Object v) {
            return v instanceof Dir d ? new Entry<>(name, d, d.marker) : new Entry<>(name, null, Boolean.FALSE);
        }
    }

    static final String[] ATOMS = {"a", "b", "a-", "a.", "!", "0", "é", "\uE000", "\uD83D\uDE00", " ", "z~", "ab"};

    static String randomName(Random r) {
        StringBuilder sb = new StringBuilder();
        int n = 1 + r.nextInt(3);
        for (int i = 0; i < n; i++) {
            sb.append(ATOMS[r.nextInt(ATOMS.length)]);
        }
        return sb.toString();
    }

    /** Builds a random tree and returns every key it holds. */
    static List<String> randomTree(Random r, Dir root, int files) {
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < files; i++) {
            int depth = r.nextInt(4);
            Dir d = root;
            StringBuilder path = new StringBuilder();
            boolean ok = true;
            for (int k = 0; k < depth && ok; k++) {
                String name = randomName(r);
                Object existing = d.entries.get(name);
                if (existing != null && !(existing instanceof Dir)) {
                    ok = false;
                    break;
                }
                d = d.dir(name);
                path.append(name).append('/');
            }
            if (!ok) {
                continue;
            }
            String name = randomName(r);
            if (d.entries.containsKey(name)) {
                continue;
            }
            if (r.nextInt(8) == 0) {
                Dir m = d.dir(name);
                m.marker = true;
            } else {
                d.entries.put(name, "file");
            }
        }
        collect(root, "", keys);
        keys.sort(Utf8Order.COMPARATOR);
        return keys;
    }

    static void collect(Dir d, String prefix, List<String> keys) {
        for (Map.Entry<String, Object> e : d.entries.entrySet()) {
            if (e.getValue() instanceof Dir sub) {
                if (sub.marker) {
                    keys.add(prefix + e.getKey() + "/");
                }
                collect(sub, prefix + e.getKey() + "/", keys);
            } else {
                keys.add(prefix + e.getKey());
            }
        }
    }

    /** What S3 answers, computed the obvious way: "P:" marks a CommonPrefix. */
    static List<String> bruteForce(List<String> sortedKeys, String prefix, String delimiter, Start start, String floor) {
        List<String> out = new ArrayList<>();
        for (String k : sortedKeys) {
            if (!start.admits(k) || !k.startsWith(prefix)) {
                continue;
            }
            if (!delimiter.isEmpty()) {
                int at = k.indexOf(delimiter, prefix.length());
                if (at >= 0) {
                    String cp = k.substring(0, at + delimiter.length());
                    if (floor != null && Utf8Order.compare(cp, floor) <= 0) {
                        continue;
                    }
                    if (out.isEmpty() || !out.get(out.size() - 1).equals("P:" + cp)) {
                        out.add("P:" + cp);
                    }
                    continue;
                }
            }
            out.add(k);
        }
        return out;
    }

    static List<String> walkAllPages(TreeLister lister, Dir root, String prefix, String delimiter, Start start,
                                     String floor, int maxKeys, int pageSize) {
        List<String> out = new ArrayList<>();
        Start s = start;
        for (int pages = 0; pages < 10_000; pages++) {
            Listing.Result<Dir, Boolean> r = Listing.list(lister, root,
                    new Listing.Request(prefix, delimiter, s, floor, maxKeys), e -> e.attr(), pageSize);
            assertThat(r.items().size()).isLessThanOrEqualTo(maxKeys);
            for (Listing.Item<Dir, Boolean> i : r.items()) {
                out.add(i instanceof Listing.PrefixItem<Dir, Boolean> ? "P:" + i.key() : i.key());
            }
            if (!r.truncated()) {
                return out;
            }
            assertThat(r.items()).hasSize(maxKeys);
            s = r.next();
        }
        throw new AssertionError("listing did not end");
    }

    @Test
    void walkingTheTreeGivesEveryKeyInS3Order() {
        Random r = new Random(1);
        for (int t = 0; t < 200; t++) {
            Dir root = new Dir();
            List<String> keys = randomTree(r, root, 1 + r.nextInt(60));
            TreeLister lister = new TreeLister();
            List<String> walked = walkAllPages(lister, root, "", "", Start.BEGINNING, null, 1000, 1 + r.nextInt(5));
            assertThat(walked).isEqualTo(keys);
        }
    }

    @Test
    void everyPrefixDelimiterStartAndPageSizeAgreesWithBruteForce() {
        Random r = new Random(2);
        String[] delimiters = {"", "/", "-", ".", "a", "é/", "\uD83D\uDE00"};
        for (int t = 0; t < 400; t++) {
            Dir root = new Dir();
            List<String> keys = randomTree(r, root, 1 + r.nextInt(50));
            for (int q = 0; q < 10; q++) {
                String prefix = r.nextInt(3) == 0 ? "" : probe(r, keys);
                String delimiter = delimiters[r.nextInt(delimiters.length)];
                Start start = r.nextInt(3) == 0 ? Start.BEGINNING
                        : new Start(probe(r, keys), Mode.values()[r.nextInt(3)]);
                String floor = start.mode() == Mode.AFTER && r.nextBoolean() ? start.key() : null;
                int maxKeys = 1 + r.nextInt(7);
                List<String> expected = bruteForce(keys, prefix, delimiter, start, floor);
                List<String> got = walkAllPages(new TreeLister(), root, prefix, delimiter, start, floor, maxKeys,
                        1 + r.nextInt(4));
                if (!got.equals(expected)) {
                    throw new AssertionError(esc("prefix=" + prefix + " delimiter=" + delimiter + " start=" + start
                            + " floor=" + floor + " max=" + maxKeys + "\nkeys=" + keys + "\nexpected=" + expected
                            + "\ngot=     " + got));
                }
            }
        }
    }

    static String esc(String s) {
        StringBuilder sb = new StringBuilder();
        s.codePoints().forEach(c -> {
            if (c >= 0x20 && c < 0x7f || c == '\n') {
                sb.append((char) c);
            } else {
                sb.append("<").append(Integer.toHexString(c)).append(">");
            }
        });
        return sb.toString();
    }

    /** A key, a piece of one, or something near one: where listings start and what they filter on. */
    static String probe(Random r, List<String> keys) {
        if (keys.isEmpty()) {
            return randomName(r);
        }
        String k = keys.get(r.nextInt(keys.size()));
        int cut = r.nextInt(k.length() + 1);
        if (cut > 0 && cut < k.length() && Character.isLowSurrogate(k.charAt(cut))) {
            cut--; // never split a character: keys are UTF-8
        }
        return switch (r.nextInt(4)) {
            case 0 -> k;
            case 1 -> k.substring(0, cut);
            case 2 -> k + randomName(r);
            default -> k.substring(0, cut) + ATOMS[r.nextInt(ATOMS.length)];
        };
    }

    @Test
    void aDirectorySortsAfterSiblingsThatExtendItsNameWithCharactersBelowSlash() {
        Dir root = new Dir();
        root.dir("a").entries.put("b", "file");
        root.entries.put("a-c", "file");
        root.entries.put("a.txt", "file");
        root.entries.put("a0", "file");
        root.dir("a!").entries.put("x", "file");
        List<String> got = walkAllPages(new TreeLister(), root, "", "", Start.BEGINNING, null, 100, 100);
        assertThat(got).containsExactly("a!/x", "a-c", "a.txt", "a/b", "a0");
        List<String> withDelimiter = walkAllPages(new TreeLister(), root, "", "/", Start.BEGINNING, null, 100, 100);
        assertThat(withDelimiter).containsExactly("P:a!/", "a-c", "a.txt", "P:a/", "a0");
    }

    @Test
    void resumingInAHundredThousandEntryDirectorySeeksInsteadOfScanning() {
        Dir root = new Dir();
        Dir big = root.dir("big");
        for (int i = 0; i < 100_000; i++) {
            big.entries.put("f%06d".formatted(i), "file");
            if (i % 1000 == 0) {
                big.dir("d%06d".formatted(i)).entries.put("x", "file");
            }
        }
        TreeLister lister = new TreeLister();
        Listing.Result<Dir, Boolean> r = Listing.list(lister, root,
                new Listing.Request("big/", "/", new Start("big/f050000", Mode.AFTER), null, 1000), e -> e.attr(), 1001);
        assertThat(r.items()).hasSize(1000);
        assertThat(r.items().get(0).key()).isEqualTo("big/f050001");
        assertThat(r.truncated()).isTrue();
        assertThat(lister.entriesRead).isLessThan(2_100);

        // A delimiter listing over 100 subdirectories of 1 key each reads none of their contents.
        TreeLister prefixes = new TreeLister();
        Listing.Result<Dir, Boolean> p = Listing.list(prefixes, root,
                new Listing.Request("big/d", "/", Start.BEGINNING, null, 1000), e -> e.attr(), 1001);
        assertThat(p.items()).hasSize(100).allMatch(i -> i instanceof Listing.PrefixItem<Dir, Boolean>);
        assertThat(prefixes.entriesRead).isLessThan(2_200);
    }

    @Test
    void pastEveryNameStartingWithIsAboveEveryLongerName() {
        String after = S3OrderWalker.pastEveryNameStartingWith("ab");
        assertThat(Utf8Order.compare("ab" + "\uDBFF\uDFFF".repeat(63), after)).isNegative();
        assertThat(Utf8Order.compare("ac", after)).isPositive();
    }

    @Test
    void utf8OrderIsCodePointOrder() {
        assertThat(Utf8Order.compare("\uE000", "\uD83D\uDE00")).isNegative(); // U+E000 < U+1F600
        assertThat("\uE000".compareTo("\uD83D\uDE00")).isPositive(); // what UTF-16 order would say
        assertThat(Utf8Order.compare("a-c", "a/b")).isNegative();
        assertThat(Utf8Order.compare("a", "ab")).isNegative();
    }
}
