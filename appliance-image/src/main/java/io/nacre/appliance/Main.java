package io.nacre.appliance;

import io.nacre.appliance.cli.CliException;
import io.nacre.appliance.cli.CopytoolVerb;
import io.nacre.appliance.cli.HsmVerbs;
import io.nacre.appliance.cli.ImageVerbs;
import io.nacre.appliance.cli.KeysVerbs;
import io.nacre.appliance.cli.Verbs;
import io.nacre.engine.NacreException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The nacre command: {@code up} runs the appliance; the other verbs talk to a running one. */
@Command(name = "nacre", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Nacre: a parallel file system served over NFSv4.1/pNFS and S3 on one namespace.",
        subcommands = {
            Up.class, OssCommand.class, Verbs.Mkdir.class, Verbs.Put.class, Verbs.Get.class, Verbs.Ls.class, Verbs.Rm.class,
            Verbs.DropOpenMarks.class,
            Verbs.SetStripe.class, Verbs.GetStripe.class, Verbs.Df.class, Verbs.Scrub.class, KeysVerbs.class, HsmVerbs.Hsm.class,
            CopytoolVerb.class, ImageVerbs.class, CommandLine.HelpCommand.class})
public final class Main {

    @Option(names = "--admin", paramLabel = "URL", defaultValue = "${env:NACRE_ADMIN:-http://127.0.0.1:9001}",
            description = "Admin endpoint of the instance the verbs talk to (default: ${DEFAULT-VALUE}).")
    String admin;

    public String admin() {
        return admin;
    }

    public static void main(String[] args) {
        int code = run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true));
        System.exit(code);
    }

    /** Runs the CLI; returns the exit code (0 ok, 1 the operation failed, 2 bad usage). */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine cl = new CommandLine(new Main());
        cl.setOut(out);
        cl.setErr(err);
        cl.setExecutionExceptionHandler((e, line, parsed) -> {
            if (e instanceof CliException || e instanceof NacreException) {
                err.println("nacre: " + e.getMessage());
            } else if (e instanceof IllegalArgumentException) {
                err.println("nacre: " + e.getMessage());
                return 2;
            } else if (e instanceof UncheckedIOException u) {
                // Our own messages say what could not be done ("cannot serve NFS on 127.0.0.1:2049"); the
                // cause says why ("Address already in use").
                String why = u.getCause().getMessage();
                err.println("nacre: " + u.getMessage() + (why == null || u.getMessage().contains(why) ? "" : ": " + why));
            } else {
                err.println("nacre: internal error: " + e);
                if (System.getenv("NACRE_DEBUG") != null) {
                    e.printStackTrace(err);
                }
            }
            return 1;
        });
        return cl.execute(args);
    }

    /** The version from the jar manifest, or "dev", and the JVM that runs it. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"nacre " + (v == null ? "dev" : v), Jvm.describe()};
        }
    }
}
