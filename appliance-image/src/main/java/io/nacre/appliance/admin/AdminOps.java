package io.nacre.appliance.admin;

import static java.util.Objects.requireNonNull;

import io.nacre.engine.Caller;
import io.nacre.engine.Fid;
import io.nacre.engine.NacreException;
import io.nacre.engine.Status;
import io.nacre.engine.io.FileIo;
import io.nacre.engine.layout.Layout;
import io.nacre.engine.layout.LayoutTemplate;
import io.nacre.engine.meta.Attr;
import io.nacre.engine.meta.CreateSpec;
import io.nacre.engine.meta.DirEntry;
import io.nacre.engine.meta.DirPage;
import io.nacre.engine.meta.FileType;
import io.nacre.engine.meta.FsStat;
import io.nacre.engine.meta.HiddenDirectory;
import io.nacre.engine.meta.MetadataService;
import io.nacre.engine.meta.MetadataService.RemoveKind;
import io.nacre.engine.scrub.OrphanScrub;
import io.nacre.engine.store.ObjectStore;
import io.nacre.engine.store.OstInfo;
import io.nacre.engine.store.OstUsage;
import io.nacre.engine.store.Durability;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * The admin verbs (the lfs verbs of the nacre CLI) over the engine interfaces, as root. Paths are
 * absolute in the namespace. A put is written to a staged file under the hidden directory and published
 * with one rename, so a reader never sees a half-written file.
 */
public final class AdminOps {

    /** Where puts are staged, under {@link Fid#HIDDEN}. */
    static final String STAGING = "admin-staging";
    private static final int PAGE = 1024;
    private static final int COPY_BUFFER = 1 << 20;

    private final MetadataService mds;
    private final ObjectStore objects;
    private final FileIo io;
    /** Why a file with data cannot be restriped here (null: it can). */
    private final String restripeRefusal;

    public AdminOps(MetadataService mds, ObjectStore objects, FileIo io) {
        this(mds, objects, io, null);
    }

    /**
     * {@code restripeRefusal}, when not null, refuses restriping files that have data (NOT_SUPPORTED with
     * that reason): a cluster node does, because gateways on the other nodes could write through the old
     * layout while it is swapped (see {@link FileIo#migrate}).
     */
    public AdminOps(MetadataService mds, ObjectStore objects, FileIo io, String restripeRefusal) {
        this.mds = requireNonNull(mds, "mds");
        this.objects = requireNonNull(objects, "objects");
        this.io = requireNonNull(io, "io");
        this.restripeRefusal = restripeRefusal;
    }

    Attr resolve(String path) {
        return resolve(AdminPaths.names(path));
    }

    /** Resolves names from the root; errors name the path the user gave, not Fids. */
    private Attr resolve(List<String> names) {
        try {
            return mds.resolve(Caller.ROOT, Fid.ROOT, String.join("/", names));
        } catch (NacreException e) {
            String p = AdminPaths.join(names);
            throw switch (e.status()) {
                case NOT_FOUND -> new NacreException(Status.NOT_FOUND, "no such file or directory: " + p, e);
                case NOT_DIR -> new NacreException(Status.NOT_DIR, "a component of " + p + " is not a directory", e);
                default -> e;
            };
        }
    }

    private Attr parentOf(List<String> names, String path) {
        if (names.isEmpty()) {
            throw new NacreException(Status.INVALID, "the root has no parent: " + path);
        }
        Attr parent = resolve(names.subList(0, names.size() - 1));
        if (!parent.isDir()) {
            throw new NacreException(Status.NOT_DIR, "not a directory: " + AdminPaths.join(names.subList(0, names.size() - 1)));
        }
        return parent;
    }

    public AdminJson.FileInfo mkdir(String path, boolean parents) {
        List<String> names = AdminPaths.names(path);
        if (names.isEmpty()) {
            if (parents) {
                return info("/", "/", mds.getattr(Fid.ROOT));
            }
            throw new NacreException(Status.EXISTS, "the root exists");
        }
        Fid dir = Fid.ROOT;
        Attr made = null;
        for (int i = 0; i < names.size(); i++) {
            boolean last = i == names.size() - 1;
            String sofar = AdminPaths.join(names.subList(0, i + 1));
            Optional<Attr> existing = lookup(dir, names.get(i));
            if (existing.isPresent()) {
                if (!existing.get().isDir()) {
                    throw new NacreException(Status.NOT_DIR, "not a directory: " + sofar);
                }
                if (last && !parents) {
                    throw new NacreException(Status.EXISTS, "already exists: " + sofar);
                }
                made = existing.get();
            } else if (!last && !parents) {
                throw new NacreException(Status.NOT_FOUND, "no such directory: " + sofar + " (mkdir -p creates parents)");
            } else {
                made = mds.create(Caller.ROOT, dir, names.get(i), CreateSpec.directory(0755)).attr();
            }
            dir = made.fid();
        }
        return info(names.get(names.size() - 1), path, made);
    }

    private Optional<Attr> lookup(Fid dir, String name) {
        try {
            return Optional.of(mds.lookup(Caller.ROOT, dir, name));
        } catch (NacreException e) {
            if (e.status() == Status.NOT_FOUND) {
                return Optional.empty();
            }
            throw e;
        }
    }

    /** Writes the stream to PATH (replacing a file there), durably, and returns the new file. */
    public AdminJson.FileInfo put(String path, InputStream body) throws IOException {
        List<String> names = AdminPaths.names(path);
        Attr parent = parentOf(names, path);
        String name = names.get(names.size() - 1);
        Optional<Attr> existing = lookup(parent.fid(), name);
        if (existing.isPresent() && existing.get().isDir()) {
            throw new NacreException(Status.IS_DIR, "is a directory: " + path);
        }
        Fid staging = stagingDir();
        String stagedName = UUID.randomUUID().toString();
        // The staged file takes the target directory's default layout, as a file created there would.
        LayoutTemplate template = effectiveTemplate(parent.fid());
        Attr staged = mds.create(Caller.ROOT, staging, stagedName,
                CreateSpec.builder(FileType.REGULAR).mode(0644).layout(template).build()).attr();
        boolean published = false;
        try {
            try (FileIo.Writer w = io.openWriter(staged.fid(), 0, Durability.STABLE)) {
                byte[] buf = new byte[COPY_BUFFER];
                int n;
                while ((n = body.read(buf)) > 0) {
                    w.write(ByteBuffer.wrap(buf, 0, n));
                }
            }
            io.commit(staged.fid());
            // a file replaced while an NFS client has it open stays the client's until it closes it
            io.keepIfOpen(Caller.ROOT, parent.fid(), name);
            mds.rename(Caller.ROOT, staging, stagedName, parent.fid(), name);
            published = true;
        } finally {
            if (!published) {
                removeQuietly(staging, stagedName);
            }
        }
        return info(name, path, io.getattr(staged.fid()));
    }

    private void removeQuietly(Fid dir, String name) {
        try {
            mds.remove(Caller.ROOT, dir, name, RemoveKind.FILE);
        } catch (NacreException e) {
            if (e.status() != Status.NOT_FOUND) {
                throw e;
            }
        }
    }

    private Fid stagingDir() {
        return HiddenDirectory.of(mds, STAGING, 0700);
    }

    /** The template a new file in {@code dir} gets: the directory's default, else the file system's. */
    LayoutTemplate effectiveTemplate(Fid dir) {
        LayoutTemplate fsDefault = mds.defaultLayout(Fid.ROOT).orElse(LayoutTemplate.DEFAULT);
        return mds.defaultLayout(dir).map(t -> t.inheritFrom(fsDefault)).orElse(fsDefault);
    }

    /** The file at PATH, for streaming its bytes out. */
    public Attr openForRead(String path) {
        Attr a = resolve(path);
        if (a.isDir()) {
            throw new NacreException(Status.IS_DIR, "is a directory: " + path);
        }
        if (!a.isRegular()) {
            throw new NacreException(Status.INVALID, "not a regular file: " + path);
        }
        return io.getattr(a.fid());
    }

    public FileIo io() {
        return io;
    }

    MetadataService mds() {
        return mds;
    }

    public AdminJson.Listing ls(String path) {
        Attr a = resolve(path);
        List<String> names = AdminPaths.names(path);
        String norm = AdminPaths.join(names);
        if (!a.isDir()) {
            return new AdminJson.Listing(norm, List.of(info(names.isEmpty() ? "/" : names.get(names.size() - 1), norm, a)));
        }
        List<AdminJson.FileInfo> out = new ArrayList<>();
        String prefix = norm.equals("/") ? "/" : norm + "/";
        String after = "";
        while (true) {
            DirPage page = mds.list(Caller.ROOT, a.fid(), after, PAGE);
            for (DirEntry e : page.entries()) {
                out.add(info(e.name(), prefix + e.name(), e.attr()));
                after = e.name();
            }
            if (page.eof() || page.entries().isEmpty()) {
                break;
            }
        }
        return new AdminJson.Listing(norm, out);
    }

    private AdminJson.FileInfo info(String name, String path, Attr a) {
        return AdminJson.FileInfo.of(name, path, a, a.isSymlink() ? mds.readlink(a.fid()) : null);
    }

    /**
     * Drops every open mark of an NFS gateway that is gone for good (a cluster node taken out): the files its clients
     * had open and that lost their last name meanwhile are destroyed. Returns how many marks went. A gateway that
     * restarts drops its own stale marks after its grace period; this is for one that never comes back.
     */
    public long dropOpenMarks(String gateway) {
        return mds.dropOpenMarks(gateway, 0);
    }

    /** Removes a file, an empty directory, or with {@code recursive} a whole tree. Returns how many names went. */
    public long rm(String path, boolean recursive) {
        List<String> names = AdminPaths.names(path);
        Attr parent = parentOf(names, path);
        String name = names.get(names.size() - 1);
        Attr target = lookup(parent.fid(), name)
                .orElseThrow(() -> new NacreException(Status.NOT_FOUND, "no such file or directory: " + path));
        if (target.isDir()) {
            long n = 0;
            if (recursive) {
                n = emptyDirectory(target.fid());
            }
            try {
                mds.remove(Caller.ROOT, parent.fid(), name, RemoveKind.DIRECTORY);
            } catch (NacreException e) {
                if (e.status() == Status.NOT_EMPTY) {
                    throw new NacreException(Status.NOT_EMPTY, "directory not empty: " + path + " (use rm -r)");
                }
                throw e;
            }
            return n + 1;
        }
        io.remove(Caller.ROOT, parent.fid(), name, RemoveKind.FILE);
        return 1;
    }

    private long emptyDirectory(Fid dir) {
        long n = 0;
        while (true) {
            DirPage page = mds.list(Caller.ROOT, dir, "", PAGE);
            if (page.entries().isEmpty()) {
                return n;
            }
            for (DirEntry e : page.entries()) {
                if (e.attr().isDir()) {
                    n += emptyDirectory(e.attr().fid());
                    mds.remove(Caller.ROOT, dir, e.name(), RemoveKind.DIRECTORY);
                } else {
                    io.remove(Caller.ROOT, dir, e.name(), RemoveKind.FILE);
                }
                n++;
            }
        }
    }

    /**
     * lfs setstripe: on a directory, sets the default for new files; on a file without objects, gives it
     * the layout; on a file with objects or data, restripes it as lfs migrate does ({@link FileIo#migrate});
     * on a path that does not exist, creates an empty file with the layout.
     */
    public AdminJson.StripeInfo setstripe(String path, LayoutTemplate template) {
        checkStripeCount(template);
        List<String> names = AdminPaths.names(path);
        if (names.isEmpty()) {
            mds.setDefaultLayout(Caller.ROOT, Fid.ROOT, template);
            return getstripe(path);
        }
        Attr parent = parentOf(names, path);
        String name = names.get(names.size() - 1);
        Optional<Attr> existing = lookup(parent.fid(), name);
        if (existing.isPresent() && existing.get().isDir()) {
            mds.setDefaultLayout(Caller.ROOT, existing.get().fid(), template);
        } else if (existing.isPresent()) {
            if (!existing.get().isRegular()) {
                throw new NacreException(Status.INVALID, "not a regular file or directory: " + path);
            }
            Fid fid = existing.get().fid();
            Layout layout = mds.layout(fid);
            if (layout.objects().isEmpty() && !layout.isReleased() && existing.get().size() == 0
                    && layout.components().stream().noneMatch(c -> c.isDataOnMdt())) {
                mds.setLayout(Caller.ROOT, fid, template);
            } else if (restripeRefusal != null) {
                throw new NacreException(Status.NOT_SUPPORTED, "cannot restripe " + path + ", it has data: "
                        + restripeRefusal + " (the file is unchanged)");
            } else {
                // lfs migrate: the data moves to new objects, also while the file is open and written
                io.migrate(Caller.ROOT, fid, template);
            }
        } else {
            Attr made = mds.create(Caller.ROOT, parent.fid(), name,
                    CreateSpec.builder(FileType.REGULAR).mode(0644).delayLayout(true).build()).attr();
            mds.setLayout(Caller.ROOT, made.fid(), template);
        }
        return getstripe(path);
    }

    private void checkStripeCount(LayoutTemplate template) {
        List<OstInfo> osts = mds.osts();
        for (LayoutTemplate.Entry e : template.entries()) {
            if (e.dataOnMdt()) {
                continue;
            }
            long inPool = osts.stream().filter(o -> o.inPool(e.pool())).count();
            if (!e.pool().isEmpty() && inPool == 0) {
                throw new NacreException(Status.INVALID, "no OST is in pool '" + e.pool() + "'");
            }
            if (e.stripeCount() > inPool) {
                throw new NacreException(Status.INVALID, "stripe count " + e.stripeCount() + " is more than the "
                        + inPool + " OSTs" + (e.pool().isEmpty() ? "" : " of pool '" + e.pool() + "'")
                        + " (use -c -1 for all of them)");
            }
        }
    }

    public AdminJson.StripeInfo getstripe(String path) {
        Attr a = resolve(path);
        String norm = AdminPaths.join(AdminPaths.names(path));
        String type = a.type().name().toLowerCase(java.util.Locale.ROOT);
        if (a.isDir()) {
            Optional<LayoutTemplate> own = mds.defaultLayout(a.fid());
            return new AdminJson.StripeInfo(norm, a.fid().toString(), type, null, null,
                    AdminJson.template(own.orElse(null)), AdminJson.template(effectiveTemplate(a.fid())));
        }
        Layout layout = mds.layout(a.fid());
        return new AdminJson.StripeInfo(norm, a.fid().toString(), type, layout.generation(),
                AdminJson.components(layout), null, null);
    }

    /** The orphan scrub of the OSTs (Lustre's LFSCK layout pass), see {@link OrphanScrub}. */
    public AdminJson.Scrub scrub(AdminJson.ScrubRequest req) {
        OrphanScrub.Builder b = OrphanScrub.builder(mds, objects).dryRun(req.dryRun());
        if (req.graceMs() != null) {
            if (req.graceMs() < 0) {
                throw new NacreException(Status.INVALID, "the grace period must not be negative: " + req.graceMs() + " ms");
            }
            b.grace(java.time.Duration.ofMillis(req.graceMs()));
        }
        if (req.osts() != null) {
            b.osts(new java.util.TreeSet<>(req.osts()));
        }
        return AdminJson.Scrub.of(b.build().run());
    }

    public AdminJson.Df df() {
        List<AdminJson.TargetUsage> osts = new ArrayList<>();
        List<OstUsage> usages = new ArrayList<>();
        for (OstInfo o : mds.osts()) {
            OstUsage u = objects.usage(o.index());
            osts.add(new AdminJson.TargetUsage(o.name(), o.index(), u.bytesTotal(), u.bytesUsed(), u.bytesFree(), u.objects()));
            usages.add(u);
        }
        // OSTs sharing a disk each show its free space; the summary counts it once
        OstUsage all = OstUsage.total(usages);
        FsStat st = mds.statfs();
        return new AdminJson.Df(osts, st.filesTotal(), st.filesFree(), all.bytesTotal(), all.bytesUsed(), all.bytesFree());
    }
}
