package io.nacre.appliance.image;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;

/**
 * Typed reads from a parsed YAML document, each failing with a {@link SeedException} that names the file
 * and the key path ("user-data: nacre.s3.port must be a number from 1 to 65535"). YAML 1.1 turns unquoted
 * {@code yes}, {@code 0755} or {@code 2024-01-01} into booleans, numbers and dates: where a string is
 * expected, anything else is refused with a hint to quote it rather than silently converted.
 */
final class SeedYaml {

    /** Seeds are small; a bigger file is a mistake, not a configuration. */
    static final int MAX_CHARS = 256 * 1024;

    private final String file;

    SeedYaml(String file) {
        this.file = file;
    }

    /** Parses one YAML document into maps, lists and scalars (no custom types, no duplicate keys). */
    Object load(String text) {
        if (text.length() > MAX_CHARS) {
            throw fail("is larger than " + MAX_CHARS / 1024 + " KiB");
        }
        LoaderOptions opts = new LoaderOptions();
        opts.setAllowDuplicateKeys(false);
        opts.setMaxAliasesForCollections(20);
        opts.setCodePointLimit(MAX_CHARS);
        try {
            return new Yaml(new SafeConstructor(opts)).load(text);
        } catch (MarkedYAMLException e) {
            String where = e.getProblemMark() == null ? "" : " at line " + (e.getProblemMark().getLine() + 1)
                    + ", column " + (e.getProblemMark().getColumn() + 1);
            throw new SeedException(file + ": not valid YAML" + where + ": " + e.getProblem(), e);
        } catch (YAMLException e) {
            throw new SeedException(file + ": not valid YAML: " + e.getMessage(), e);
        }
    }

    SeedException fail(String message) {
        return new SeedException(file + ": " + message);
    }

    SeedException fail(String key, String message) {
        return new SeedException(file + ": " + key + " " + message);
    }

    /** The document or a value as a mapping with string keys; null stays null (an empty section). */
    Map<String, Object> map(Object value, String key) {
        if (value == null) {
            return Map.of();
        }
        if (!(value instanceof Map<?, ?> m)) {
            throw fail(key, "must be a mapping (key: value lines), not " + describe(value));
        }
        Map<String, Object> out = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : m.entrySet()) {
            if (!(e.getKey() instanceof String k)) {
                throw fail(key, "has a key that is not a string: " + e.getKey());
            }
            out.put(k, e.getValue());
        }
        return out;
    }

    /** Refuses keys this section does not know (a typo must not pass silently). */
    void onlyKeys(Map<String, Object> section, String key, Set<String> known) {
        Set<String> unknown = new TreeSet<>(section.keySet());
        unknown.removeAll(known);
        if (!unknown.isEmpty()) {
            throw fail(key, "has unknown key(s) " + unknown + "; known: " + new TreeSet<>(known));
        }
    }

    String string(Map<String, Object> section, String name, String key) {
        Object v = section.get(name);
        if (v == null) {
            return null;
        }
        if (v instanceof String s) {
            return s;
        }
        throw fail(key + "." + name, "must be a string, not " + describe(v) + " (quote it: \"...\")");
    }

    /** A string or a number (for ids, versions and the like, where YAML's number reading is harmless). */
    String scalar(Map<String, Object> section, String name, String key) {
        Object v = section.get(name);
        if (v == null || v instanceof String) {
            return (String) v;
        }
        if (v instanceof Integer || v instanceof Long) {
            return v.toString();
        }
        throw fail(key + "." + name, "must be a string, not " + describe(v));
    }

    Boolean bool(Map<String, Object> section, String name, String key) {
        Object v = section.get(name);
        if (v == null || v instanceof Boolean) {
            return (Boolean) v;
        }
        throw fail(key + "." + name, "must be true or false, not " + describe(v));
    }

    Integer integer(Map<String, Object> section, String name, String key, int min, int max) {
        Object v = section.get(name);
        if (v == null) {
            return null;
        }
        if (v instanceof String s && s.matches("[0-9]{1,10}")) {
            v = Long.parseLong(s);
        }
        if ((v instanceof Integer || v instanceof Long) && ((Number) v).longValue() >= min
                && ((Number) v).longValue() <= max) {
            return ((Number) v).intValue();
        }
        throw fail(key + "." + name, "must be a number from " + min + " to " + max + ", not " + describe(v));
    }

    /** A list of strings; a single string counts as a list of one. */
    List<String> strings(Map<String, Object> section, String name, String key) {
        Object v = section.get(name);
        if (v == null) {
            return List.of();
        }
        if (v instanceof String s) {
            return List.of(s);
        }
        if (!(v instanceof List<?> l)) {
            throw fail(key + "." + name, "must be a list of strings, not " + describe(v));
        }
        List<String> out = new ArrayList<>();
        for (Object o : l) {
            if (!(o instanceof String s)) {
                throw fail(key + "." + name, "must be a list of strings; " + describe(o) + " is not one (quote it)");
            }
            out.add(s);
        }
        return out;
    }

    /** A list whose items are mappings; a single mapping counts as a list of one. */
    List<Map<String, Object>> maps(Map<String, Object> section, String name, String key) {
        Object v = section.get(name);
        if (v == null) {
            return List.of();
        }
        List<?> items = v instanceof List<?> l ? l : List.of(v);
        List<Map<String, Object>> out = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            out.add(map(items.get(i), key + "." + name + "[" + i + "]"));
        }
        return out;
    }

    static String describe(Object v) {
        if (v == null) {
            return "nothing";
        }
        if (v instanceof Map) {
            return "a mapping";
        }
        if (v instanceof List) {
            return "a list";
        }
        if (v instanceof Boolean b) {
            return "the boolean " + b;
        }
        if (v instanceof Number n) {
            return "the number " + n;
        }
        if (v instanceof java.util.Date) {
            return "a date";
        }
        if (v instanceof byte[]) {
            return "binary data";
        }
        return "'" + v + "'";
    }
}
