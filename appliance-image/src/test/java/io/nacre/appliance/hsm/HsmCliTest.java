package io.nacre.appliance.hsm;

import static org.assertj.core.api.Assertions.assertThat;

import io.nacre.appliance.Main;
import io.nacre.appliance.fileio.Poll;
import io.nacre.appliance.node.Node;
import io.nacre.appliance.node.NodeOptions;
import io.nacre.engine.Caller;
import io.nacre.engine.Fid;
import io.nacre.engine.NacreException;
import io.nacre.engine.meta.Attr;
import io.nacre.engine.meta.CreateSpec;
import io.nacre.engine.meta.HsmState;
import io.nacre.engine.meta.MetadataService;
import io.nacre.engine.store.Durability;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The nacre hsm verbs against a running node with an archive on s3proxy: lfs-like output, -r, errors per
 * file, status, the policy dry run, and imports of a bucket prefix with lazy restores.
 */
class HsmCliTest {

    static final Duration WAIT = Duration.ofSeconds(90);

    @TempDir
    static Path dir;
    static S3ProxyProcess s3proxy;
    static Node node;
    static MetadataService mds;

    @BeforeAll
    static void start() throws Exception {
        s3proxy = S3ProxyProcess.start(dir.resolve("s3proxy"));
        s3proxy.createBucket("archive");
        s3proxy.createBucket("source");
        HsmSettings hsm = HsmSettings.parse(String.join("\n",
                "archive.1.endpoint = " + s3proxy.endpoint(),
                "archive.1.bucket = archive",
                "archive.1.access_key = " + S3ProxyProcess.ACCESS_KEY,
                "archive.1.secret_key = " + S3ProxyProcess.SECRET_KEY,
                "agent.max_actions = 8"));
        node = Node.start(NodeOptions.ephemeral(dir.resolve("data")).withHsm(hsm));
        mds = node.metadata();
    }

    @AfterAll
    static void stop() {
        if (node != null) {
            node.close();
        }
        if (s3proxy != null) {
            s3proxy.close();
        }
    }

    record Run(int code, String out, String err) {
    }

    static Run nacre(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        List<String> all = new ArrayList<>(List.of("--admin", node.adminUri()));
        all.addAll(List.of(args));
        int code = Main.run(all.toArray(String[]::new), new PrintWriter(out, true), new PrintWriter(err, true));
        return new Run(code, out.toString(), err.toString());
    }

    static Fid put(String path, byte[] data) {
        String[] names = path.substring(1).split("/");
        Fid d = Fid.ROOT;
        for (int i = 0; i < names.length - 1; i++) {
            try {
                d = mds.lookup(Caller.ROOT, d, names[i]).fid();
            } catch (NacreException e) {
                d = mds.create(Caller.ROOT, d, names[i], CreateSpec.directory(0755)).attr().fid();
            }
        }
        Fid f = mds.create(Caller.ROOT, d, names[names.length - 1], CreateSpec.file(0644)).attr().fid();
        node.fileIo().write(f, 0, ByteBuffer.wrap(data), Durability.STABLE);
        return f;
    }

    @Test
    void theLfsVerbsArchiveReleaseAndShowStateActionsAndStatus() throws Exception {
        Fid a = put("/cli/a.txt", "alpha".getBytes(StandardCharsets.UTF_8));
        put("/cli/sub/b.txt", "beta".getBytes(StandardCharsets.UTF_8));
        Run r = nacre("hsm", "archive", "-r", "/cli");
        assertThat(r.code()).as(r.err()).isZero();
        Poll.until(WAIT, "both files are archived", () -> nacre("hsm", "state", "/cli/a.txt", "/cli/sub/b.txt").out()
                .lines().filter(l -> l.endsWith("(0x00000009) exists archived, archive_id:1")).count() == 2);

        Run rel = nacre("hsm", "release", "/cli/a.txt");
        assertThat(rel.code()).as(rel.err()).isZero();
        assertThat(nacre("hsm", "state", "/cli/a.txt").out())
                .isEqualTo("/cli/a.txt: (0x0000000d) released exists archived, archive_id:1\n");
        assertThat(nacre("hsm", "action", "/cli/sub/b.txt").out()).startsWith("/cli/sub/b.txt: NOOP (last: ARCHIVE succeeded");

        Run set = nacre("hsm", "set", "--norelease", "/cli/sub/b.txt");
        assertThat(set.code()).as(set.err()).isZero();
        assertThat(nacre("hsm", "state", "/cli/sub/b.txt").out()).contains("never_release");
        Run refused = nacre("hsm", "release", "/cli/sub/b.txt", "/cli/missing");
        assertThat(refused.code()).isEqualTo(1);
        assertThat(refused.err()).contains("/cli/sub/b.txt: ").contains("never_release").contains("/cli/missing: ");

        Run status = nacre("hsm", "status");
        assertThat(status.code()).isZero();
        assertThat(status.out()).contains("coordinator: active request timeout 600 s").contains("agents:")
                .contains("archives [1]").contains("this instance: archive(s) [1]");
        assertThat(nacre("hsm", "status", "--json").out()).contains("\"agents\"").contains("\"consumers\"");

        assertThat(HsmTesting.readAll(node.fileIo(), a)).isEqualTo("alpha".getBytes(StandardCharsets.UTF_8));
        assertThat(mds.getattr(a).hsm().has(HsmState.RELEASED)).isFalse();

        Path rules = dir.resolve("rules.properties");
        Files.writeString(rules, "policy.archive.all.older_than = 0s\npolicy.archive.all.path = /cli\n");
        put("/cli/new.txt", new byte[10]);
        Run plan = nacre("hsm", "policy", "--dry-run", "--config", rules.toString());
        assertThat(plan.code()).as(plan.err()).isZero();
        assertThat(plan.out()).contains("would archive /cli/new.txt").doesNotContain("a.txt");

        Run bad = nacre("hsm", "archive", "/cli");
        assertThat(bad.code()).isEqualTo(1);
        assertThat(bad.err()).contains("use -r");
        assertThat(nacre("hsm", "archive", "--archive-id", "40", "/cli/new.txt").err()).contains("archive id must be 1..32");
    }

    @Test
    void importMakesStubsThatRestoreOnFirstReadAndRefreshAddsNewObjects() throws Exception {
        importAndRead(300);
    }

    @Test
    @Tag("heavy")
    void importOfTenThousandObjects() throws Exception {
        importAndRead(10_000);
    }

    private void importAndRead(int n) throws Exception {
        String prefix = "p" + n;
        try (S3Client plain = s3proxy.client(); ExecutorService pool = Executors.newFixedThreadPool(16)) {
            for (int i = 0; i < n; i++) {
                String key = prefix + "/dir" + (i % 10) + "/obj" + i;
                byte[] body = ("object " + i).getBytes(StandardCharsets.UTF_8);
                pool.execute(() -> plain.putObject(r -> r.bucket("source").key(key), RequestBody.fromBytes(body)));
            }
        }
        Run r = nacre("hsm", "import", "s3://source/" + prefix, "/imported-" + n);
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains(n + " created, 0 updated, 0 unchanged, 0 skipped, 10 directories made");
        Attr stub = mds.resolve(Caller.ROOT, Fid.ROOT, "imported-" + n + "/dir3/obj13");
        assertThat(stub.size()).isEqualTo("object 13".length());
        assertThat(stub.hsm().has(HsmState.RELEASED)).isTrue();
        assertThat(stub.mtime()).isPositive();
        assertThat(HsmTesting.readAll(node.fileIo(), stub.fid())).isEqualTo("object 13".getBytes(StandardCharsets.UTF_8));
        assertThat(mds.getattr(stub.fid()).hsm().describe()).isEqualTo("(0x00000009) exists archived, archive_id:1");

        try (S3Client plain = s3proxy.client()) {
            plain.putObject(x -> x.bucket("source").key(prefix + "/dir0/late"), RequestBody.fromBytes(new byte[] {1, 2}));
            plain.putObject(x -> x.bucket("source").key(prefix + "/dir1/obj21"),
                    RequestBody.fromBytes("changed!".getBytes(StandardCharsets.UTF_8)));
        }
        Run again = nacre("hsm", "import", "--refresh", "s3://source/" + prefix, "/imported-" + n);
        assertThat(again.code()).as(again.err()).isZero();
        assertThat(again.out()).contains("1 created, 1 updated, " + (n - 1) + " unchanged, 0 skipped");
        Attr changed = mds.resolve(Caller.ROOT, Fid.ROOT, "imported-" + n + "/dir1/obj21");
        assertThat(HsmTesting.readAll(node.fileIo(), changed.fid())).isEqualTo("changed!".getBytes(StandardCharsets.UTF_8));
    }
}
