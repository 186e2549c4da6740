package io.nacre.appliance.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nacre.appliance.Main;
import io.nacre.engine.NacreException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The admin verbs through the real CLI against a real node (MDS, OSTs, admin endpoint) on 127.0.0.1. */
class NodeTest {

    @TempDir
    Path tmp;

    record Run(int code, String out, String err) {
    }

    static Run cli(Node node, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        String[] all = new String[args.length + 2];
        all[0] = "--admin";
        all[1] = node.adminUri();
        System.arraycopy(args, 0, all, 2, args.length);
        int code = Main.run(all, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void verbsWorkAndEveryByteSurvivesARestart() throws Exception {
        Path data = tmp.resolve("data");
        byte[] content = new byte[3 * 1024 * 1024 + 12345];
        new Random(7).nextBytes(content);
        Path local = Files.write(tmp.resolve("in.bin"), content);
        try (Node node = Node.start(NodeOptions.ephemeral(data))) {
            assertThat(cli(node, "mkdir", "-p", "/data/run1").code()).isZero();
            assertThat(cli(node, "setstripe", "-c", "4", "-S", "256K", "/data/run1").code()).isZero();
            assertThat(cli(node, "put", local.toString(), "/data/run1/in.bin").code()).isZero();

            Run stripe = cli(node, "getstripe", "/data/run1/in.bin");
            assertThat(stripe.out()).contains("stripe_count: 4", "stripe_size:  262144", "OST0000", "OST0003");
            Run json = cli(node, "getstripe", "--json", "/data/run1/in.bin");
            assertThat(json.out()).contains("\"stripe_count\" : 4", "\"pattern\" : \"raid0\"");

            Run ls = cli(node, "ls", "-l", "/data/run1");
            assertThat(ls.out()).contains("-rw-r--r--", Integer.toString(content.length), "in.bin");
            Run df = cli(node, "df", "--json");
            assertThat(df.out()).contains("\"name\" : \"OST0003\"", "\"files_total\"");
            // the four OSTs share the data directory's disk: its free space is counted once in the total
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"bytes_free\" : (\\d+)").matcher(df.out());
            long totalFree = -1;
            while (m.find()) {
                totalFree = Long.parseLong(m.group(1));
            }
            assertThat(totalFree).isPositive()
                    .isLessThanOrEqualTo(Files.getFileStore(data).getUsableSpace() + (256L << 20));
            assertThat(health(node)).contains("\"status\" : \"ok\"");

            // setstripe on a file with data restripes it (lfs migrate)
            assertThat(cli(node, "setstripe", "-c", "2", "-S", "64K", "/data/run1/in.bin").code()).isZero();
            assertThat(cli(node, "getstripe", "/data/run1/in.bin").out()).contains("stripe_count: 2",
                    "stripe_size:  65536");
            Path moved = tmp.resolve("moved.bin");
            assertThat(cli(node, "get", "/data/run1/in.bin", moved.toString()).code()).isZero();
            assertThat(Files.readAllBytes(moved)).isEqualTo(content);
        }
        try (Node node = Node.start(NodeOptions.ephemeral(data))) {
            assertThat(cli(node, "getstripe", "/data/run1/in.bin").out()).contains("stripe_count: 2");
            Path back = tmp.resolve("out.bin");
            assertThat(cli(node, "get", "/data/run1/in.bin", back.toString()).code()).isZero();
            assertThat(Files.readAllBytes(back)).isEqualTo(content);
            assertThat(cli(node, "rm", "-r", "/data").code()).isZero();
            assertThat(cli(node, "ls", "/").out()).doesNotContain("data");
        }
    }

    @Test
    void badInputIsOneLineAndANonZeroExit() throws Exception {
        try (Node node = Node.start(NodeOptions.ephemeral(tmp.resolve("data")))) {
            assertOneLineFailure(cli(node, "ls", "/nope"), "no such file or directory: /nope");
            assertOneLineFailure(cli(node, "setstripe", "-c", "9", "/f"), "more than the 4 OSTs");
            assertOneLineFailure(cli(node, "setstripe", "-S", "100K", "/f"), "multiple of 64 KiB");
            assertThat(cli(node, "put", Files.write(tmp.resolve("g.bin"), new byte[] {1, 2, 3}).toString(), "/g")
                    .code()).isZero();
            assertOneLineFailure(cli(node, "setstripe", "-E", "1M", "-L", "mdt", "-E", "-1", "-c", "1", "/g"),
                    "cannot be restriped to data-on-MDT");
            assertOneLineFailure(cli(node, "put", tmp.resolve("missing").toString(), "/f"), "no such file");
            assertOneLineFailure(cli(node, "get", "/nope", tmp.resolve("x").toString()), "no such file or directory");
            cli(node, "mkdir", "/d");
            cli(node, "mkdir", "/d/e");
            assertOneLineFailure(cli(node, "rm", "/d"), "not empty");
            assertOneLineFailure(cli(node, "mkdir", "/d"), "already exists");
            assertOneLineFailure(cli(node, "mkdir", "/x/y"), "mkdir -p");
        }
        StringWriter err = new StringWriter();
        int code = Main.run(new String[] {"--admin", "http://127.0.0.1:1", "ls", "/"}, new PrintWriter(new StringWriter()),
                new PrintWriter(err, true));
        assertThat(code).isNotZero();
        assertThat(err.toString()).contains("no Nacre admin endpoint").doesNotContain("Exception");
    }

    /** A data directory of a node (four OSTs) that stored /f = {1, 2, 3} and stopped. */
    private Path dataWithOneFile() throws Exception {
        Path data = tmp.resolve("data");
        Path local = Files.write(tmp.resolve("f"), new byte[] {1, 2, 3});
        try (Node node = Node.start(NodeOptions.ephemeral(data))) {
            assertThat(cli(node, "put", local.toString(), "/f").code()).isZero();
        }
        return data;
    }

    @Test
    void fewerOstsThanAnEarlierRunServedIsRefusedInOneLineAndChangesNothing() throws Exception {
        Path data = dataWithOneFile();
        // an MDS-only restart of a data directory whose four OSTs this node served: refused, naming them
        assertThatThrownBy(() -> Node.start(NodeOptions.ephemeral(data).withOstCount(0)))
                .isInstanceOf(io.nacre.engine.NacreException.class)
                .hasMessageContaining("OST0000, OST0001, OST0002, OST0003")
                .hasMessageContaining("start with --osts 4")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
        assertThatThrownBy(() -> Node.start(NodeOptions.ephemeral(data).withOstCount(3)))
                .hasMessageContaining("OST0003 of ")
                .hasMessageContaining("start with --osts 4");
        // and the file is still served by a start that keeps them
        try (Node node = Node.start(NodeOptions.ephemeral(data))) {
            Path back = tmp.resolve("back");
            assertThat(cli(node, "get", "/f", back.toString()).code()).isZero();
            assertThat(Files.readAllBytes(back)).containsExactly(1, 2, 3);
        }
    }

    @Test
    void oldOstsRefuseAReformattedMds() throws Exception {
        Path data = dataWithOneFile();
        try (var walk = Files.walk(data.resolve("mdt"))) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
        assertThatThrownBy(() -> Node.start(NodeOptions.ephemeral(data)))
                .hasMessageContaining("belongs to file system")
                .hasMessageContaining("re-formatted");
    }

    @Test
    void anObjectPutOverS3IsAFileForTheVerbsAndKeysComeFromTheCli() throws Exception {
        Path data = tmp.resolve("data");
        try (Node node = Node.start(NodeOptions.ephemeral(data))) {
            StringWriter out = new StringWriter();
            int code = Main.run(new String[] {"keys", "--data", data.toString(), "root"}, new PrintWriter(out, true),
                    new PrintWriter(new StringWriter(), true));
            assertThat(code).isZero();
            List<String> lines = out.toString().lines().toList();
            assertThat(lines).hasSize(2);
            assertThat(lines.get(0)).startsWith("access_key=");
            assertThat(lines.get(1)).startsWith("secret_key=");
            String ak = lines.get(0).substring("access_key=".length());
            String sk = lines.get(1).substring("secret_key=".length());
            assertThat(ak).isEqualTo(node.keys().root().accessKey());

            try (S3Client s3 = S3Client.builder()
                    .endpointOverride(URI.create(node.s3Uri()))
                    .region(Region.US_EAST_1)
                    .forcePathStyle(true)
                    .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(ak, sk)))
                    .build()) {
                s3.createBucket(b -> b.bucket("bkt"));
                s3.putObject(b -> b.bucket("bkt").key("dir/obj.txt"), RequestBody.fromString("over S3"));
            }
            Path back = tmp.resolve("obj.txt");
            assertThat(cli(node, "get", "/bkt/dir/obj.txt", back.toString()).code()).isZero();
            assertThat(Files.readString(back)).isEqualTo("over S3");
            assertThat(health(node)).contains("\"s3\" : \"ok\"");
        }
    }

    @Test
    void aRestripedObjectKeepsItsEtagAndBytes() throws Exception {
        try (Node node = Node.start(NodeOptions.ephemeral(tmp.resolve("data")));
                S3Client s3 = S3Client.builder()
                        .endpointOverride(URI.create(node.s3Uri()))
                        .region(Region.US_EAST_1)
                        .forcePathStyle(true)
                        .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(
                                node.keys().root().accessKey(), node.keys().root().secretKey())))
                        .build()) {
            s3.createBucket(b -> b.bucket("bkt"));
            Random random = new Random(11);
            byte[] single = new byte[700_000];
            random.nextBytes(single);
            s3.putObject(b -> b.bucket("bkt").key("single"), RequestBody.fromBytes(single));
            byte[] first = new byte[5 * 1024 * 1024];
            byte[] last = new byte[123_456];
            random.nextBytes(first);
            random.nextBytes(last);
            String upload = s3.createMultipartUpload(b -> b.bucket("bkt").key("multi")).uploadId();
            String e1 = s3.uploadPart(b -> b.bucket("bkt").key("multi").uploadId(upload).partNumber(1),
                    RequestBody.fromBytes(first)).eTag();
            String e2 = s3.uploadPart(b -> b.bucket("bkt").key("multi").uploadId(upload).partNumber(2),
                    RequestBody.fromBytes(last)).eTag();
            s3.completeMultipartUpload(b -> b.bucket("bkt").key("multi").uploadId(upload).multipartUpload(m -> m
                    .parts(CompletedPart.builder().partNumber(1).eTag(e1).build(),
                            CompletedPart.builder().partNumber(2).eTag(e2).build())));
            String singleTag = s3.headObject(b -> b.bucket("bkt").key("single")).eTag();
            String multiTag = s3.headObject(b -> b.bucket("bkt").key("multi")).eTag();
            assertThat(multiTag).endsWith("-2\"");

            for (String key : List.of("single", "multi")) {
                Run r = cli(node, "setstripe", "-c", "3", "-S", "64K", "/bkt/" + key);
                assertThat(r.code()).as(r.err()).isZero();
                assertThat(cli(node, "getstripe", "/bkt/" + key).out()).contains("stripe_count: 3");
            }

            // the bytes did not change, so neither does the ETag a client may hold (If-Match, sync tools)
            assertThat(s3.headObject(b -> b.bucket("bkt").key("single")).eTag()).isEqualTo(singleTag);
            assertThat(s3.headObject(b -> b.bucket("bkt").key("multi")).eTag()).isEqualTo(multiTag);
            assertThat(s3.getObjectAsBytes(b -> b.bucket("bkt").key("single").ifMatch(singleTag)).asByteArray())
                    .isEqualTo(single);
            byte[] whole = s3.getObjectAsBytes(b -> b.bucket("bkt").key("multi").ifMatch(multiTag)).asByteArray();
            assertThat(java.util.Arrays.copyOf(whole, first.length)).isEqualTo(first);
            assertThat(java.util.Arrays.copyOfRange(whole, first.length, whole.length)).isEqualTo(last);
        }
    }

    @Test
    void listenersBindTheGivenAddressOnly() throws Exception {
        try (Node node = Node.start(NodeOptions.ephemeral(tmp.resolve("data")).withBind("127.0.0.2"))) {
            assertThat(node.adminUri()).startsWith("http://127.0.0.2:");
            assertThat(health(node)).contains("\"status\" : \"ok\"");
            assertThat(cli(node, "mkdir", "/over-127-0-0-2").code()).as("loopback callers may use the verbs").isZero();
            int adminPort = URI.create(node.adminUri()).getPort();
            int s3Port = URI.create(node.s3Uri()).getPort();
            for (int port : new int[] {adminPort, s3Port}) {
                // Not "nothing listens there": the kernel may give the same port number on 127.0.0.1 to another
                // listener (the node's own MDS is on 127.0.0.1), so the check is that this node does not answer.
                assertThat(answersAsNacre("127.0.0.1", port)).as("this node answers on 127.0.0.1:" + port).isFalse();
                assertThat(answersAsNacre("127.0.0.2", port)).as("this node answers on 127.0.0.2:" + port).isTrue();
            }
        }
    }

    /** Whether Nacre's admin endpoint or S3 gateway answers an HTTP GET /health there. */
    private static boolean answersAsNacre(String host, int port) throws InterruptedException {
        try {
            HttpResponse<String> r = HttpClient.newBuilder().connectTimeout(java.time.Duration.ofSeconds(5)).build()
                    .send(HttpRequest.newBuilder(URI.create("http://" + host + ":" + port + "/health"))
                            .timeout(java.time.Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
            return r.headers().firstValue("x-amz-request-id").isPresent() || r.body().contains("\"status\"");
        } catch (java.io.IOException e) {
            return false; // refused, or something that does not speak HTTP/1.1
        }
    }

    private static void assertOneLineFailure(Run r, String message) {
        assertThat(r.code()).isNotZero();
        assertThat(r.err()).contains(message);
        assertThat(r.err().strip().lines()).hasSize(1);
        assertThat(r.err()).doesNotContain("Exception", "\tat ");
    }

    private static String health(Node node) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create(node.adminUri() + "/health")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        return r.body();
    }
}
