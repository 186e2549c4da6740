package io.nacre.s3.auth;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The S3 access keys: a root key pair (uid 0) made on first start, and more keys each mapped to a
 * POSIX uid/gid, so that S3 and NFS share one permission model. Kept in {@code <dataDir>/s3/keys}
 * (directory 0700, file 0600, replaced atomically). NACRE_S3_ACCESS_KEY and NACRE_S3_SECRET_KEY, when
 * both set, are the root key instead of the stored one. Changes made by another process (the
 * {@code nacre keys} CLI) are picked up on the next lookup.
 */
public final class KeyStore {

    private static final Logger LOG = LoggerFactory.getLogger(KeyStore.class);

    public static final String ENV_ACCESS_KEY = "NACRE_S3_ACCESS_KEY";
    public static final String ENV_SECRET_KEY = "NACRE_S3_SECRET_KEY";

    private static final String ACCESS_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    private static final String SECRET_ALPHABET =
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    private static final SecureRandom RANDOM = new SecureRandom();

    /** An access key: who signs (access key id and secret) and whom the core sees (uid, gid). */
    public record Key(String accessKey, String secretKey, int uid, int gid, boolean root) {
        public Key {
            requireNonNull(accessKey, "accessKey");
            requireNonNull(secretKey, "secretKey");
            if (!validId(accessKey) || secretKey.isEmpty() || secretKey.chars().anyMatch(c -> c <= ' ' || c > '~')) {
                throw new IllegalArgumentException("access keys are 3..128 of [A-Za-z0-9_.-]; secrets printable ASCII");
            }
        }

        @Override
        public String toString() {
            return "Key[" + accessKey + ", uid=" + uid + ", gid=" + gid + (root ? ", root" : "") + "]";
        }
    }

    private final Path file;
    private final Key envRoot;
    private volatile Snapshot snapshot;
    private final boolean createdRoot;

    private record Snapshot(FileTime modified, long size, Map<String, Key> keys) {
    }

    private KeyStore(Path file, Key envRoot) {
        this.file = file;
        this.envRoot = envRoot;
        this.createdRoot = initialize();
    }

    /** Opens (creating on first use) the key store under a data directory, honouring the environment. */
    public static KeyStore open(Path dataDir) {
        return open(dataDir, System.getenv());
    }

    /** As {@link #open(Path)}, with the environment given (tests, the CLI). */
    public static KeyStore open(Path dataDir, Map<String, String> env) {
        requireNonNull(dataDir, "dataDir");
        String ak = env.get(ENV_ACCESS_KEY);
        String sk = env.get(ENV_SECRET_KEY);
        Key envRoot = null;
        if (ak != null && !ak.isEmpty() && sk != null && !sk.isEmpty()) {
            envRoot = new Key(ak, sk, 0, 0, true);
        } else if (ak != null && !ak.isEmpty() || sk != null && !sk.isEmpty()) {
            throw new IllegalArgumentException(ENV_ACCESS_KEY + " and " + ENV_SECRET_KEY + " must be set together");
        }
        return new KeyStore(dataDir.resolve("s3").resolve("keys"), envRoot);
    }

    /** True when this open made the root key (first start): the caller prints it once. */
    public boolean createdRoot() {
        return createdRoot;
    }

    /** The root key pair (uid 0). */
    public Key root() {
        if (envRoot != null) {
            return envRoot;
        }
        return current().keys().values().stream().filter(Key::root).findFirst()
                .orElseThrow(() -> new IllegalStateException("no root key in " + file));
    }

    /** The key with this access key id, if any. */
    public Optional<Key> find(String accessKey) {
        if (envRoot != null && envRoot.accessKey().equals(accessKey)) {
            return Optional.of(envRoot);
        }
        Key k = current().keys().get(accessKey);
        if (k != null && k.root() && envRoot != null) {
            return Optional.empty(); // the environment's root key replaces the stored one
        }
        return Optional.ofNullable(k);
    }

    /** Every key, root first. */
    public List<Key> list() {
        List<Key> out = new ArrayList<>();
        out.add(root());
        for (Key k : current().keys().values()) {
            if (!k.root()) {
                out.add(k);
            }
        }
        return out;
    }

    /** Makes a new key pair for a uid/gid and stores it. */
    public synchronized Key create(int uid, int gid) {
        if (uid < 0 || gid < 0) {
            throw new IllegalArgumentException("uid and gid must be >= 0");
        }
        Map<String, Key> keys = new LinkedHashMap<>(load().keys());
        Key k;
        do {
            k = new Key(randomAccessKey(), randomSecret(), uid, gid, false);
        } while (keys.containsKey(k.accessKey()) || envRoot != null && envRoot.accessKey().equals(k.accessKey()));
        keys.put(k.accessKey(), k);
        store(keys);
        return k;
    }

    /** Removes a key; false when there is none. The root key cannot be removed. */
    public synchronized boolean remove(String accessKey) {
        Map<String, Key> keys = new LinkedHashMap<>(load().keys());
        Key k = keys.get(accessKey);
        if (k == null) {
            return false;
        }
        if (k.root()) {
            throw new IllegalArgumentException("the root key cannot be removed");
        }
        keys.remove(accessKey);
        store(keys);
        return true;
    }

    // ---- storage ---------------------------------------------------------------------------------

    private synchronized boolean initialize() {
        try {
            Path dir = file.getParent();
            if (!Files.isDirectory(dir)) {
                Files.createDirectories(dir);
                restrict(dir, "rwx------");
            }
            if (Files.exists(file)) {
                snapshot = load();
                if (snapshot.keys().values().stream().noneMatch(Key::root)) {
                    throw new IllegalStateException("the key file " + file + " has no root key");
                }
                return false;
            }
            Map<String, Key> keys = new LinkedHashMap<>();
            Key root = new Key(randomAccessKey(), randomSecret(), 0, 0, true);
            keys.put(root.accessKey(), root);
            store(keys);
            LOG.info("created the S3 root key {} in {}", root.accessKey(), file);
            return envRoot == null;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the S3 key store " + file, e);
        }
    }

    private Snapshot current() {
        Snapshot s = snapshot;
        try {
            // one stat per request (its time and size together)
            BasicFileAttributes now = Files.readAttributes(file, BasicFileAttributes.class);
            if (s == null || !now.lastModifiedTime().equals(s.modified()) || now.size() != s.size()) {
                s = load(now);
                snapshot = s;
            }
            return s;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the S3 key store " + file, e);
        }
    }

    private Snapshot load() {
        try {
            return load(Files.readAttributes(file, BasicFileAttributes.class));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the S3 key store " + file, e);
        }
    }

    /** Reads the keys; {@code stat} is the file's attributes taken before the read (a later change reloads). */
    private Snapshot load(BasicFileAttributes stat) {
        try {
            List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            Map<String, Key> keys = new LinkedHashMap<>();
            for (String line : lines) {
                String l = line.strip();
                if (l.isEmpty() || l.startsWith("#")) {
                    continue;
                }
                String[] f = l.split("\\s+");
                if (f.length < 4) {
                    throw new IllegalStateException("bad line in " + file + ": " + f[0] + " ...");
                }
                boolean root = f.length > 4 && f[4].equals("root");
                keys.put(f[0], new Key(f[0], f[1], Integer.parseInt(f[2]), Integer.parseInt(f[3]), root));
            }
            return new Snapshot(stat.lastModifiedTime(), stat.size(), java.util.Collections.unmodifiableMap(keys));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the S3 key store " + file, e);
        }
    }

    private void store(Map<String, Key> keys) {
        StringBuilder sb = new StringBuilder("# Nacre S3 keys: access-key secret-key uid gid [root]\n");
        for (Key k : keys.values()) {
            sb.append(k.accessKey()).append(' ').append(k.secretKey()).append(' ').append(k.uid()).append(' ')
                    .append(k.gid()).append(k.root() ? " root" : "").append('\n');
        }
        Path tmp = file.resolveSibling("keys.tmp");
        try {
            Files.deleteIfExists(tmp);
            try {
                Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            } catch (UnsupportedOperationException e) {
                Files.createFile(tmp);
            } catch (FileAlreadyExistsException e) {
                throw new IOException("another process is writing " + tmp, e);
            }
            Files.writeString(tmp, sb, StandardCharsets.UTF_8);
            try (var ch = java.nio.channels.FileChannel.open(tmp, java.nio.file.StandardOpenOption.WRITE)) {
                ch.force(true);
            }
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
            snapshot = load();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the S3 key store " + file, e);
        }
    }

    private static void restrict(Path p, String perms) throws IOException {
        try {
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(perms));
        } catch (UnsupportedOperationException e) {
            LOG.warn("cannot restrict permissions of {} on this file system", p);
        }
    }

    static boolean validId(String s) {
        if (s.length() < 3 || s.length() > 128) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '.' || c == '-')) {
                return false;
            }
        }
        return true;
    }

    private static String randomAccessKey() {
        StringBuilder sb = new StringBuilder("NK");
        for (int i = 0; i < 18; i++) {
            sb.append(ACCESS_ALPHABET.charAt(RANDOM.nextInt(ACCESS_ALPHABET.length())));
        }
        return sb.toString();
    }

    private static String randomSecret() {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 40; i++) {
            sb.append(SECRET_ALPHABET.charAt(RANDOM.nextInt(SECRET_ALPHABET.length())));
        }
        return sb.toString();
    }
}
