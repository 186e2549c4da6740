package io.nacre.appliance.cli;

import io.nacre.appliance.Main;
import io.nacre.appliance.admin.AdminJson;
import io.nacre.appliance.admin.Json;
import io.nacre.appliance.hsm.HsmSettings;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Unmatched;

/** The admin verbs: each one call to the admin endpoint of a running instance, lfs's meaning and output. */
public final class Verbs {

    private Verbs() {
    }

    /** What every verb shares: the parent command's --admin, and the output stream. */
    abstract static class Verb implements Callable<Integer> {
        @ParentCommand
        Main main;
        @Spec
        CommandSpec spec;

        AdminClient client() {
            return new AdminClient(main.admin());
        }

        PrintWriter out() {
            return spec.commandLine().getOut();
        }

        @Override
        public final Integer call() throws Exception {
            run();
            out().flush();
            return 0;
        }

        abstract void run() throws Exception;
    }

    @Command(name = "mkdir", description = "Make a directory.")
    public static final class Mkdir extends Verb {
        @Option(names = "-p", description = "Make parents as needed; no error if it exists.")
        boolean parents;
        @Parameters(paramLabel = "PATH")
        String path;

        @Override
        void run() {
            AdminClient c = client();
            c.call(HttpRequest.newBuilder(parents ? c.uri("/api/v1/mkdir", path, "parents") : c.uri("/api/v1/mkdir", path))
                    .POST(HttpRequest.BodyPublishers.noBody()), AdminJson.FileInfo.class);
        }
    }

    @Command(name = "put", description = "Copy a local file into Nacre (replacing a file there), durably.")
    public static final class Put extends Verb {
        @Parameters(index = "0", paramLabel = "LOCALFILE")
        Path local;
        @Parameters(index = "1", paramLabel = "PATH")
        String path;

        @Override
        void run() throws IOException {
            if (!Files.isRegularFile(local)) {
                throw new CliException("cannot read " + local + ": " + (Files.exists(local) ? "not a regular file" : "no such file"));
            }
            if (!Files.isReadable(local)) {
                throw new CliException("cannot read " + local + ": permission denied");
            }
            AdminClient c = client();
            HttpRequest.BodyPublisher body;
            try {
                body = HttpRequest.BodyPublishers.ofFile(local);
            } catch (java.io.FileNotFoundException e) {
                throw new CliException("cannot read " + local + ": " + e.getMessage());
            }
            c.call(HttpRequest.newBuilder(c.uri("/api/v1/file", path)).PUT(body), AdminJson.FileInfo.class);
        }
    }

    @Command(name = "get", description = "Copy a file out of Nacre into a local file.")
    public static final class Get extends Verb {
        @Parameters(index = "0", paramLabel = "PATH")
        String path;
        @Parameters(index = "1", paramLabel = "LOCALFILE")
        Path local;

        @Override
        void run() {
            Path target = Files.isDirectory(local) ? local.resolve(path.substring(path.lastIndexOf('/') + 1)) : local;
            client().download(path, target);
        }
    }

    @Command(name = "ls", description = "List a directory (or show one file).")
    public static final class Ls extends Verb {
        @Option(names = "-l", description = "Long listing: type and mode, links, owner, group, size, time, name.")
        boolean longFormat;
        @Option(names = "--json", description = "Print the listing as JSON (see README).")
        boolean json;
        @Parameters(paramLabel = "PATH", defaultValue = "/")
        String path;

        @Override
        void run() {
            AdminClient c = client();
            HttpRequest.Builder req = HttpRequest.newBuilder(c.uri("/api/v1/ls", path)).GET();
            if (json) {
                out().println(c.callRaw(req).strip());
                return;
            }
            AdminJson.Listing l = c.call(req, AdminJson.Listing.class);
            for (AdminJson.FileInfo f : l.entries()) {
                out().println(longFormat ? Format.longLine(f) : Format.shortName(f));
            }
        }
    }

    @Command(name = "rm", description = "Remove a file, an empty directory, or with -r a tree.")
    public static final class Rm extends Verb {
        @Option(names = {"-r", "-R", "--recursive"}, description = "Remove directories and their contents.")
        boolean recursive;
        @Parameters(paramLabel = "PATH")
        String path;

        @Override
        void run() {
            AdminClient c = client();
            c.callRaw(HttpRequest.newBuilder(recursive ? c.uri("/api/v1/file", path, "recursive") : c.uri("/api/v1/file", path))
                    .DELETE());
        }
    }

    @Command(name = "drop-open-marks", description = {
        "Drop the open marks of an NFS gateway that is gone for good (a cluster node taken out): files its clients "
                + "had open and that were removed meanwhile are destroyed.",
        "A gateway that restarts drops its own stale marks after its grace period; never name one that is still "
                + "running."})
    public static final class DropOpenMarks extends Verb {
        @Parameters(paramLabel = "GATEWAY", description = "The gateway's name: its node id.")
        String gateway;

        @Override
        void run() throws IOException {
            AdminClient c = client();
            java.net.URI uri = java.net.URI.create(c.uri("/api/v1/open-marks/drop", null) + "?gateway="
                    + java.net.URLEncoder.encode(gateway, java.nio.charset.StandardCharsets.UTF_8));
            String body = c.callRaw(HttpRequest.newBuilder(uri).POST(HttpRequest.BodyPublishers.noBody()));
            out().println("dropped " + Json.MAPPER.readTree(body).get("dropped").asLong() + " open mark(s) of " + gateway);
        }
    }

    @Command(name = "setstripe", description = {
        "Set the layout of a new file, or the default layout of a directory (lfs setstripe).",
        "On a file with data, restripe it (lfs migrate): the data is copied to new objects and swapped in,",
        "also while other processes have the file open and write it.",
        "  -c COUNT   stripe count (-1: every OST of the pool)",
        "  -S SIZE    stripe size, a multiple of 64K (e.g. 1M, 4M)",
        "  -p POOL    OST pool",
        "  -E END     end of a component (PFL; -1 for EOF); the options after it apply to it",
        "  -L mdt     data-on-MDT for the first component",
        "Example: nacre setstripe -E 1M -L mdt -E 64M -c 1 -E -1 -c 4 -S 4M /data/dir"},
            usageHelpAutoWidth = true)
    public static final class SetStripe extends Verb {
        @Unmatched
        List<String> args = new java.util.ArrayList<>();

        @Override
        void run() {
            StripeArgs.Parsed p = StripeArgs.parse(args);
            List<AdminJson.TemplateInfo> t = p.template().entries().stream()
                    .map(e -> new AdminJson.TemplateInfo(e.end() == Long.MAX_VALUE ? null : e.end(), e.stripeCount(),
                            e.stripeSize(), e.pool(), e.dataOnMdt()))
                    .toList();
            AdminClient c = client();
            try {
                c.call(HttpRequest.newBuilder(c.uri("/api/v1/setstripe", p.path()))
                        .POST(HttpRequest.BodyPublishers.ofString(Json.MAPPER.writeValueAsString(t)))
                        .header("Content-Type", "application/json"), AdminJson.StripeInfo.class);
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    @Command(name = "getstripe", description = "Show the layout of a file or the default layout of a directory.")
    public static final class GetStripe extends Verb {
        @Option(names = "--json", description = "Print the layout as JSON (see README).")
        boolean json;
        @Parameters(paramLabel = "PATH")
        String path;

        @Override
        void run() {
            AdminClient c = client();
            HttpRequest.Builder req = HttpRequest.newBuilder(c.uri("/api/v1/getstripe", path)).GET();
            if (json) {
                out().println(c.callRaw(req).strip());
                return;
            }
            out().print(Format.stripe(c.call(req, AdminJson.StripeInfo.class)));
        }
    }

    @Command(name = "df", description = "Space used and free per OST and in total (lfs df).")
    public static final class Df extends Verb {
        @Option(names = "--json", description = "Print as JSON (see README).")
        boolean json;
        @Option(names = {"-h", "--human-readable"}, description = "Sizes as 1.5G, 64K...")
        boolean human;

        @Override
        void run() {
            AdminClient c = client();
            HttpRequest.Builder req = HttpRequest.newBuilder(c.uri("/api/v1/df", null)).GET();
            if (json) {
                out().println(c.callRaw(req).strip());
                return;
            }
            out().print(Format.df(c.call(req, AdminJson.Df.class), human));
        }
    }

    @Command(name = "scrub", description = {
        "Find the OST objects that no file and no pending destroy references (orphans) and destroy them "
                + "(Lustre's LFSCK layout pass).",
        "Only objects allocated before the scrub began and not written for the grace period are touched.",
        "Prints per OST: objects held, referenced, orphans, destroyed, bytes freed, orphans left as written "
                + "within the grace (recent) and objects allocated after the scrub began (newer)."},
            usageHelpAutoWidth = true)
    public static final class Scrub extends Verb {
        @Option(names = {"-n", "--dry-run"}, description = "Only report: destroy nothing.")
        boolean dryRun;
        @Option(names = "--grace", paramLabel = "DURATION",
                description = "Leave orphans written within this long (default 1h; e.g. 30m, 2h, 0s).")
        String grace;
        @Option(names = "--ost", paramLabel = "INDEX", split = ",",
                description = "Scrub only these OSTs (repeat or comma-separate; default: every OST).")
        List<Integer> osts;
        @Option(names = "--json", description = "Print the report as JSON (see README).")
        boolean json;
        @Option(names = {"-h", "--human-readable"}, description = "Sizes as 1.5G, 64K...")
        boolean human;

        @Override
        void run() {
            Long graceMs = grace == null ? null : HsmSettings.duration(grace).toMillis();
            if (osts != null) {
                for (int i : osts) {
                    if (i < 0) {
                        throw new IllegalArgumentException("an OST index is a number >= 0, not " + i);
                    }
                }
            }
            AdminClient c = client();
            HttpRequest.Builder req;
            try {
                req = HttpRequest.newBuilder(c.uri("/api/v1/scrub", null))
                        .POST(HttpRequest.BodyPublishers.ofString(Json.MAPPER.writeValueAsString(
                                new AdminJson.ScrubRequest(dryRun, graceMs, osts))))
                        .header("Content-Type", "application/json");
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
            AdminJson.Scrub report;
            if (json) {
                String text = c.callRaw(req).strip();
                out().println(text);
                try {
                    report = Json.MAPPER.readValue(text, AdminJson.Scrub.class);
                } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                    throw new CliException("unexpected answer from the admin endpoint: " + e.getOriginalMessage());
                }
            } else {
                report = c.call(req, AdminJson.Scrub.class);
                out().print(Format.scrub(report, human));
            }
            for (AdminJson.ScrubOst o : report.osts()) {
                if (o.error() != null) {
                    out().flush();
                    throw new CliException("the scrub of " + o.name() + " stopped: " + o.error());
                }
            }
        }
    }
}
