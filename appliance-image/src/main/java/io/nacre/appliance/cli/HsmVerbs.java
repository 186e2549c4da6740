package io.nacre.appliance.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.nacre.appliance.Main;
import io.nacre.appliance.admin.HsmJson;
import io.nacre.appliance.admin.Json;
import io.nacre.appliance.hsm.HsmSettings;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code nacre hsm ...}: Lustre's lfs hsm_* verbs against a running instance, through its admin endpoint. */
public final class HsmVerbs {

    /** Paths per request to the admin endpoint (and per step of the progress bar). */
    static final int BATCH = 256;

    private HsmVerbs() {
    }

    @Command(name = "hsm", description = "Hierarchical storage management: archive to S3, release, restore (lfs hsm_*).",
            subcommands = {Archive.class, Release.class, Restore.class, Remove.class, Cancel.class, StateVerb.class,
                Set.class, Clear.class, Action.class, Status.class, Import.class, Config.class, Policy.class, S3Glacier.class},
            mixinStandardHelpOptions = true)
    public static final class Hsm implements Callable<Integer> {
        @ParentCommand
        Main main;
        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            spec.commandLine().usage(spec.commandLine().getOut());
            return 2;
        }
    }

    /** What every hsm verb shares: the admin endpoint, output, and errors of single files. */
    abstract static class HsmVerb implements Callable<Integer> {
        @ParentCommand
        Hsm hsm;
        @Spec
        CommandSpec spec;
        int failures;

        AdminClient client() {
            return new AdminClient(hsm.main.admin());
        }

        PrintWriter out() {
            return spec.commandLine().getOut();
        }

        PrintWriter err() {
            return spec.commandLine().getErr();
        }

        @Override
        public final Integer call() throws Exception {
            run();
            out().flush();
            err().flush();
            return failures == 0 ? 0 : 1;
        }

        abstract void run() throws Exception;

        <T> T post(String route, Object body, Class<T> type) {
            AdminClient c = client();
            try {
                return c.call(HttpRequest.newBuilder(c.uri(route, null))
                        .POST(HttpRequest.BodyPublishers.ofString(Json.MAPPER.writeValueAsString(body)))
                        .header("Content-Type", "application/json"), type);
            } catch (JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
        }

        <T> T get(String route, String path, Class<T> type) {
            AdminClient c = client();
            return c.call(HttpRequest.newBuilder(c.uri(route, path)).GET(), type);
        }
    }

    /** A verb over files: PATH... (with -r, every file below directories), sent in batches with a progress bar. */
    abstract static class FilesVerb extends HsmVerb {
        @Option(names = {"-r", "--recursive"}, description = "Act on every regular file below the directories given.")
        boolean recursive;
        @Option(names = "--json", description = "Print each file's result as JSON.")
        boolean json;
        @Parameters(paramLabel = "PATH", arity = "1..*")
        List<String> paths;

        /** The route and the batch for some paths. */
        abstract String route();

        abstract HsmJson.Batch batch(List<String> paths);

        @Override
        void run() throws IOException {
            List<String> files = new ArrayList<>();
            for (String p : paths) {
                if (recursive) {
                    AdminClient c = client();
                    files.addAll(c.call(HttpRequest.newBuilder(c.uri("/api/v1/hsm/files", p, "recursive")).GET(),
                            HsmJson.Files.class).files());
                } else {
                    files.add(p);
                }
            }
            try (ProgressBar bar = ProgressBar.onTerminal(err(), files.size(), "files")) {
                for (int i = 0; i < files.size(); i += BATCH) {
                    List<String> part = files.subList(i, Math.min(files.size(), i + BATCH));
                    HsmJson.BatchResult r = post(route(), batch(part), HsmJson.BatchResult.class);
                    for (HsmJson.FileResult f : r.results()) {
                        if (f.error() != null) {
                            failures++;
                            bar.above("nacre: " + f.path() + ": " + f.message());
                        } else if (json) {
                            bar.above(Json.MAPPER.writer().without(
                                    com.fasterxml.jackson.databind.SerializationFeature.INDENT_OUTPUT).writeValueAsString(f),
                                    out());
                        }
                    }
                    bar.advance(part.size());
                }
            }
        }
    }

    abstract static class RequestVerb extends FilesVerb {
        @Option(names = {"--archive-id", "--archive", "-a"}, paramLabel = "N",
                description = "The archive (1..32); default: the file's, else the coordinator's default.")
        int archiveId;

        @Override
        String route() {
            return "/api/v1/hsm/request";
        }

        @Override
        HsmJson.Batch batch(List<String> paths) {
            return new HsmJson.Batch(spec.name(), archiveId, paths, null, null);
        }
    }

    @Command(name = "archive", description = "Copy files' data to the archive (lfs hsm_archive).")
    public static final class Archive extends RequestVerb {
    }

    @Command(name = "restore", description = "Bring released files' data back from the archive (lfs hsm_restore).")
    public static final class Restore extends RequestVerb {
    }

    @Command(name = "remove", description = "Delete files' copies from the archive (lfs hsm_remove).")
    public static final class Remove extends RequestVerb {
    }

    @Command(name = "cancel", description = "Cancel files' waiting or running requests (lfs hsm_cancel).")
    public static final class Cancel extends RequestVerb {
    }

    @Command(name = "release", description = "Free the OST space of archived files, keeping them as stubs (lfs hsm_release).")
    public static final class Release extends FilesVerb {
        @Override
        String route() {
            return "/api/v1/hsm/release";
        }

        @Override
        HsmJson.Batch batch(List<String> paths) {
            return new HsmJson.Batch("release", 0, paths, null, null);
        }
    }

    /** lfs hsm_set / hsm_clear flags. */
    abstract static class FlagsVerb extends FilesVerb {
        @Option(names = "--norelease", description = "never_release") boolean norelease;
        @Option(names = "--noarchive", description = "never_archive") boolean noarchive;
        @Option(names = "--dirty", description = "dirty") boolean dirty;
        @Option(names = "--lost", description = "lost_from_hsm (root)") boolean lost;
        @Option(names = "--exists", description = "exists (root)") boolean exists;
        @Option(names = "--archived", description = "archived (root)") boolean archived;
        @Option(names = "--archive-id", paramLabel = "N", description = "Set the archive id (root).") int archiveId;

        List<String> flags() {
            List<String> f = new ArrayList<>();
            if (norelease) {
                f.add("norelease");
            }
            if (noarchive) {
                f.add("noarchive");
            }
            if (dirty) {
                f.add("dirty");
            }
            if (lost) {
                f.add("lost");
            }
            if (exists) {
                f.add("exists");
            }
            if (archived) {
                f.add("archived");
            }
            return f;
        }

        @Override
        String route() {
            return "/api/v1/hsm/set";
        }
    }

    @Command(name = "set", description = "Set HSM flags (lfs hsm_set).")
    public static final class Set extends FlagsVerb {
        @Override
        HsmJson.Batch batch(List<String> paths) {
            return new HsmJson.Batch("set", archiveId, paths, flags(), List.of());
        }
    }

    @Command(name = "clear", description = "Clear HSM flags (lfs hsm_clear).")
    public static final class Clear extends FlagsVerb {
        @Override
        HsmJson.Batch batch(List<String> paths) {
            return new HsmJson.Batch("clear", archiveId, paths, List.of(), flags());
        }
    }

    @Command(name = "state", description = "Show files' HSM state (lfs hsm_state).")
    public static final class StateVerb extends HsmVerb {
        @Option(names = "--json", description = "Print as JSON.")
        boolean json;
        @Parameters(paramLabel = "PATH", arity = "1..*")
        List<String> paths;

        @Override
        void run() throws IOException {
            for (String p : paths) {
                try {
                    HsmJson.State s = get("/api/v1/hsm/state", p, HsmJson.State.class);
                    out().println(json ? Json.MAPPER.writeValueAsString(s).strip() : p + ": " + s.state());
                } catch (CliException e) {
                    failures++;
                    err().println("nacre: " + p + ": " + e.getMessage());
                }
            }
        }
    }

    @Command(name = "action", description = "Show the HSM requests of files (lfs hsm_action).")
    public static final class Action extends HsmVerb {
        @Option(names = "--json", description = "Print as JSON.")
        boolean json;
        @Parameters(paramLabel = "PATH", arity = "1..*")
        List<String> paths;

        @Override
        void run() throws IOException {
            for (String p : paths) {
                HsmJson.Actions a = get("/api/v1/hsm/action", p, HsmJson.Actions.class);
                if (json) {
                    out().println(Json.MAPPER.writeValueAsString(a).strip());
                    continue;
                }
                List<HsmJson.Request> active = a.requests().stream()
                        .filter(r -> r.state().equals("waiting") || r.state().equals("started")).toList();
                if (active.isEmpty()) {
                    out().println(p + ": NOOP" + a.requests().stream().reduce((x, y) -> y)
                            .map(r -> " (last: " + HsmFormat.request(r) + ")").orElse(""));
                }
                for (HsmJson.Request r : active) {
                    out().println(p + ": " + HsmFormat.request(r));
                }
            }
        }
    }

    @Command(name = "status", description = "The coordinator: queue, agents, changelog consumers.")
    public static final class Status extends HsmVerb {
        @Option(names = "--json", description = "Print as JSON.")
        boolean json;
        @Option(names = "--max", paramLabel = "N", defaultValue = "50", description = "Requests listed (default 50).")
        int max;

        @Override
        void run() throws IOException {
            AdminClient c = client();
            HttpRequest.Builder req = HttpRequest.newBuilder(java.net.URI.create(c.uri("/api/v1/hsm/status", null)
                    + "?max=" + max)).GET();
            if (json) {
                out().println(c.callRaw(req).strip());
                return;
            }
            out().print(HsmFormat.status(c.call(req, HsmJson.Status.class)));
        }
    }

    @Command(name = "import", description = {"Make released stubs for every object under an S3 prefix; data comes back",
        "on first access. With --refresh, picks up new and changed objects."})
    public static final class Import extends HsmVerb {
        @Option(names = "--refresh", description = "Also update stubs of objects that changed.")
        boolean refresh;
        @Option(names = {"--archive-id", "-a"}, paramLabel = "N", description = "The archive whose copytool reads the bucket.")
        int archiveId;
        @Parameters(index = "0", paramLabel = "s3://BUCKET/PREFIX")
        String source;
        @Parameters(index = "1", paramLabel = "PATH")
        String path;

        @Override
        void run() {
            HsmJson.ImportResult r = post("/api/v1/hsm/import", new HsmJson.Import(source, path, archiveId, refresh),
                    HsmJson.ImportResult.class);
            out().println(source + " -> " + r.path() + ": " + r.created() + " created, " + r.updated() + " updated, "
                    + r.unchanged() + " unchanged, " + r.skipped() + " skipped, " + r.directories() + " directories made");
            for (String p : r.problems()) {
                err().println("nacre: " + p);
            }
        }
    }

    @Command(name = "config", description = "Show or change the coordinator's settings.")
    public static final class Config extends HsmVerb {
        @Option(names = "--active-request-timeout", paramLabel = "DURATION",
                description = "A started request whose agent is silent this long goes to another (e.g. 10m).")
        String timeout;
        @Option(names = "--max-attempts", paramLabel = "N") Integer attempts;
        @Option(names = "--grace-delay", paramLabel = "DURATION", description = "How long finished requests stay listed.")
        String grace;
        @Option(names = "--default-archive-id", paramLabel = "N") Integer archive;
        @Option(names = "--max-active", paramLabel = "N", description = "Requests started at once over all agents (0: no limit).")
        Integer maxActive;

        @Override
        void run() {
            HsmJson.Status s = post("/api/v1/hsm/config", new HsmJson.Config(
                    timeout == null ? null : HsmSettings.duration(timeout).toSeconds(), attempts,
                    grace == null ? null : HsmSettings.duration(grace).toSeconds(), archive, maxActive), HsmJson.Status.class);
            out().print(HsmFormat.settings(s));
        }
    }

    @Command(name = "policy", description = "The policy engine: --dry-run prints what it would do now.")
    public static final class Policy extends HsmVerb {
        @Option(names = "--dry-run", required = true, description = "Print the decisions; change nothing.")
        boolean dryRun;
        @Option(names = "--config", paramLabel = "FILE", description = "Rules from this file (default: the instance's).")
        Path config;
        @Option(names = "--json", description = "Print as JSON.")
        boolean json;

        @Override
        void run() throws IOException {
            String text = config == null ? "" : Files.readString(config, StandardCharsets.UTF_8);
            AdminClient c = client();
            HttpRequest.Builder req = HttpRequest.newBuilder(c.uri("/api/v1/hsm/policy/plan", null))
                    .POST(HttpRequest.BodyPublishers.ofString(text));
            if (json) {
                out().println(c.callRaw(req).strip());
                return;
            }
            HsmJson.Plan plan = c.call(req, HsmJson.Plan.class);
            if (plan.actions().isEmpty()) {
                out().println("nothing to do");
            }
            for (HsmJson.PolicyAction a : plan.actions()) {
                out().println("would " + a.kind() + " " + (a.path() == null ? a.fid() : a.path() + " " + a.fid())
                        + (a.size() >= 0 ? " (" + Sizes.human(a.size()) + ")" : "") + ": " + a.why());
            }
        }
    }

    @Command(name = "s3-glacier", description = {"Show a bucket's archived objects over S3 as AWS's GLACIER class",
        "(GET of a released object: 403 InvalidObjectState until RestoreObject), or (off) let GET wait for the restore."})
    public static final class S3Glacier extends HsmVerb {
        @Parameters(index = "0", paramLabel = "BUCKET")
        String bucket;
        @Parameters(index = "1", paramLabel = "on|off")
        String mode;

        @Override
        void run() {
            if (!mode.equals("on") && !mode.equals("off")) {
                throw new IllegalArgumentException("on or off, not " + mode);
            }
            post("/api/v1/hsm/s3-glacier", new HsmJson.Glacier(bucket, mode.equals("on")), HsmJson.Glacier.class);
        }
    }

    /** The time since a moment, for people: "3 s", "5 min", "2 h", "4 d". */
    static String ago(long nowNs, long thenNs) {
        Duration d = Duration.ofNanos(Math.max(0, nowNs - thenNs));
        return d.toDays() > 0 ? d.toDays() + " d" : d.toHours() > 0 ? d.toHours() + " h"
                : d.toMinutes() > 0 ? d.toMinutes() + " min" : d.toSeconds() + " s";
    }
}
