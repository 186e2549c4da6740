package io.nacre.s3.auth;

import io.nacre.s3.error.S3Error;
import io.nacre.s3.error.S3Exception;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Parses a raw query string into decoded (name, value) pairs, in order, keeping repeated and
 * value-less parameters ("?uploads" is ("uploads", "")). '+' decodes to a space.
 */
public final class QueryString {

    private QueryString() {
    }

    public static List<Map.Entry<String, String>> parse(String rawQuery) {
        List<Map.Entry<String, String>> out = new ArrayList<>();
        if (rawQuery == null || rawQuery.isEmpty()) {
            return out;
        }
        for (String part : rawQuery.split("&", -1)) {
            if (part.isEmpty()) {
                continue;
            }
            int eq = part.indexOf('=');
            String name = eq < 0 ? part : part.substring(0, eq);
            String value = eq < 0 ? "" : part.substring(eq + 1);
            out.add(new AbstractMap.SimpleImmutableEntry<>(decode(name), decode(value)));
        }
        return out;
    }

    /** Percent-decodes as UTF-8; invalid escapes or invalid UTF-8 are InvalidURI ('+' is a space). */
    public static String decode(String s) {
        if (s.indexOf('%') < 0 && s.indexOf('+') < 0) {
            return s;
        }
        return utf8(SigV4.percentDecode(s, true));
    }

    static String utf8(byte[] b) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(b)).toString();
        } catch (CharacterCodingException e) {
            throw new S3Exception(S3Error.INVALID_URI, "Couldn't parse the specified URI: not UTF-8", e);
        }
    }
}
