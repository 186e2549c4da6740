package io.nacre.ost;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.lmdbjava.Cursor;
import org.lmdbjava.Dbi;
import org.lmdbjava.Env;
import org.lmdbjava.EnvFlags;
import org.lmdbjava.Txn;

/**
 * Test helper: checks a closed OST's directory against what its LMDB says (an fsck of the storage format in
 * ost-store/README.md): the data files on disk are exactly those the {@code datafiles} database records, each
 * of its recorded size, each with live bytes equal to what the pointers into it name (and some); every pointer
 * names a recorded file; every object's bytes used are its chunks' lengths and no chunk lies past its size or
 * belongs to no object; no WAL segment shares its inode with another name.
 */
final class OstAudit {

    private OstAudit() {
    }

    /** What was found: the problems (empty when consistent) and a few counts for the log. */
    record Report(List<String> problems, int dataFiles, long pointers, long chunks, int objects,
                  Map<Long, long[]> files) {

        /** Data files whose live bytes are under {@code share} of their size. */
        List<String> underLive(double share) {
            List<String> out = new ArrayList<>();
            files.forEach((id, sl) -> {
                if (sl[1] < share * sl[0]) {
                    out.add("data file %d: %d live of %d".formatted(id, sl[1], sl[0]));
                }
            });
            return out;
        }

        @Override
        public String toString() {
            return "%d data files, %d pointers, %d chunks, %d objects%s".formatted(dataFiles, pointers, chunks,
                    objects, problems.isEmpty() ? "" : ", problems: " + problems);
        }
    }

    static Report check(Path dir, long mapSize) throws IOException {
        List<String> problems = new ArrayList<>();
        Map<Long, long[]> recorded = new TreeMap<>(); // id -> size, live
        Map<Long, Long> pointed = new HashMap<>();
        Map<Long, long[]> objects = new TreeMap<>(); // id -> size, used
        Map<Long, long[]> fromChunks = new HashMap<>(); // id -> sum of lengths, highest chunk
        long pointers = 0;
        long chunkCount = 0;
        long chunkSize;
        try (Env<ByteBuffer> env = Env.create().setMapSize(mapSize).setMaxDbs(4).setMaxReaders(16)
                .open(dir.toFile(), EnvFlags.MDB_NOTLS)) {
            Dbi<ByteBuffer> chunks = env.openDbi("chunks");
            Dbi<ByteBuffer> objectsDb = env.openDbi("objects");
            Dbi<ByteBuffer> meta = env.openDbi("meta");
            Dbi<ByteBuffer> datafiles = env.openDbi("datafiles");
            try (Txn<ByteBuffer> txn = env.txnRead()) {
                ByteBuffer k = ByteBuffer.allocateDirect(10).put("chunk-size".getBytes(java.nio.charset.StandardCharsets.US_ASCII)).flip();
                ByteBuffer cs = meta.get(txn, k);
                chunkSize = cs.getLong(cs.position());
                try (Cursor<ByteBuffer> c = datafiles.openCursor(txn)) {
                    for (boolean f = c.first(); f; f = c.next()) {
                        recorded.put(c.key().getLong(c.key().position()),
                                new long[] {c.val().getLong(c.val().position()), c.val().getLong(c.val().position() + 8)});
                    }
                }
                try (Cursor<ByteBuffer> c = objectsDb.openCursor(txn)) {
                    for (boolean f = c.first(); f; f = c.next()) {
                        ByteBuffer v = c.val();
                        objects.put(c.key().getLong(c.key().position()),
                                new long[] {v.getLong(v.position()), v.getLong(v.position() + 8)});
                    }
                }
                ByteBuffer key = Chunks.newKey();
                try (Cursor<ByteBuffer> c = chunks.openCursor(txn)) {
                    for (boolean f = c.first(); f; f = c.next()) {
                        chunkCount++;
                        long id = Chunks.idOf(c.key());
                        long chunk = Chunks.chunkOf(c.key());
                        Chunks.key(key, id, chunk);
                        Chunks.Pointer p = Chunks.pointer(key, c.val());
                        int length;
                        if (p != null) {
                            pointers++;
                            pointed.merge(p.file(), DataFiles.recordBytes(p), Long::sum);
                            length = p.length();
                        } else {
                            length = Chunks.verify(key, c.val(), "audit");
                        }
                        long[] s = fromChunks.computeIfAbsent(id, x -> new long[] {0, -1});
                        s[0] += length;
                        s[1] = Math.max(s[1], chunk);
                    }
                }
            }
        }
        Map<Long, Long> onDisk = new TreeMap<>();
        try (var list = Files.list(dir)) {
            for (Path f : list.toList()) {
                String n = f.getFileName().toString();
                if (n.startsWith(DataFiles.PREFIX)) {
                    onDisk.put(Long.parseUnsignedLong(n.substring(DataFiles.PREFIX.length()), 16), Files.size(f));
                } else if (n.startsWith("wal-")) {
                    if (n.endsWith(".new")) {
                        problems.add(n + " left over");
                    } else if (((Number) Files.getAttribute(f, "unix:nlink")).intValue() != 1) {
                        problems.add(n + " has another name");
                    }
                }
            }
        }
        if (!onDisk.keySet().equals(recorded.keySet())) {
            problems.add("data files on disk " + onDisk.keySet() + " but recorded " + recorded.keySet());
        }
        recorded.forEach((id, sl) -> {
            Long size = onDisk.get(id);
            if (size != null && size != sl[0]) {
                problems.add("data file %d: %d bytes on disk, %d recorded".formatted(id, size, sl[0]));
            }
            long live = pointed.getOrDefault(id, 0L);
            if (live != sl[1] || live <= 0) {
                problems.add("data file %d: %d live bytes recorded, pointers name %d".formatted(id, sl[1], live));
            }
        });
        pointed.keySet().stream().filter(id -> !recorded.containsKey(id))
                .forEach(id -> problems.add("pointers into data file %d, which is not recorded".formatted(id)));
        fromChunks.forEach((id, s) -> {
            long[] o = objects.get(id);
            if (o == null) {
                problems.add("object %d: chunks but no record".formatted(id));
            } else if (s[1] * chunkSize >= o[0]) {
                problems.add("object %d: chunk %d past its size %d".formatted(id, s[1], o[0]));
            }
        });
        objects.forEach((id, o) -> {
            long used = fromChunks.getOrDefault(id, new long[] {0, -1})[0];
            if (used != o[1]) {
                problems.add("object %d: %d bytes used recorded, its chunks hold %d".formatted(id, o[1], used));
            }
        });
        return new Report(problems, recorded.size(), pointers, chunkCount, objects.size(), recorded);
    }
}
