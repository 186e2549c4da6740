package io.nacre.conformance.image;

import static org.assertj.core.api.Assertions.assertThat;

import io.nacre.conformance.guest.GuestVm;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The first-boot variants ApplianceBootTest does not take, each booted once, briefly, from one built image: no
 * seed and no data disk (the all-in-one defaults, a generated S3 key on the console, the data on the root
 * disk); a vfat "cidata" seed whose network-config gives a static address. Each waits for health, reads the
 * console banner and nacre up's own lines for the guest's real address, and puts and gets an object through
 * the S3 port forwarded on the host's 127.0.0.1. The VMs are thrown away (killed), not shut down:
 * ApplianceBootTest checks the clean shutdown and what survives it.
 */
@Tag("guest")
@Tag("appliance")
class ApplianceVariantsTest {

    private static final Path RUNS = Path.of("target", "appliance-variants").toAbsolutePath();
    private static final Duration HEALTHY = Duration.ofMinutes(20);
    /** QEMU's user network: the address its DHCP hands out, its gateway and DNS, and its first NIC's MAC. */
    private static final String DHCP_ADDRESS = "10.0.2.15";
    private static final String STATIC_ADDRESS = "10.0.2.20";
    private static final String QEMU_MAC = "52:54:00:12:34:56";

    private static Path image;

    @BeforeAll
    static void buildImage() throws Exception {
        Optional<String> why = GuestVm.whyHostCannotRunQemu();
        Assumptions.assumeTrue(why.isEmpty(), () -> "skipped: this host cannot run QEMU guests: " + why.orElseThrow());
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")),
                "skipped: building the appliance image needs root (mmdebstrap); run appliance-image/image/build.sh as root");
        image = ApplianceVm.build(RUNS.resolve("build.log"), Duration.ofMinutes(60));
    }

    @Test
    void withoutSeedOrDataDiskItComesUpAllInOneWithAGeneratedKeyAndItsDataOnTheRootDisk() throws Exception {
        Path dir = ApplianceBootTest.fresh(RUNS.resolve("defaults"));
        Instant start = Instant.now();
        try (ApplianceVm vm = ApplianceVm.boot(image, dir.resolve("root.qcow2"), null, null, null, dir, "defaults",
                Duration.ofMinutes(30))) {
            Duration healthy = vm.awaitHealthy(HEALTHY);
            System.out.printf("appliance variant no seed, no data disk: healthy %d s after QEMU started%n",
                    healthy.toSeconds());
            assertThat(vm.consoleText()).contains(
                    "nacre-configure: no seed disk: first boot, applying the defaults",
                    "nacre-data: no data disk attached: the data lives on the root disk under /var/lib/nacre");
            String banner = banner(vm, "nacre");
            assertThat(banner).contains("NFS    " + DHCP_ADDRESS + ":/", "S3     http://" + DHCP_ADDRESS + ":9000",
                    "admin  http://" + DHCP_ADDRESS + ":9001", "roles  mds ok", "exports / *(rw)");
            Matcher key = Pattern.compile("S3 root key \\(generated\\): access_key=(\\S+) secret_key=(\\S+)").matcher(banner);
            assertThat(key.find()).as("the generated key on the console; %s", banner).isTrue();
            assertNacreUpSays(vm, DHCP_ADDRESS);
            putAndGet(vm, key.group(1), key.group(2));
        }
        System.out.printf("appliance variant no seed, no data disk: %d s in all%n", Duration.between(start, Instant.now()).toSeconds());
    }

    @Test
    void aVfatSeedWithAStaticNetworkIsAppliedAndServedAtThatAddress() throws Exception {
        Path dir = ApplianceBootTest.fresh(RUNS.resolve("static-vfat"));
        String userData = """
                #cloud-config
                hostname: nacre-static
                nacre:
                  s3: {access_key: STATICKEY, secret_key: static-secret-1}
                """;
        String networkConfig = """
                version: 2
                ethernets:
                  lan:
                    match: {macaddress: "%s"}
                    addresses: [%s/24]
                    gateway4: 10.0.2.2
                    nameservers: {addresses: [10.0.2.3]}
                """.formatted(QEMU_MAC, STATIC_ADDRESS);
        Path seed = ApplianceVm.seed(dir.resolve("seed"), userData, "instance-id: static-vfat\n", networkConfig, true);
        Instant start = Instant.now();
        try (ApplianceVm vm = ApplianceVm.boot(image, dir.resolve("root.qcow2"), dir.resolve("data.raw"), seed,
                STATIC_ADDRESS, dir, "static-vfat", Duration.ofMinutes(30))) {
            Duration healthy = vm.awaitHealthy(HEALTHY);
            System.out.printf("appliance variant vfat seed, static network: healthy %d s after QEMU started%n",
                    healthy.toSeconds());
            assertThat(vm.consoleText()).contains("nacre-configure: seed found on /dev/vdc",
                    "nacre-data: formatting the blank disk /dev/vdb");
            String banner = banner(vm, "nacre-static");
            assertThat(banner).contains("NFS    " + STATIC_ADDRESS + ":/", "S3     http://" + STATIC_ADDRESS + ":9000",
                    "admin  http://" + STATIC_ADDRESS + ":9001", "static " + STATIC_ADDRESS + "/24, via 10.0.2.2",
                    "S3 root key: access_key=STATICKEY (from the seed)").doesNotContain(DHCP_ADDRESS);
            assertNacreUpSays(vm, STATIC_ADDRESS);
            putAndGet(vm, "STATICKEY", "static-secret-1");
        }
        System.out.printf("appliance variant vfat seed, static network: %d s in all%n",
                Duration.between(start, Instant.now()).toSeconds());
    }

    /** The console's last banner once it says {@code hostname} is healthy. */
    private static String banner(ApplianceVm vm, String hostname) throws Exception {
        Pattern healthy = Pattern.compile("Nacre appliance " + Pattern.quote(hostname) + ": ok\\R");
        assertThat(vm.awaitConsole(healthy, Duration.ofMinutes(3)))
                .as("the banner says %s is healthy; %s", hostname, vm.diagnostics()).isTrue();
        String console = vm.consoleText().replace("\r", "");
        String banner = console.substring(ApplianceBootTest.lastMatch(healthy, console));
        int end = banner.indexOf("\n\n");
        return end < 0 ? banner : banner.substring(0, end);
    }

    /** nacre up, bound to 0.0.0.0 in the appliance, names the guest's address on the console, not 127.0.0.1. */
    private static void assertNacreUpSays(ApplianceVm vm, String address) throws Exception {
        assertThat(vm.consoleText()).contains("NFS     " + address + ":2049  (mount -t nfs -o vers=4.1,port=2049 "
                + address + ":/ /mnt)", "S3      http://" + address + ":9000", "admin   http://" + address + ":9001",
                "bound to 0.0.0.0: every address of this machine, " + address + ", 127.0.0.1\r");
    }

    private static void putAndGet(ApplianceVm vm, String accessKey, String secretKey) {
        byte[] object = new byte[256 << 10];
        new Random(7).nextBytes(object);
        try (S3Client s3 = ApplianceBootTest.s3(vm, accessKey, secretKey)) {
            s3.createBucket(b -> b.bucket("variant"));
            s3.putObject(b -> b.bucket("variant").key("hello.bin"), RequestBody.fromBytes(object));
            assertThat(s3.getObjectAsBytes(b -> b.bucket("variant").key("hello.bin")).asByteArray()).isEqualTo(object);
        }
    }
}
