package io.nacre.appliance.admin;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.QueryParams;
import com.linecorp.armeria.server.ServerBuilder;
import com.linecorp.armeria.server.ServiceRequestContext;
import io.nacre.appliance.hsm.HsmRole;
import io.nacre.appliance.hsm.HsmSettings;
import io.nacre.engine.Caller;
import io.nacre.engine.Fid;
import io.nacre.engine.NacreException;
import io.nacre.engine.Status;
import io.nacre.engine.hsm.BucketImport;
import io.nacre.engine.hsm.HsmAction;
import io.nacre.engine.hsm.HsmConfig;
import io.nacre.engine.hsm.HsmRequest;
import io.nacre.engine.hsm.HsmStatus;
import io.nacre.engine.hsm.PolicyEngine;
import io.nacre.engine.io.FileIo;
import io.nacre.engine.meta.Attr;
import io.nacre.engine.meta.DirEntry;
import io.nacre.engine.meta.DirPage;
import io.nacre.engine.meta.HsmState;
import io.nacre.engine.meta.MetadataService;
import io.nacre.engine.meta.XattrFlag;
import io.nacre.engine.store.ObjectStore;
import io.nacre.s3.fs.Namespace;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The HSM verbs of the admin API (lfs hsm_* over HTTP, as root), under /api/v1/hsm: requests and
 * releases in batches of paths (the CLI expands -r and drives its progress bar from the batches),
 * hsm_state and hsm_set, the requests of a file, the coordinator's status, imports, the policy engine's
 * dry run, and where a copytool process finds the instance.
 */
public final class HsmAdmin implements AutoCloseable {

    /** The most paths one batch may carry. */
    public static final int BATCH_MAX = 1024;
    private static final Map<String, Integer> FLAGS = Map.of("exists", HsmState.EXISTS, "dirty", HsmState.DIRTY,
            "archived", HsmState.ARCHIVED, "norelease", HsmState.NORELEASE, "noarchive", HsmState.NOARCHIVE,
            "lost", HsmState.LOST);

    private final AdminOps ops;
    private final MetadataService mds;
    private final FileIo io;
    private final ObjectStore objects;
    private final Supplier<HsmRole> role;
    private final Supplier<HsmJson.Cluster> cluster;
    private final ExecutorService workers = Executors.newVirtualThreadPerTaskExecutor();

    /**
     * @param role    the HSM roles running in this process (null inside: no archive configured here)
     * @param cluster where remote copytools reach the MDS and OSTs
     */
    public HsmAdmin(AdminOps ops, ObjectStore objects, Supplier<HsmRole> role, Supplier<HsmJson.Cluster> cluster) {
        this.ops = requireNonNull(ops, "ops");
        this.io = ops.io();
        this.mds = ops.mds();
        this.objects = requireNonNull(objects, "objects");
        this.role = requireNonNull(role, "role");
        this.cluster = requireNonNull(cluster, "cluster");
    }

    public void addTo(ServerBuilder sb) {
        sb.route().get("/api/v1/hsm/files").build((ctx, req) -> run(() -> files(AdminService.path(ctx),
                AdminService.flag(ctx, "recursive"))));
        sb.route().get("/api/v1/hsm/state").build((ctx, req) -> run(() -> state(AdminService.path(ctx))));
        sb.route().get("/api/v1/hsm/action").build((ctx, req) -> run(() -> actions(AdminService.path(ctx))));
        sb.route().get("/api/v1/hsm/status").build((ctx, req) -> run(() -> status(intParam(ctx, "max", 50))));
        sb.route().get("/api/v1/hsm/cluster").build((ctx, req) -> run(cluster::get));
        sb.route().post("/api/v1/hsm/request").build((ctx, req) -> body(req, HsmJson.Batch.class, this::request));
        sb.route().post("/api/v1/hsm/release").build((ctx, req) -> body(req, HsmJson.Batch.class, this::release));
        sb.route().post("/api/v1/hsm/set").build((ctx, req) -> body(req, HsmJson.Batch.class, this::setState));
        sb.route().post("/api/v1/hsm/config").build((ctx, req) -> body(req, HsmJson.Config.class, this::configure));
        sb.route().post("/api/v1/hsm/s3-glacier").build((ctx, req) -> body(req, HsmJson.Glacier.class, this::glacier));
        // An import lists a whole prefix: no timeout.
        sb.route().post("/api/v1/hsm/import").requestTimeoutMillis(0)
                .build((ctx, req) -> body(req, HsmJson.Import.class, this::importPrefix));
        sb.route().post("/api/v1/hsm/policy/plan").requestTimeoutMillis(0).build((ctx, req) -> HttpResponse.of(
                req.aggregate().thenApplyAsync(agg -> AdminService.respond(() -> plan(agg.contentUtf8())), workers)));
    }

    // ---- the verbs --------------------------------------------------------------------------------------------

    /** The regular files at PATH (a file itself; a directory's, and with recursive its whole tree's). */
    public HsmJson.Files files(String path, boolean recursive) {
        Attr a = ops.resolve(path);
        String norm = AdminPaths.join(AdminPaths.names(path));
        List<String> out = new ArrayList<>();
        if (!a.isDir()) {
            out.add(norm);
            return new HsmJson.Files(out);
        }
        Deque<Map.Entry<Fid, String>> dirs = new ArrayDeque<>();
        dirs.push(Map.entry(a.fid(), norm.equals("/") ? "" : norm));
        while (!dirs.isEmpty()) {
            Map.Entry<Fid, String> d = dirs.pop();
            String after = "";
            while (true) {
                DirPage page = mds.list(Caller.ROOT, d.getKey(), after, 1024);
                for (DirEntry e : page.entries()) {
                    after = e.name();
                    String p = d.getValue() + "/" + e.name();
                    if (e.attr().isDir()) {
                        if (recursive) {
                            dirs.push(Map.entry(e.attr().fid(), p));
                        }
                    } else if (e.attr().isRegular()) {
                        out.add(p);
                    }
                }
                if (page.eof() || page.entries().isEmpty()) {
                    break;
                }
            }
        }
        return new HsmJson.Files(out);
    }

    public HsmJson.BatchResult request(HsmJson.Batch b) {
        HsmAction action = action(b.action());
        return each(b, (path, a) -> {
            HsmRequest r = mds.hsmSubmit(Caller.ROOT, action, a.fid(), b.archiveId(), 0);
            return r == null ? result(path, a, null, "nothing to do", null)
                    : result(path, a, r.id(), r.state().name().toLowerCase(Locale.ROOT), null);
        });
    }

    public HsmJson.BatchResult release(HsmJson.Batch b) {
        return each(b, (path, a) -> {
            Attr after = io.release(Caller.ROOT, a.fid());
            return result(path, after, null, after.hsm().describe(), null);
        });
    }

    public HsmJson.BatchResult setState(HsmJson.Batch b) {
        int set = flags(b.set());
        int clear = flags(b.clear());
        return each(b, (path, a) -> {
            HsmState s = mds.hsmSetState(Caller.ROOT, a.fid(), set, clear, b.archiveId());
            return result(path, a, null, s.describe(), null);
        });
    }

    public HsmJson.State state(String path) {
        Attr a = ops.resolve(path);
        return new HsmJson.State(AdminPaths.join(AdminPaths.names(path)), a.fid().toString(), a.hsm().flags(),
                a.hsm().archiveId(), a.hsm().describe());
    }

    public HsmJson.Actions actions(String path) {
        Attr a = ops.resolve(path);
        String norm = AdminPaths.join(AdminPaths.names(path));
        return new HsmJson.Actions(norm, a.fid().toString(),
                mds.hsmRequests(a.fid()).stream().map(r -> HsmJson.Request.of(r, norm)).toList());
    }

    public HsmJson.Status status(int max) {
        HsmStatus s = mds.hsmStatus(max);
        List<HsmJson.Request> requests = s.requests().stream().map(r -> HsmJson.Request.of(r, pathOrNull(r.fid())))
                .toList();
        HsmRole r = role.get();
        return HsmJson.Status.of(s, requests, r == null ? List.of() : r.archiveIds(), r != null && r.policy() != null);
    }

    public HsmJson.Status configure(HsmJson.Config c) {
        HsmConfig cur = mds.hsmStatus(0).config();
        mds.hsmConfigure(Caller.ROOT, new HsmConfig(
                c.activeRequestTimeoutS() == null ? cur.activeRequestTimeout() : Duration.ofSeconds(c.activeRequestTimeoutS()),
                c.maxAttempts() == null ? cur.maxAttempts() : c.maxAttempts(),
                c.graceDelayS() == null ? cur.graceDelay() : Duration.ofSeconds(c.graceDelayS()),
                c.defaultArchiveId() == null ? cur.defaultArchiveId() : c.defaultArchiveId(),
                c.maxActive() == null ? cur.maxActive() : c.maxActive()));
        return status(0);
    }

    /** Turns a bucket's glacier mode on or off (how S3 shows its archived objects). */
    public HsmJson.Glacier glacier(HsmJson.Glacier g) {
        if (g.bucket() == null || g.bucket().isEmpty() || g.bucket().contains("/")) {
            throw new NacreException(Status.INVALID, "a bucket name, please: " + g.bucket());
        }
        Attr b = ops.resolve("/" + g.bucket());
        if (!b.isDir()) {
            throw new NacreException(Status.NOT_DIR, "/" + g.bucket() + " is not a bucket (a directory under the root)");
        }
        if (g.on()) {
            mds.setXattr(Caller.ROOT, b.fid(), Namespace.GLACIER_XATTR, new byte[] {1},
                    XattrFlag.EITHER);
        } else {
            try {
                mds.removeXattr(Caller.ROOT, b.fid(), Namespace.GLACIER_XATTR);
            } catch (NacreException e) {
                if (e.status() != Status.NO_XATTR) {
                    throw e;
                }
            }
        }
        return g;
    }

    public HsmJson.ImportResult importPrefix(HsmJson.Import i) {
        if (i.source() == null || i.path() == null) {
            throw new NacreException(Status.INVALID, "an import needs a source (s3://bucket/prefix) and a path");
        }
        HsmRole r = role.get();
        if (r == null) {
            throw new NacreException(Status.NOT_FOUND, "no archive is configured in this instance (nacre up --hsm-config "
                    + "FILE or --archive s3://...)");
        }
        int archiveId = i.archiveId() == 0 ? r.archiveIds().get(0) : i.archiveId();
        ops.mkdir(i.path(), true);
        Attr target = ops.resolve(i.path());
        BucketImport.Summary s = new BucketImport(mds, r.copytool(archiveId), archiveId, 0, 0)
                .run(i.source(), target.fid(), i.refresh(), n -> { });
        return new HsmJson.ImportResult(i.source(), AdminPaths.join(AdminPaths.names(i.path())), s.created(), s.updated(),
                s.unchanged(), s.skipped(), s.directories(), s.problems());
    }

    /** The policy engine's dry run, with the rules of {@code config} (a configuration file's text) or this node's. */
    public HsmJson.Plan plan(String config) {
        HsmSettings settings;
        if (config == null || config.isBlank()) {
            HsmRole r = role.get();
            if (r == null || r.settings().policy().isEmpty()) {
                throw new NacreException(Status.NOT_FOUND, "no policy is configured in this instance; give one with --config");
            }
            settings = r.settings();
        } else {
            settings = HsmSettings.parse(config);
        }
        // A throw-away engine with its own consumer name, used only for plan(): it registers nothing.
        PolicyEngine engine = PolicyEngine.builder(mds, io, objects, settings.policy()).consumer("hsm-policy-plan").build();
        return new HsmJson.Plan(engine.plan().actions().stream().map(a -> new HsmJson.PolicyAction(
                a.kind().name().toLowerCase(Locale.ROOT), a.fid().toString(), a.path(), a.size(), a.why())).toList());
    }

    // ---- helpers --------------------------------------------------------------------------------------------

    /** Applies work to each path of a batch; an error of one file is that file's result, not the batch's. */
    private HsmJson.BatchResult each(HsmJson.Batch b, java.util.function.BiFunction<String, Attr, HsmJson.FileResult> work) {
        List<String> paths = b.paths() == null ? List.of() : b.paths();
        if (paths.size() > BATCH_MAX) {
            throw new NacreException(Status.INVALID, "at most " + BATCH_MAX + " paths per batch, not " + paths.size());
        }
        List<CompletableFuture<HsmJson.FileResult>> futures = new ArrayList<>();
        for (String path : paths) {
            futures.add(CompletableFuture.supplyAsync(() -> {
                try {
                    Attr a = ops.resolve(path);
                    if (!a.isRegular()) {
                        throw new NacreException(a.isDir() ? Status.IS_DIR : Status.INVALID, "not a regular file"
                                + (a.isDir() ? " (use -r for a directory's files)" : ""));
                    }
                    return work.apply(path, a);
                } catch (NacreException e) {
                    return new HsmJson.FileResult(path, null, null, null, e.status().name(), e.getMessage());
                }
            }, workers));
        }
        return new HsmJson.BatchResult(futures.stream().map(CompletableFuture::join).toList());
    }

    private static HsmJson.FileResult result(String path, Attr a, Long id, String state, String message) {
        return new HsmJson.FileResult(path, a.fid().toString(), id, state, null, message);
    }

    private static HsmAction action(String name) {
        try {
            return HsmAction.valueOf(name.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new NacreException(Status.INVALID, "no HSM action '" + name + "' (archive, restore, remove, cancel)");
        }
    }

    static int flags(List<String> names) {
        int f = 0;
        for (String n : names == null ? List.<String>of() : names) {
            Integer bit = FLAGS.get(n.toLowerCase(Locale.ROOT).replace("_", "").replace("never", "no"));
            if (bit == null) {
                throw new NacreException(Status.INVALID, "no HSM flag '" + n + "' (" + String.join(", ",
                        new java.util.TreeSet<>(FLAGS.keySet())) + ")");
            }
            f |= bit;
        }
        return f;
    }

    private String pathOrNull(Fid fid) {
        try {
            return mds.path(fid);
        } catch (NacreException e) {
            return null;
        }
    }

    private HttpResponse run(Supplier<Object> work) {
        return HttpResponse.of(CompletableFuture.supplyAsync(() -> AdminService.respond(work), workers));
    }

    private <T> HttpResponse body(com.linecorp.armeria.common.HttpRequest req, Class<T> type, Function<T, Object> work) {
        return HttpResponse.of(req.aggregate().thenApplyAsync(agg -> {
            T value;
            try {
                value = Json.MAPPER.readValue(agg.contentUtf8(), type);
            } catch (JsonProcessingException e) {
                return AdminService.error(new NacreException(Status.INVALID, "bad request body: " + e.getOriginalMessage()));
            }
            return AdminService.respond(() -> work.apply(value));
        }, workers));
    }

    private static int intParam(ServiceRequestContext ctx, String name, int dflt) {
        String v = QueryParams.fromQueryString(ctx.query()).get(name);
        try {
            return v == null ? dflt : Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new NacreException(Status.INVALID, name + " must be a number: " + v);
        }
    }

    @Override
    public void close() {
        workers.shutdownNow();
    }
}
