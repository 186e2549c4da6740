package io.nacre.appliance.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.nacre.appliance.Main;
import io.nacre.appliance.admin.OssSignature;
import io.nacre.nfs.v41.NfsFs;
import io.nacre.nfs.v41.NfsTestClient;
import io.nacre.nfs.v41.xdr.Nfs4;
import io.nacre.nfs.v41.xdr.ReadRes;
import io.nacre.s3.auth.KeyStore;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Three {@code nacre up --peers} processes on 127.0.0.1, .2 and .3, as three machines of a cluster: one
 * 3-peer MDS group, two OSTs each, S3 and NFS gateways each over a metadata client of the group, and a
 * {@code nacre oss} on 127.0.0.4 that joins node 2 with joins signed with the cluster secret. What one node
 * writes every node reads, stripes on every node's OSTs; the node whose MDS peer leads is killed with
 * SIGKILL, the other two keep serving; it comes back and nothing was lost.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ClusterProcessTest {

    private static final Duration START = Duration.ofMinutes(4);
    private static final Duration SETTLE = Duration.ofMinutes(2);
    private static final String ACCESS_KEY = "CLUSTERROOTKEY234567";
    private static final String SECRET_KEY = "the-cluster-root-secret-key";
    private static final int NODES = 3;
    /** Two on each node, and one on the OSS node. */
    private static final int OSTS = 2 * NODES + 1;

    @TempDir
    static Path tmp;

    private final NacreProcess[] nodes = new NacreProcess[NODES];
    private NacreProcess oss;
    private final int[] raftPort = new int[NODES];
    private final int[] ossPort = new int[NODES];
    private final List<S3Client> clients = new ArrayList<>();
    private String peers;
    private Path secret;
    private Path exports;

    private static String host(int i) {
        return "127.0.0." + (i + 1);
    }

    private static String id(int i) {
        return "n" + (i + 1);
    }

    @AfterAll
    void stop() throws Exception {
        clients.forEach(S3Client::close);
        if (oss != null) {
            oss.close();
        }
        for (NacreProcess n : nodes) {
            if (n != null) {
                n.close();
            }
        }
    }

    @Test
    void threeNodesServeOneNamespaceAndKeepServingWhenTheLeadersNodeIsKilled() throws Exception {
        List<String> group = new ArrayList<>();
        for (int i = 0; i < NODES; i++) {
            raftPort[i] = freePort(host(i));
            ossPort[i] = freePort(host(i));
            group.add(id(i) + "=" + host(i) + ":" + raftPort[i]);
        }
        peers = String.join(",", group);
        secret = tmp.resolve("cluster.secret");
        Files.createFile(secret, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(secret, "a-secret-all-three-nodes-share\n");
        exports = Files.writeString(tmp.resolve("exports"), "/ 127.0.0.0/8(rw,no_root_squash)\n");

        for (int i = 0; i < NODES; i++) {
            nodes[i] = launch(i);
        }
        for (NacreProcess n : nodes) {
            n.awaitUp(START);
        }

        // A join signed with another secret is refused, though it comes from this machine: a signature is checked.
        byte[] wrong = "not-the-secret-of-this-cluster".getBytes(StandardCharsets.UTF_8);
        long now = Instant.now().getEpochSecond();
        HttpResponse<String> refused = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create(admin(1) + "/api/v1/oss/cluster"))
                .header(OssSignature.DATE_HEADER, Long.toString(now))
                .header(OssSignature.SIGNATURE_HEADER, OssSignature.sign(wrong, "GET", "/api/v1/oss/cluster", now,
                        new byte[0])).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(refused.statusCode()).isEqualTo(403);
        assertThat(refused.body()).contains("OSS join refused", "signed with another secret").doesNotContain("Secret\"");
        oss = startOss(secret).awaitUp(START);
        for (int i = 0; i < NODES; i++) {
            awaitAllOsts(i);
        }

        // Written on node 1, striped over the OSTs of the three nodes and the OSS node; read on nodes 2 and 3.
        S3Client s3n1 = s3(0);
        s3n1.createBucket(b -> b.bucket("everywhere"));
        assertThat(cli(0, "setstripe", "-c", "-1", "-S", "64K", "/everywhere")).isZero();
        byte[] striped = bytes(1, 6 * 64 * 1024 + 12345);
        s3n1.putObject(b -> b.bucket("everywhere").key("striped.bin"), RequestBody.fromBytes(striped));
        String stripe = cliOut(0, "getstripe", "/everywhere/striped.bin");
        for (int ost = 0; ost < OSTS; ost++) {
            assertThat(stripe).as("a stripe on every OST").contains("OST%04x".formatted(ost));
        }
        for (int i = 1; i < NODES; i++) {
            assertThat(get(i, "everywhere", "striped.bin")).as("read on " + id(i)).isEqualTo(striped);
        }
        // Restriping a file with data is refused in a cluster (another node's gateway could write through the
        // old layout during the swap), in one line, and changes nothing.
        assertThat(cliOut(0, "setstripe", "-c", "2", "/everywhere/striped.bin"))
                .contains("cannot restripe /everywhere/striped.bin").contains("not supported in a cluster");
        assertThat(cliOut(0, "getstripe", "/everywhere/striped.bin")).isEqualTo(stripe);
        assertThat(get(1, "everywhere", "striped.bin")).isEqualTo(striped);

        // A gateway node (no MDS peer, no OSTs) on 127.0.0.5 serves the same namespace through the group.
        try (NacreProcess gateway = NacreProcess.start(tmp.resolve("gw.log"),
                Map.of(KeyStore.ENV_ACCESS_KEY, ACCESS_KEY, KeyStore.ENV_SECRET_KEY, SECRET_KEY),
                "up", "--data", tmp.resolve("gw").toString(), "--bind", "127.0.0.5", "--admin-port", "0", "--s3-port", "0",
                "--nfs-port", "0", "--peers", peers, "--node-id", "gw", "--roles", "s3,nfs", "--cluster-secret",
                secret.toString(), "--oss-port", "0").awaitUp(START)) {
            assertThat(gateway.await(Pattern.compile("^  MDS "), START)).contains("the peers " + peers);
            assertThat(gateway.await(Pattern.compile("^  OSTs "), START)).contains("none here");
            String endpoint = gateway.await(Pattern.compile("S3\\s+(http://127\\.0\\.0\\.5:\\d+)"), START);
            try (S3Client c = S3Client.builder().endpointOverride(URI.create(endpoint)).region(Region.US_EAST_1)
                    .forcePathStyle(true).credentialsProvider(StaticCredentialsProvider.create(
                            AwsBasicCredentials.create(ACCESS_KEY, SECRET_KEY))).build()) {
                assertThat(c.getObjectAsBytes(r -> r.bucket("everywhere").key("striped.bin")).asByteArray())
                        .isEqualTo(striped);
            }
        }

        // Over NFS on node 3: the same bytes; a file written there is an object on node 1.
        int nfsPort = Integer.parseInt(nodes[2].await(Pattern.compile("NFS\\s+" + Pattern.quote(host(2)) + ":(\\d+)"),
                START));
        byte[] viaNfs = bytes(4, 150_000);
        try (NfsTestClient c = NfsTestClient.connect(new InetSocketAddress(host(2), nfsPort))) {
            c.mount("cluster-test");
            NfsFs fs = new NfsFs(c, "owner");
            byte[] dir = fs.lookup(fs.root(), "everywhere");
            NfsFs.Opened f = NfsFs.opened(fs.open(dir, "striped.bin", Nfs4.OPEN4_SHARE_ACCESS_READ));
            ByteArrayOutputStream read = new ByteArrayOutputStream();
            ReadRes r;
            do {
                r = fs.read(f.fh(), f.stateid(), read.size(), 256 * 1024);
                read.writeBytes(NfsFs.data(r));
            } while (!r.eof());
            fs.close(f);
            assertThat(read.toByteArray()).isEqualTo(striped);
            NfsFs.Opened w = fs.create(dir, "nfs.bin", 0644);
            fs.write(w, 0, viaNfs, Nfs4.FILE_SYNC4);
            fs.close(w);
            c.unmount();
        }
        assertThat(get(0, "everywhere", "nfs.bin")).isEqualTo(viaNfs);

        int leader = awaitLeader();
        int a = (leader + 1) % NODES;
        int b = (leader + 2) % NODES;
        // a directory whose files stay on a survivor's OSTs (the pool named after its node)
        s3n1.createBucket(r -> r.bucket("survivor"));
        assertThat(cli(0, "setstripe", "-c", "2", "-p", id(a), "/survivor")).isZero();
        byte[] before = bytes(2, 300_000);
        s3(leader).putObject(r -> r.bucket("survivor").key("before.bin"), RequestBody.fromBytes(before));
        assertThat(cliOut(0, "getstripe", "/survivor/before.bin")).as("on the OSTs of " + id(a) + " only")
                .contains("OST%04x".formatted(2 * a), "OST%04x".formatted(2 * a + 1))
                .doesNotContain("OST%04x".formatted(2 * b), "OST%04x".formatted(2 * leader));

        nodes[leader].kill();

        // The two survivors elect a leader among themselves and keep serving metadata and the data on their OSTs.
        byte[] after = bytes(3, 200_000);
        putUntilServed(b, "survivor", "after.bin", after);
        assertThat(get(a, "survivor", "after.bin")).isEqualTo(after);
        assertThat(get(b, "survivor", "before.bin")).isEqualTo(before);
        assertThat(s3(a).listObjectsV2(r -> r.bucket("survivor")).contents()).extracting(S3Object::key)
                .containsExactly("after.bin", "before.bin");
        assertThat(awaitLeader()).isIn(a, b);

        // The killed node comes back on its data directory: it catches up, and every byte is there everywhere.
        nodes[leader] = launch(leader).awaitUp(START);
        awaitAllOsts(leader);
        for (int i = 0; i < NODES; i++) {
            assertThat(get(i, "everywhere", "striped.bin")).as("striped read on " + id(i)).isEqualTo(striped);
            assertThat(get(i, "survivor", "before.bin")).as("before read on " + id(i)).isEqualTo(before);
            assertThat(get(i, "survivor", "after.bin")).as("after read on " + id(i)).isEqualTo(after);
            assertThat(get(i, "everywhere", "nfs.bin")).as("NFS-written read on " + id(i)).isEqualTo(viaNfs);
        }
    }

    private NacreProcess launch(int i) throws IOException {
        return NacreProcess.start(tmp.resolve(id(i) + ".log"),
                Map.of(KeyStore.ENV_ACCESS_KEY, ACCESS_KEY, KeyStore.ENV_SECRET_KEY, SECRET_KEY),
                "up", "--data", tmp.resolve(id(i)).toString(), "--bind", host(i), "--admin-port", "0", "--s3-port", "0",
                "--nfs-port", "0", "--nfs-exports", exports.toString(), "--peers", peers, "--node-id", id(i), "--cluster-secret", secret.toString(),
                "--oss-port", Integer.toString(ossPort[i]), "--osts", "2", "--first-ost", Integer.toString(2 * i));
    }

    /** A `nacre oss` on 127.0.0.4 with OST 6, joining node 2 with joins signed with this secret file. */
    private NacreProcess startOss(Path withSecret) throws Exception {
        return NacreProcess.start(tmp.resolve("oss.log"), "oss", "--data", tmp.resolve("oss").toString(), "--join",
                admin(1), "--bind", "127.0.0.4", "--oss-port", "0", "--nfs-ds-port", "-1", "--first-ost",
                Integer.toString(2 * NODES), "--osts", "1", "--cluster-secret", withSecret.toString(), "--join-wait", "60");
    }

    /** The current admin endpoint of node i (ports are ephemeral: a restarted node prints its new one). */
    private String admin(int i) throws InterruptedException {
        return nodes[i].await(Pattern.compile("admin\\s+(http://" + Pattern.quote(host(i)) + ":\\d+)"), START);
    }

    private S3Client s3(int i) throws InterruptedException {
        String endpoint = nodes[i].await(Pattern.compile("S3\\s+(http://" + Pattern.quote(host(i)) + ":\\d+)"), START);
        S3Client c = S3Client.builder()
                .endpointOverride(URI.create(endpoint))
                .region(Region.US_EAST_1)
                .forcePathStyle(true)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(ACCESS_KEY, SECRET_KEY)))
                .build();
        clients.add(c);
        return c;
    }

    private byte[] get(int i, String bucket, String key) throws InterruptedException {
        return s3(i).getObjectAsBytes(r -> r.bucket(bucket).key(key)).asByteArray();
    }

    /** A PUT right after the leader's loss may meet the election: it is retried until the group answers. */
    private void putUntilServed(int i, String bucket, String key, byte[] data) throws InterruptedException {
        S3Client c = s3(i);
        long deadline = System.nanoTime() + SETTLE.toNanos();
        while (true) {
            try {
                c.putObject(r -> r.bucket(bucket).key(key), RequestBody.fromBytes(data));
                return;
            } catch (RuntimeException e) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("the survivors did not take a PUT within " + SETTLE, e);
                }
                Thread.sleep(200); // the election happens in other processes: poll with a deadline
            }
        }
    }

    /** Polls node i's df until it reaches every OST (each node learns the others' as they register). */
    private void awaitAllOsts(int i) throws InterruptedException {
        long deadline = System.nanoTime() + SETTLE.toNanos();
        String last = "";
        while (System.nanoTime() < deadline) {
            last = cliOut(i, "df");
            if (last.contains("OST%04x".formatted(OSTS - 1))) {
                return;
            }
            Thread.sleep(200); // polling another process's state with a deadline
        }
        throw new AssertionError(id(i) + " does not reach every OST within " + SETTLE + ": " + last);
    }

    /** The node whose MDS peer leads, from the nodes' metrics (a new leader may take an election to appear). */
    private int awaitLeader() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        long deadline = System.nanoTime() + SETTLE.toNanos();
        while (System.nanoTime() < deadline) {
            for (int i = 0; i < NODES; i++) {
                if (!nodes[i].alive()) {
                    continue;
                }
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(admin(i) + "/metrics")).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (r.body().lines().anyMatch(l -> l.startsWith("nacre_mds_leader ") && l.endsWith(" 1.0"))) {
                    return i;
                }
            }
            Thread.sleep(200); // polling the processes' metrics with a deadline
        }
        throw new AssertionError("no MDS peer leads within " + SETTLE);
    }

    private int cli(int i, String... args) throws InterruptedException {
        String[] all = new String[args.length + 2];
        all[0] = "--admin";
        all[1] = admin(i);
        System.arraycopy(args, 0, all, 2, args.length);
        return Main.run(all, new PrintWriter(new StringWriter()), new PrintWriter(new StringWriter()));
    }

    private String cliOut(int i, String... args) throws InterruptedException {
        String[] all = new String[args.length + 2];
        all[0] = "--admin";
        all[1] = admin(i);
        System.arraycopy(args, 0, all, 2, args.length);
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        Main.run(all, new PrintWriter(out, true), new PrintWriter(err, true));
        return out + err.toString();
    }

    private static byte[] bytes(long seed, int n) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static int freePort(String host) throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName(host))) {
            return s.getLocalPort();
        }
    }
}
