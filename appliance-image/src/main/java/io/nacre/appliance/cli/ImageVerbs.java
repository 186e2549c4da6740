package io.nacre.appliance.cli;

import io.nacre.appliance.Main;
import io.nacre.appliance.image.ApplianceConfig;
import io.nacre.appliance.image.ApplianceFiles;
import io.nacre.appliance.image.Seed;
import io.nacre.appliance.image.SeedException;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code nacre image}: the appliance VM image. {@code build} runs the image build of the distribution
 * ({@code image/build.sh}); {@code configure} is what the image runs at each boot to apply its NoCloud seed.
 */
@Command(name = "image", mixinStandardHelpOptions = true, description = "Build the appliance VM image; apply a seed inside it.",
        subcommands = {ImageVerbs.Build.class, ImageVerbs.Configure.class})
public final class ImageVerbs {

    /** The distribution this jar belongs to (lib/ holds the jars, image/ the build scripts). */
    static Path distHome() {
        String env = System.getenv("NACRE_HOME");
        if (env != null && !env.isEmpty()) {
            return Path.of(env);
        }
        try {
            Path jar = Path.of(Main.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            if (Files.isRegularFile(jar) && jar.getParent().getFileName().toString().equals("lib")) {
                return jar.getParent().getParent();
            }
        } catch (URISyntaxException | SecurityException e) {
            throw new CliException("cannot locate the Nacre distribution: " + e.getMessage());
        }
        throw new CliException("cannot locate the Nacre distribution (run ./nacre from the source tree, or set NACRE_HOME)");
    }

    @Command(name = "build", mixinStandardHelpOptions = true, description = {
        "Build the appliance disk images (qcow2 and raw) from Debian's packages and this distribution.",
        "Cached under ~/.cache/nacre/appliance; prints the image directory last. Needs root for mmdebstrap."})
    static final class Build implements Callable<Integer> {
        @Option(names = "--out", paramLabel = "DIR", description = "Also copy the images into DIR.")
        Path out;
        @Option(names = "--size", paramLabel = "SIZE", description = "Virtual size of the disk (default 4G; it grows at boot when enlarged).")
        String size;

        @Override
        public Integer call() throws IOException, InterruptedException {
            Path home = distHome();
            Path script = home.resolve("image/build.sh");
            if (!Files.isExecutable(script)) {
                throw new CliException("no image build script " + script + " in this distribution");
            }
            List<String> cmd = new ArrayList<>(List.of(script.toString(), "--dist", home.toString()));
            if (out != null) {
                cmd.addAll(List.of("--out", out.toAbsolutePath().toString()));
            }
            if (size != null) {
                cmd.addAll(List.of("--size", size));
            }
            Process p = new ProcessBuilder(cmd).inheritIO().start();
            return p.waitFor() == 0 ? 0 : 1;
        }
    }

    @Command(name = "configure", mixinStandardHelpOptions = true, description = {
        "Apply a NoCloud seed (user-data, meta-data, network-config in --seed DIR; defaults without one):",
        "writes host name, network units and /etc/nacre under --root, only what changed, and lists it."})
    static final class Configure implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Option(names = "--seed", paramLabel = "DIR", description = "The seed's files (none: the defaults).")
        Path seed;
        @Option(names = "--root", paramLabel = "DIR", defaultValue = "/", description = "Root of the system to configure (default: /).")
        Path root;
        @Option(names = "--check", description = "Only check the seed and print what it configures.")
        boolean check;

        @Override
        public Integer call() throws IOException {
            PrintWriter out = spec.commandLine().getOut();
            ApplianceConfig config;
            try {
                config = seed == null ? ApplianceConfig.defaults() : ApplianceConfig.from(Seed.read(seed));
            } catch (SeedException e) {
                throw new CliException("seed: " + e.getMessage());
            }
            List<ApplianceFiles.File> files = ApplianceFiles.render(config);
            if (check) {
                files.stream().filter(f -> f.path().equals("etc/nacre/appliance.conf"))
                        .forEach(f -> out.print(f.content()));
            } else {
                for (String changed : ApplianceFiles.install(root, files)) {
                    out.println("changed " + changed);
                }
            }
            if (!config.ignored().isEmpty()) {
                out.println("ignored cloud-config keys: " + String.join(", ", config.ignored()));
            }
            out.flush();
            return 0;
        }
    }
}
