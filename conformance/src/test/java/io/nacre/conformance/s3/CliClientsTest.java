package io.nacre.conformance.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.nacre.s3.auth.KeyStore;
import io.nacre.s3.it.NacreS3;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * aws-cli, s3cmd, rclone and boto3, as Debian packages them, against Nacre: make a bucket, copy a
 * multipart-sized file up and down, list with a delimiter, sync a directory, presign, remove.
 */
class CliClientsTest {

    static final int MIB = 1 << 20;

    @TempDir
    static Path dir;
    static NacreS3 nacre;
    static KeyStore.Key root;
    static Path big;
    static Path tree;

    @BeforeAll
    static void start() throws Exception {
        String script = System.getProperty("nacre.s3.clients.script");
        if (script != null) {
            Process p = new ProcessBuilder("sh", script).inheritIO().start();
            p.waitFor(10, TimeUnit.MINUTES);
        }
        nacre = NacreS3.start(dir.resolve("nacre"));
        root = nacre.keys.root();
        big = dir.resolve("big.bin");
        byte[] b = new byte[21 * MIB + 3];
        new Random(7).nextBytes(b);
        Files.write(big, b);
        tree = dir.resolve("tree");
        for (String f : List.of("a.txt", "sub/b.txt", "sub/deeper/c.txt", "x-y.txt")) {
            Files.createDirectories(tree.resolve(f).getParent());
            Files.writeString(tree.resolve(f), "content of " + f);
        }
    }

    @AfterAll
    static void stop() {
        if (nacre != null) {
            nacre.close();
        }
    }

    // Debian's packages, by their paths: a client of the same name from pip or pyenv on PATH is not one.
    static final String AWS = "/usr/bin/aws";
    static final String S3CMD = "/usr/bin/s3cmd";
    static final String RCLONE = "/usr/bin/rclone";
    static final String PYTHON = "/usr/bin/python3";

    static boolean has(String command) {
        return Files.isExecutable(Path.of(command));
    }

    record Run(int exit, String out) {
    }

    static Run run(Map<String, String> env, String... cmd) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).directory(dir.toFile());
        pb.environment().remove("AWS_CA_BUNDLE");
        pb.environment().putAll(env);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(5, TimeUnit.MINUTES)).isTrue();
        return new Run(p.exitValue(), out);
    }

    static Run ok(Map<String, String> env, String... cmd) throws Exception {
        Run r = run(env, cmd);
        assertThat(r.exit()).as(String.join(" ", cmd) + "\n" + r.out()).isZero();
        return r;
    }

    static String md5(Path p) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(Files.readAllBytes(p)));
    }

    static String fetch(String url) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url.strip())).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return r.body();
    }

    /** The keys in a bucket, through the SDK (the ground truth for what each client did). */
    static List<String> keys(String bucket) {
        try (var s3 = nacre.client()) {
            List<String> out = new ArrayList<>();
            s3.listObjectsV2Paginator(b -> b.bucket(bucket)).contents().forEach(o -> out.add(o.key()));
            return out;
        }
    }

    @Test
    void awsCli() throws Exception {
        assumeTrue(has(AWS), "aws-cli is not installed (conformance/s3/install-clients.sh installs it)");
        Path cfg = dir.resolve("aws-config");
        Files.writeString(cfg, "[default]\nregion = us-east-1\ns3 =\n  addressing_style = path\n");
        Map<String, String> env = Map.of("AWS_ACCESS_KEY_ID", root.accessKey(), "AWS_SECRET_ACCESS_KEY", root.secretKey(),
                "AWS_CONFIG_FILE", cfg.toString(), "AWS_SHARED_CREDENTIALS_FILE", "/dev/null", "AWS_PAGER", "");
        String ep = nacre.endpoint();
        ok(env, AWS, "--endpoint-url", ep, "s3", "mb", "s3://cli-aws");
        ok(env, AWS, "--endpoint-url", ep, "s3", "cp", big.toString(), "s3://cli-aws/data/big.bin");
        ok(env, AWS, "--endpoint-url", ep, "s3", "cp", "s3://cli-aws/data/big.bin", dir.resolve("aws-down.bin").toString());
        assertThat(md5(dir.resolve("aws-down.bin"))).isEqualTo(md5(big));
        ok(env, AWS, "--endpoint-url", ep, "s3", "sync", tree.toString(), "s3://cli-aws/tree");
        assertThat(ok(env, AWS, "--endpoint-url", ep, "s3", "ls", "s3://cli-aws/tree/").out())
                .contains("PRE sub/").contains("a.txt").contains("x-y.txt");
        ok(env, AWS, "--endpoint-url", ep, "s3", "sync", "s3://cli-aws/tree", dir.resolve("aws-tree").toString());
        assertThat(Files.readString(dir.resolve("aws-tree/sub/deeper/c.txt"))).isEqualTo("content of sub/deeper/c.txt");
        String url = ok(env, AWS, "--endpoint-url", ep, "s3", "presign", "s3://cli-aws/tree/a.txt").out();
        assertThat(fetch(url)).isEqualTo("content of a.txt");
        ok(env, AWS, "--endpoint-url", ep, "s3", "rm", "--recursive", "s3://cli-aws/");
        assertThat(keys("cli-aws")).isEmpty();
        ok(env, AWS, "--endpoint-url", ep, "s3", "rb", "s3://cli-aws");
    }

    @Test
    void s3cmd() throws Exception {
        assumeTrue(has(S3CMD), "s3cmd is not installed (conformance/s3/install-clients.sh installs it)");
        Path cfg = dir.resolve("s3cmd.cfg");
        String hostPort = "127.0.0.1:" + nacre.server.port();
        Files.writeString(cfg, String.join("\n", "[default]", "access_key = " + root.accessKey(),
                "secret_key = " + root.secretKey(), "host_base = " + hostPort, "host_bucket = " + hostPort,
                "use_https = False", "signature_v2 = False", "bucket_location = us-east-1",
                "multipart_chunk_size_mb = 5", ""));
        Map<String, String> env = Map.of();
        String c = cfg.toString();
        ok(env, S3CMD, "-c", c, "mb", "s3://cli-s3cmd");
        ok(env, S3CMD, "-c", c, "put", big.toString(), "s3://cli-s3cmd/data/big.bin");
        ok(env, S3CMD, "-c", c, "get", "s3://cli-s3cmd/data/big.bin", dir.resolve("s3cmd-down.bin").toString());
        assertThat(md5(dir.resolve("s3cmd-down.bin"))).isEqualTo(md5(big));
        ok(env, S3CMD, "-c", c, "sync", tree + "/", "s3://cli-s3cmd/tree/");
        assertThat(ok(env, S3CMD, "-c", c, "ls", "s3://cli-s3cmd/tree/").out())
                .contains("DIR").contains("s3://cli-s3cmd/tree/sub/").contains("s3://cli-s3cmd/tree/a.txt");
        String url = ok(env, S3CMD, "-c", c, "signurl", "s3://cli-s3cmd/tree/a.txt", "+600").out();
        assertThat(fetch(url)).isEqualTo("content of a.txt");
        ok(env, S3CMD, "-c", c, "del", "--recursive", "--force", "s3://cli-s3cmd/");
        assertThat(keys("cli-s3cmd")).isEmpty();
        ok(env, S3CMD, "-c", c, "rb", "s3://cli-s3cmd");
    }

    @Test
    void rclone() throws Exception {
        assumeTrue(has(RCLONE), "rclone is not installed (conformance/s3/install-clients.sh installs it)");
        Map<String, String> env = Map.of(
                "RCLONE_CONFIG", dir.resolve("rclone.conf").toString(),
                "RCLONE_CONFIG_NACRE_TYPE", "s3",
                "RCLONE_CONFIG_NACRE_PROVIDER", "Other",
                "RCLONE_CONFIG_NACRE_ACCESS_KEY_ID", root.accessKey(),
                "RCLONE_CONFIG_NACRE_SECRET_ACCESS_KEY", root.secretKey(),
                "RCLONE_CONFIG_NACRE_ENDPOINT", nacre.endpoint(),
                "RCLONE_CONFIG_NACRE_REGION", "us-east-1",
                "RCLONE_CONFIG_NACRE_FORCE_PATH_STYLE", "true");
        ok(env, RCLONE, "mkdir", "nacre:cli-rclone");
        ok(env, RCLONE, "copyto", "--s3-upload-cutoff", "8M", "--s3-chunk-size", "5M", big.toString(),
                "nacre:cli-rclone/data/big.bin");
        ok(env, RCLONE, "copyto", "nacre:cli-rclone/data/big.bin", dir.resolve("rclone-down.bin").toString());
        assertThat(md5(dir.resolve("rclone-down.bin"))).isEqualTo(md5(big));
        ok(env, RCLONE, "sync", tree.toString(), "nacre:cli-rclone/tree");
        assertThat(ok(env, RCLONE, "lsf", "nacre:cli-rclone/tree").out()).contains("sub/").contains("a.txt");
        ok(env, RCLONE, "check", tree.toString(), "nacre:cli-rclone/tree");
        String url = ok(env, RCLONE, "link", "--expire", "1h", "nacre:cli-rclone/tree/a.txt").out();
        assertThat(fetch(url.lines().filter(l -> l.startsWith("http")).findFirst().orElseThrow()))
                .isEqualTo("content of a.txt");
        ok(env, RCLONE, "purge", "nacre:cli-rclone");
        try (var s3 = nacre.client()) {
            assertThat(s3.listBuckets().buckets()).extracting(b -> b.name()).doesNotContain("cli-rclone");
        }
    }

    @Test
    void boto3() throws Exception {
        assumeTrue(run(Map.of(), PYTHON, "-c", "import boto3").exit() == 0,
                "boto3 is not installed (conformance/s3/install-clients.sh installs it)");
        Path script = dir.resolve("boto3_workload.py");
        Files.writeString(script, """
                import sys, os, hashlib, urllib.request
                import boto3
                from boto3.s3.transfer import TransferConfig
                from botocore.config import Config
                ep, ak, sk, big, down = sys.argv[1:6]
                s3 = boto3.client("s3", endpoint_url=ep, aws_access_key_id=ak, aws_secret_access_key=sk,
                                  region_name="us-east-1", config=Config(s3={"addressing_style": "path"}))
                s3.create_bucket(Bucket="cli-boto3")
                cfg = TransferConfig(multipart_threshold=8 * 1024 * 1024, multipart_chunksize=8 * 1024 * 1024)
                s3.upload_file(big, "cli-boto3", "data/big.bin", Config=cfg)
                s3.download_file("cli-boto3", "data/big.bin", down, Config=cfg)
                for k in ["t/a", "t/b/c", "t/b/d", "t/e"]:
                    s3.put_object(Bucket="cli-boto3", Key=k, Body=k.encode())
                r = s3.list_objects_v2(Bucket="cli-boto3", Prefix="t/", Delimiter="/")
                print("keys", [o["Key"] for o in r.get("Contents", [])])
                print("prefixes", [p["Prefix"] for p in r.get("CommonPrefixes", [])])
                url = s3.generate_presigned_url("get_object", Params={"Bucket": "cli-boto3", "Key": "t/a"}, ExpiresIn=600)
                print("presigned", urllib.request.urlopen(url).read().decode())
                keys = [{"Key": o["Key"]} for o in s3.list_objects_v2(Bucket="cli-boto3")["Contents"]]
                s3.delete_objects(Bucket="cli-boto3", Delete={"Objects": keys})
                s3.delete_bucket(Bucket="cli-boto3")
                print("done")
                """);
        Path down = dir.resolve("boto3-down.bin");
        String out = ok(Map.of(), PYTHON, script.toString(), nacre.endpoint(), root.accessKey(), root.secretKey(),
                big.toString(), down.toString()).out();
        assertThat(out).contains("keys ['t/a', 't/e']").contains("prefixes ['t/b/']").contains("presigned t/a")
                .contains("done");
        assertThat(md5(down)).isEqualTo(md5(big));
    }
}
