package io.nacre.appliance.cli;

import io.nacre.s3.auth.KeyStore;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code nacre keys}: the S3 access keys, kept under the data directory (a running instance sees
 * changes at once). Each key maps to a uid and gid, so S3 and NFS share one permission model.
 */
@Command(name = "keys", description = "Manage S3 access keys (under the data directory).",
        subcommands = {KeysVerbs.Root.class, KeysVerbs.Create.class, KeysVerbs.ListKeys.class, KeysVerbs.Remove.class})
public final class KeysVerbs {

    @Option(names = "--data", paramLabel = "DIR", defaultValue = "${env:NACRE_DATA:-nacre-data}", scope = picocli.CommandLine.ScopeType.INHERIT,
            description = "Data directory of the instance (default: ${DEFAULT-VALUE}).")
    Path data;

    KeyStore open() {
        if (!Files.isDirectory(data)) {
            throw new CliException("no data directory " + data + " (start `nacre up` once, or give --data DIR)");
        }
        return KeyStore.open(data);
    }

    abstract static class KeyVerb implements Callable<Integer> {
        @picocli.CommandLine.ParentCommand
        KeysVerbs keys;
        @Spec
        CommandSpec spec;

        PrintWriter out() {
            return spec.commandLine().getOut();
        }

        @Override
        public final Integer call() {
            run(keys.open());
            out().flush();
            return 0;
        }

        abstract void run(KeyStore store);
    }

    @Command(name = "root", description = "Print the root key pair, as access_key=... and secret_key=... lines.")
    static final class Root extends KeyVerb {
        @Override
        void run(KeyStore store) {
            KeyStore.Key k = store.root();
            out().println("access_key=" + k.accessKey());
            out().println("secret_key=" + k.secretKey());
        }
    }

    @Command(name = "create", description = "Create a key acting as the given uid and gid; prints the pair.")
    static final class Create extends KeyVerb {
        @Option(names = "--uid", required = true, description = "The uid objects are owned by and checked as.")
        int uid;
        @Option(names = "--gid", required = true, description = "The gid.")
        int gid;

        @Override
        void run(KeyStore store) {
            if (uid < 0 || gid < 0) {
                throw new CliException("uid and gid must be >= 0");
            }
            KeyStore.Key k = store.create(uid, gid);
            out().println("access_key=" + k.accessKey());
            out().println("secret_key=" + k.secretKey());
        }
    }

    @Command(name = "list", description = "List the keys (without their secrets).")
    static final class ListKeys extends KeyVerb {
        @Override
        void run(KeyStore store) {
            out().printf("%-24s %8s %8s %s%n", "ACCESS_KEY", "UID", "GID", "");
            for (KeyStore.Key k : store.list()) {
                out().printf("%-24s %8d %8d %s%n", k.accessKey(), k.uid(), k.gid(), k.root() ? "root" : "");
            }
        }
    }

    @Command(name = "rm", description = "Remove a key.")
    static final class Remove extends KeyVerb {
        @Parameters(paramLabel = "ACCESS_KEY")
        String accessKey;

        @Override
        void run(KeyStore store) {
            if (store.find(accessKey).map(KeyStore.Key::root).orElse(false)) {
                throw new CliException("the root key cannot be removed (set NACRE_S3_ACCESS_KEY/NACRE_S3_SECRET_KEY to replace it)");
            }
            if (!store.remove(accessKey)) {
                throw new CliException("no such key: " + accessKey);
            }
        }
    }
}
