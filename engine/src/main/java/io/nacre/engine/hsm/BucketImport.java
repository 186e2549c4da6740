package io.nacre.engine.hsm;

import static java.util.Objects.requireNonNull;

import io.nacre.engine.Caller;
import io.nacre.engine.Fid;
import io.nacre.engine.NacreException;
import io.nacre.engine.Status;
import io.nacre.engine.meta.Attr;
import io.nacre.engine.meta.CreateSpec;
import io.nacre.engine.meta.MetadataService;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code nacre hsm import}: a released stub for every object under an archive prefix (size, mtime and
 * ETag from the listing), in directories made as the keys' "/" say; the data comes back on first access,
 * like FSx for Lustre's data repository associations. Run again with refresh, it adds new objects and
 * updates stubs whose object changed (when they are still released and unchanged here). Stubs are
 * made many at once, so the metadata client puts them into few log entries.
 */
public final class BucketImport {

    private static final Logger LOG = LoggerFactory.getLogger(BucketImport.class);
    private static final int IN_FLIGHT = 128;

    /** What an import did. */
    public record Summary(long created, long updated, long unchanged, long skipped, long directories, List<String> problems) {
    }

    private final MetadataService mds;
    private final Copytool copytool;
    private final int archiveId;
    private final int uid;
    private final int gid;
    private final Map<String, Fid> dirs = new ConcurrentHashMap<>();
    private final AtomicLong created = new AtomicLong();
    private final AtomicLong updated = new AtomicLong();
    private final AtomicLong unchanged = new AtomicLong();
    private final AtomicLong skipped = new AtomicLong();
    private final AtomicLong madeDirs = new AtomicLong();
    private final List<String> problems = java.util.Collections.synchronizedList(new ArrayList<>());

    /** Imports into {@code archiveId}'s copytool's objects; stubs owned by uid:gid. */
    public BucketImport(MetadataService mds, Copytool copytool, int archiveId, int uid, int gid) {
        this.mds = requireNonNull(mds, "mds");
        this.copytool = requireNonNull(copytool, "copytool");
        this.archiveId = HsmLimits.checkArchiveId(archiveId);
        this.uid = uid;
        this.gid = gid;
    }

    /**
     * Lists {@code source} and makes a stub under directory {@code target} for each object; {@code progress}
     * hears how many objects were done so far.
     */
    public Summary run(String source, Fid target, boolean refresh, Consumer<Long> progress) {
        Attr t = mds.getattr(target);
        if (!t.isDir()) {
            throw new NacreException(Status.NOT_DIR, "the import target " + target + " is not a directory");
        }
        dirs.put("", target);
        long start = System.nanoTime();
        Semaphore inFlight = new Semaphore(IN_FLIGHT);
        AtomicLong done = new AtomicLong();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            copytool.list(source, o -> {
                inFlight.acquireUninterruptibly();
                pool.execute(() -> {
                    try {
                        one(o, refresh);
                    } catch (NacreException e) {
                        skipped.incrementAndGet();
                        problem(o.relativePath() + ": " + e.getMessage());
                    } finally {
                        inFlight.release();
                        progress.accept(done.incrementAndGet());
                    }
                });
            });
        }
        LOG.info("import of {}: {} created, {} updated, {} unchanged, {} skipped, {} directories made in {} ms", source,
                created.get(), updated.get(), unchanged.get(), skipped.get(), madeDirs.get(),
                (System.nanoTime() - start) / 1_000_000);
        return new Summary(created.get(), updated.get(), unchanged.get(), skipped.get(), madeDirs.get(),
                List.copyOf(problems));
    }

    private void one(Copytool.ListedObject o, boolean refresh) {
        String rel = o.relativePath();
        int slash = rel.lastIndexOf('/');
        String dirPath = slash < 0 ? "" : rel.substring(0, slash);
        String name = rel.substring(slash + 1);
        if (!validName(name) || (!dirPath.isEmpty() && !java.util.Arrays.stream(dirPath.split("/", -1))
                .allMatch(BucketImport::validName))) {
            skipped.incrementAndGet();
            problem(rel + ": not a path Nacre can hold (empty, \".\" or \"..\" segments, or a name over 255 bytes)");
            return;
        }
        Fid dir = directory(dirPath);
        HsmImport.Result r = mds.hsmImport(Caller.ROOT, dir, name, new HsmImport.Spec(archiveId, o.handle(), o.checksum(),
                o.size(), o.mtime(), uid, gid, 0644, refresh));
        switch (r.outcome()) {
            case CREATED -> created.incrementAndGet();
            case UPDATED -> updated.incrementAndGet();
            case UNCHANGED -> unchanged.incrementAndGet();
            case SKIPPED -> {
                skipped.incrementAndGet();
                problem(rel + ": " + r.reason());
            }
        }
    }

    private void problem(String p) {
        if (problems.size() < 100) {
            problems.add(p);
        }
    }

    private static boolean validName(String n) {
        return !n.isEmpty() && !n.equals(".") && !n.equals("..") && n.indexOf('\0') < 0
                && n.getBytes(StandardCharsets.UTF_8).length <= MetadataService.NAME_MAX;
    }

    /** The directory at {@code path} below the target, made (mode 0755, owned by uid:gid) as needed. */
    private Fid directory(String path) {
        Fid known = dirs.get(path);
        if (known != null) {
            return known;
        }
        int slash = path.lastIndexOf('/');
        Fid parent = directory(slash < 0 ? "" : path.substring(0, slash));
        String name = path.substring(slash + 1);
        return dirs.computeIfAbsent(path, p -> {
            try {
                Attr a = mds.lookup(Caller.ROOT, parent, name);
                if (!a.isDir()) {
                    throw new NacreException(Status.NOT_DIR, path + " exists and is not a directory");
                }
                return a.fid();
            } catch (NacreException e) {
                if (e.status() != Status.NOT_FOUND) {
                    throw e;
                }
            }
            try {
                Fid f = mds.create(Caller.ROOT, parent, name, CreateSpec.builder(io.nacre.engine.meta.FileType.DIRECTORY)
                        .mode(0755).initial(io.nacre.engine.meta.SetAttr.builder().uid(uid).gid(gid).build()).build())
                        .attr().fid();
                madeDirs.incrementAndGet();
                return f;
            } catch (NacreException e) {
                if (e.status() == Status.EXISTS) {
                    return mds.lookup(Caller.ROOT, parent, name).fid();
                }
                throw e;
            }
        });
    }
}
