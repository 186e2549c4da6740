package io.nacre.appliance.image;

import static org.assertj.core.api.Assertions.assertThat;

import io.nacre.appliance.Main;
import io.nacre.appliance.node.NfsOptions;
import io.nacre.nfs.export.ExportTable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a configuration becomes on disk, and that a changed seed changes only what it changed. */
class ApplianceFilesTest {

    @TempDir
    Path root;

    @Test
    void theDefaultsAreDhcpOnEveryEthernetAndAGeneratedKey() throws Exception {
        List<String> changed = ApplianceFiles.install(root, ApplianceFiles.render(ApplianceConfig.defaults()));
        assertThat(changed).containsExactlyInAnyOrder("etc/hostname", "etc/hosts", "etc/systemd/network/50-nacre-0.network",
                "etc/nacre/up.args", "etc/nacre/s3-root.key", "etc/nacre/cluster.secret", "etc/nacre/exports",
                "etc/nacre/appliance.conf");
        assertThat(Files.readString(root.resolve("etc/hostname"))).isEqualTo("nacre\n");
        assertThat(Files.readString(root.resolve("etc/hosts"))).contains("127.0.1.1\tnacre\n");
        assertThat(Files.readString(root.resolve("etc/systemd/network/50-nacre-0.network")))
                .contains("[Match]\nType=ether\n", "DHCP=yes\n", "UseHostname=no");
        assertThat(Files.readAllLines(root.resolve("etc/nacre/up.args"))).containsExactly("--s3-port", "9000", "--admin-port", "9001",
                "--nfs-port", "2049", "--nfs-exports", "/etc/nacre/exports");
        // nacre up reads the export rules with the NFS gateway's parser, header comment and all.
        ExportTable exports = NfsOptions.readExports(root.resolve("etc/nacre/exports"));
        assertThat(exports.path()).isEqualTo("/");
        assertThat(exports.rules()).singleElement().satisfies(r -> {
            assertThat(r.clients().toString()).isEqualTo("*");
            assertThat(r.readOnly()).isFalse();
        });
        assertThat(Files.readString(root.resolve("etc/nacre/s3-root.key"))).isEmpty();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(root.resolve("etc/nacre/s3-root.key"))))
                .isEqualTo("rw-------");
        assertThat(Files.readString(root.resolve("etc/nacre/cluster.secret"))).isEmpty();
        assertThat(Files.readString(root.resolve("etc/nacre/appliance.conf")))
                .contains("seed=none (defaults)\n", "s3_key=generated\n", "network=dhcp\n", "nfs_exports=/ *(rw)\n");
        assertThat(root.resolve("etc/nacre/runcmd")).doesNotExist();

        assertThat(ApplianceFiles.install(root, ApplianceFiles.render(ApplianceConfig.defaults())))
                .as("applying the same configuration again changes nothing").isEmpty();
    }

    @Test
    void aChangedSeedRewritesWhatChangedAndDropsStaleNetworkUnits() throws Exception {
        ApplianceConfig first = ApplianceConfig.from(new Seed("""
                #cloud-config
                hostname: one
                nacre:
                  network:
                    - {interface: ens3}
                    - {interface: ens4, address: 10.9.0.1/24, gateway: 10.9.0.254, dns: 10.9.0.254, mtu: 1400}
                runcmd: [echo one]
                """, "instance-id: a\n", null));
        ApplianceFiles.install(root, ApplianceFiles.render(first));
        assertThat(Files.readString(root.resolve("etc/systemd/network/50-nacre-1.network")))
                .contains("Name=ens4\n", "MTUBytes=1400\n", "DHCP=no\n", "Address=10.9.0.1/24\n", "Gateway=10.9.0.254\n",
                        "DNS=10.9.0.254\n")
                .doesNotContain("[DHCPv4]");
        assertThat(Files.readString(root.resolve("etc/nacre/runcmd"))).startsWith("#!/bin/sh\n").endsWith("\necho one\n");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(root.resolve("etc/nacre/runcmd"))))
                .isEqualTo("rwx------");
        Path data = Files.createDirectories(root.resolve("var/lib/nacre/ost"));

        ApplianceConfig second = ApplianceConfig.from(new Seed("""
                #cloud-config
                hostname: two
                nacre:
                  s3: {access_key: SEEDKEY1, secret_key: seed-secret-1, domain: s3.two.example}
                """, "instance-id: a\n", null));
        List<String> changed = ApplianceFiles.install(root, ApplianceFiles.render(second));
        assertThat(changed).containsExactlyInAnyOrder("etc/hostname", "etc/hosts", "etc/systemd/network/50-nacre-0.network",
                "etc/systemd/network/50-nacre-1.network", "etc/nacre/up.args", "etc/nacre/s3-root.key",
                "etc/nacre/runcmd", "etc/nacre/appliance.conf");
        assertThat(root.resolve("etc/systemd/network/50-nacre-1.network")).doesNotExist();
        assertThat(root.resolve("etc/nacre/runcmd")).doesNotExist();
        assertThat(Files.readString(root.resolve("etc/nacre/s3-root.key"))).isEqualTo("SEEDKEY1\nseed-secret-1\n");
        assertThat(Files.readAllLines(root.resolve("etc/nacre/up.args")))
                .containsExactly("--s3-port", "9000", "--admin-port", "9001", "--nfs-port", "2049", "--nfs-exports",
                        "/etc/nacre/exports", "--s3-domain", "s3.two.example");
        assertThat(Files.readString(root.resolve("etc/nacre/appliance.conf")))
                .contains("seed=cidata (instance-id a)\n", "hostname=two\n", "s3_key=seed\n", "s3_access_key=SEEDKEY1\n")
                .doesNotContain("seed-secret-1");
        assertThat(data).isDirectory();
    }

    @Test
    void aClusterNodeGetsItsPeersAndRolesAsArgumentsAndTheSecretAsACredential() throws Exception {
        ApplianceConfig c = ApplianceConfig.from(new Seed("""
                #cloud-config
                nacre:
                  s3: {access_key: CLUSTERKEY, secret_key: cluster-s3-secret}
                  cluster: lab
                  node: b
                  roles: [mds, ost]
                  secret: sixteen-or-more-chars
                  ost: {first: 4, count: 2}
                  peers:
                    - {id: a, address: "10.0.0.1:9003"}
                    - {id: b, address: "10.0.0.2:9003"}
                    - {id: c, address: "10.0.0.3:9003"}
                """, null, null));
        ApplianceFiles.install(root, ApplianceFiles.render(c));
        assertThat(Files.readAllLines(root.resolve("etc/nacre/up.args"))).containsSubsequence("--osts", "2")
                .containsSubsequence("--cluster", "lab", "--node-id", "b", "--peers",
                        "a=10.0.0.1:9003,b=10.0.0.2:9003,c=10.0.0.3:9003", "--roles", "mds,ost", "--oss-port", "9002",
                        "--first-ost", "4")
                .doesNotContain("--advertise", "sixteen-or-more-chars");
        // what nacre-service runs: nacre up --data --bind, these arguments, and the secret credential
        List<String> up = new ArrayList<>(List.of("up", "--data", "/var/lib/nacre", "--bind", "0.0.0.0"));
        up.addAll(Files.readAllLines(root.resolve("etc/nacre/up.args")));
        up.addAll(List.of("--cluster-secret", "/run/credentials/nacre.service/cluster.secret"));
        assertThat(new CommandLine(new Main()).parseArgs(up.toArray(String[]::new)).subcommand().matchedOptions())
                .as("options nacre up takes").hasSize((up.size() - 1) / 2);
        Path secret = root.resolve("etc/nacre/cluster.secret");
        assertThat(secret).hasContent("sixteen-or-more-chars");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(secret))).isEqualTo("rw-------");
        assertThat(Files.readString(root.resolve("etc/nacre/appliance.conf")))
                .contains("roles=mds,ost\n", "cluster=lab\n", "node=b\n", "peers=a=10.0.0.1:9003,b=10.0.0.2:9003,c=10.0.0.3:9003\n")
                .doesNotContain("sixteen-or-more-chars");
    }

    @Test
    void filesNotOursInTheNetworkDirectoryAreLeftAlone() throws Exception {
        Path mine = Files.createDirectories(root.resolve("etc/systemd/network")).resolve("10-admin.network");
        Files.writeString(mine, "[Match]\nName=eth9\n");
        ApplianceFiles.install(root, ApplianceFiles.render(ApplianceConfig.defaults()));
        assertThat(mine).hasContent("[Match]\nName=eth9");
    }
}
