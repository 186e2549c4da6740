package io.nacre.appliance.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Reading the appliance's NoCloud seed: what each key means, and a clear refusal for what is wrong. */
class ApplianceConfigTest {

    static ApplianceConfig user(String yaml) {
        return ApplianceConfig.from(new Seed("#cloud-config\n" + yaml, null, null));
    }

    static void refused(String yaml, String... messageParts) {
        assertThatThrownBy(() -> user(yaml)).isInstanceOf(SeedException.class).hasMessageContainingAll(messageParts);
    }

    @Test
    void anEmptySeedIsTheAllInOneDefault() {
        ApplianceConfig c = ApplianceConfig.from(new Seed(null, null, null));
        assertThat(c.hostname()).isEqualTo("nacre");
        assertThat(c.network()).isEqualTo(NetworkConfig.dhcp());
        assertThat(c.s3().keyFromSeed()).isFalse();
        assertThat(c.s3().port()).isEqualTo(9000);
        assertThat(c.adminPort()).isEqualTo(9001);
        assertThat(c.nfs()).isEqualTo(new ApplianceConfig.Nfs("/ *(rw)", 2049));
        assertThat(c.roles()).containsExactly("mds", "ost", "nfs", "s3");
        assertThat(c.cluster()).isNull();
        assertThat(c.ost()).isEqualTo(new ApplianceConfig.Ost(0, 4, 9002));
        assertThat(c.fromSeed()).isTrue();
        assertThat(ApplianceConfig.defaults().fromSeed()).isFalse();
    }

    @Test
    void everyKeyOfAFullSeedIsRead() {
        ApplianceConfig c = ApplianceConfig.from(new Seed("""
                #cloud-config
                hostname: store-1
                fqdn: store-1.lab.example
                nacre:
                  network:
                    interface: ens*
                    address: 192.0.2.10/24
                    gateway: 192.0.2.1
                    dns: [192.0.2.53, "2001:db8::53"]
                    search: lab.example
                    mtu: 9000
                  s3:
                    access_key: LABKEY01
                    secret_key: "s3cr3t/with+chars=ok"
                    domain: s3.lab.example
                    port: 8080
                  nfs:
                    exports: "/ 192.0.2.0/24(rw,no_root_squash) *(ro)"
                    port: 2050
                  admin:
                    port: 9101
                  roles: [s3, nfs, mds, ost]
                  ost: {count: 2}
                runcmd:
                  - echo hello > /tmp/x
                  - [sh, -c, "echo it's $HOME"]
                packages: [htop]
                users: [default]
                """, "instance-id: i-42\nlocal-hostname: ignored-when-user-data-names-it\n", null));
        assertThat(c.instanceId()).isEqualTo("i-42");
        assertThat(c.hostname()).isEqualTo("store-1");
        assertThat(c.fqdn()).isEqualTo("store-1.lab.example");
        NetworkConfig.Link l = c.network().links().get(0);
        assertThat(l.name()).isEqualTo("ens*");
        assertThat(l.dhcp4()).isFalse();
        assertThat(l.addresses()).containsExactly("192.0.2.10/24");
        assertThat(l.gateway4()).isEqualTo("192.0.2.1");
        assertThat(l.dns()).containsExactly("192.0.2.53", "2001:db8::53");
        assertThat(l.search()).containsExactly("lab.example");
        assertThat(l.mtu()).isEqualTo(9000);
        assertThat(c.s3()).isEqualTo(new ApplianceConfig.S3("LABKEY01", "s3cr3t/with+chars=ok", "s3.lab.example", 8080));
        assertThat(c.nfs()).isEqualTo(new ApplianceConfig.Nfs("/ 192.0.2.0/24(rw,no_root_squash) *(ro)", 2050));
        assertThat(c.adminPort()).isEqualTo(9101);
        assertThat(c.roles()).containsExactly("mds", "ost", "nfs", "s3");
        assertThat(c.runcmd()).containsExactly("echo hello > /tmp/x", "sh -c 'echo it'\\''s $HOME'");
        assertThat(c.ignored()).containsExactly("packages", "users");
    }

    @Test
    void theHostNameComesFromMetaDataWhenUserDataHasNone() {
        ApplianceConfig c = ApplianceConfig.from(new Seed(null, "instance-id: 7\nlocal-hostname: nas.example.org\n", null));
        assertThat(c.instanceId()).isEqualTo("7");
        assertThat(c.hostname()).isEqualTo("nas");
        assertThat(c.fqdn()).isEqualTo("nas.example.org");
    }

    @Test
    void userDataMustBeCloudConfig() {
        assertThatThrownBy(() -> ApplianceConfig.from(new Seed("#!/bin/sh\necho hi\n", null, null)))
                .hasMessageContaining("#cloud-config").hasMessageContaining("runcmd");
        assertThatThrownBy(() -> ApplianceConfig.from(new Seed("hostname: x\n", null, null)))
                .hasMessageContaining("must start with the line #cloud-config");
    }

    @Test
    void mistakesAreRefusedWithTheKeyAndWhatIsExpected() {
        refused("nacre:\n  s3:\n    acces_key: x\n", "nacre.s3", "unknown key(s) [acces_key]");
        refused("nacre:\n  nfs: {export: x}\n", "nacre.nfs", "[export]");
        refused("nacre:\n  s3:\n    access_key: ABCDEFGH\n", "access_key and secret_key together");
        refused("nacre:\n  s3:\n    access_key: ABCDEFGH\n    secret_key: 12345678\n", "nacre.s3.secret_key",
                "must be a string", "quote it");
        refused("nacre:\n  s3:\n    access_key: 'bad key!'\n    secret_key: abcdefgh\n", "Nacre refuses");
        refused("nacre:\n  s3:\n    access_key: GOODKEY\n    secret_key: short\n", "shorter than 8");
        refused("nacre:\n  s3: {port: 70000}\n", "nacre.s3.port", "1 to 65535");
        refused("nacre:\n  s3: {port: 9001}\n", "same port");
        refused("nacre:\n  nfs: {exports: \"/ host(rw\"}\n", "nacre.nfs.exports");
        refused("nacre:\n  nfs: {exports: \"/\"}\n", "names no clients");
        refused("hostname: -bad-\n", "hostname", "must be a host name");
        refused("hostname: under_score\n", "hostname");
        refused("nacre:\n  network: {address: 192.0.2.10}\n", "nacre.network.address", "prefix length");
        refused("nacre:\n  network: {address: 192.0.2.300/24}\n", "nacre.network.address");
        refused("nacre:\n  network: {gateway: gw.example}\n", "nacre.network.gateway", "IP address");
        refused("nacre:\n  network: {dhcp: false}\n", "neither DHCP nor an address");
        refused("nacre:\n  network: {mac: 'zz:00'}\n", "MAC address");
        refused("nacre: [1, 2]\n", "nacre", "must be a mapping");
        refused("runcmd: echo hi\n", "runcmd", "list of commands");
        refused("runcmd:\n  - {a: b}\n", "runcmd[0]");
        refused("nacre:\n  s3:\n    port: 1\n    port: 2\n", "not valid YAML", "line");
        refused("nacre: {s3: [}\n", "not valid YAML");
    }

    private static final String CLUSTER = """
            nacre:
              s3: {access_key: CLUSTERKEY, secret_key: cluster-s3-secret}
              cluster: lab
              node: b
              secret: sixteen-or-more-chars
              peers:
                - {id: a, address: "10.0.0.1:9003"}
                - {id: b, address: "10.0.0.2:9003"}
                - {id: c, address: "10.0.0.3:9003"}
            """;

    @Test
    void aClusterNodeNamesItsPeersItsIdAndTheSharedSecret() {
        ApplianceConfig c = user(CLUSTER + "  ost: {first: 4, count: 2, port: 9102}\n");
        assertThat(c.roles()).containsExactly("mds", "ost", "nfs", "s3");
        assertThat(c.cluster().name()).isEqualTo("lab");
        assertThat(c.cluster().node()).isEqualTo("b");
        assertThat(c.cluster().peerList()).isEqualTo("a=10.0.0.1:9003,b=10.0.0.2:9003,c=10.0.0.3:9003");
        assertThat(c.cluster().secret()).isEqualTo("sixteen-or-more-chars");
        assertThat(c.cluster().address()).isNull();
        assertThat(c.cluster().toString()).doesNotContain("sixteen");
        assertThat(c.ost()).isEqualTo(new ApplianceConfig.Ost(4, 2, 9102));

        ApplianceConfig gateway = user(CLUSTER.replace("node: b", "node: gw1") + "  roles: [s3, nfs]\n  address: 10.0.0.9\n");
        assertThat(gateway.roles()).containsExactly("nfs", "s3");
        assertThat(gateway.cluster().address()).isEqualTo("10.0.0.9");
        assertThat(user(CLUSTER.replace("  cluster: lab\n", "")).cluster().name()).isEqualTo("nacre");
    }

    @Test
    void aClusterThatCannotWorkIsRefusedNamingTheKey() {
        refused("nacre:\n  roles: [s3, nfs]\n", "nacre.roles", "all-in-one", "[nfs, s3]");
        refused("nacre:\n  node: a\n", "nacre.node", "nacre.peers");
        refused("nacre:\n  secret: sixteen-or-more-chars\n", "nacre.secret", "nacre.peers");
        refused("nacre:\n  roles: [mds, ost, nfs, s3, web]\n", "unknown role 'web'");
        refused("nacre:\n  roles: []\n", "nacre.roles", "is empty");
        refused(CLUSTER.replace("  - {id: c, address: \"10.0.0.3:9003\"}\n", ""), "nacre.peers", "has 2 MDS peers",
                "1, 3 or 5");
        refused(CLUSTER.replace("id: c", "id: a"), "nacre.peers[2].id", "'a'");
        refused(CLUSTER.replace("10.0.0.3:9003", "10.0.0.1:9003"), "nacre.peers[2].address", "10.0.0.1:9003");
        refused(CLUSTER.replace("10.0.0.3:9003", "10.0.0.3"), "nacre.peers[2].address", "host:port");
        refused(CLUSTER.replace("10.0.0.3:9003", "10.0.0.3:0"), "nacre.peers[2].address");
        refused(CLUSTER.replace("{id: c, ", "{"), "nacre.peers[2]", "needs an id");
        refused(CLUSTER.replace("{id: c, ", "{name: c, id: c, "), "nacre.peers[2]", "[name]");
        refused(CLUSTER.replace("  node: b\n", ""), "nacre.node", "missing");
        refused(CLUSTER.replace("node: b", "node: d"), "nacre.node", "'d'", "mds role", "not among nacre.peers");
        refused(CLUSTER + "  roles: [s3]\n", "nacre.roles", "lacks mds", "'b'");
        refused(CLUSTER.replace("  secret: sixteen-or-more-chars\n", ""), "nacre.secret", "missing");
        refused(CLUSTER.replace("sixteen-or-more-chars", "short"), "nacre.secret", "16 characters");
        refused(CLUSTER.replace("  s3: {access_key: CLUSTERKEY, secret_key: cluster-s3-secret}\n", ""), "nacre.s3",
                "access_key", "same pair in every node");
        refused(CLUSTER.replace("node: b", "node: gw1") + "  roles: [s3]\n", "nacre.address", "missing");
        refused(CLUSTER + "  address: node-b.lab\n", "nacre.address", "IP address");
        refused(CLUSTER + "  ost: {port: 9000}\n", "nacre", "same port");
        refused(CLUSTER.replace("10.0.0.2:9003", "10.0.0.2:9001"), "nacre", "same port");
        refused(CLUSTER.replace("cluster: lab", "cluster: 'l a b'"), "nacre.cluster");
        refused(CLUSTER + "  ost: {count: 65}\n", "nacre.ost.count", "1 to 64");
    }

    @Test
    void proxmoxNetworkConfigVersion1IsMatchedByMac() {
        NetworkConfig n = NetworkConfig.fromNetworkConfig("""
                version: 1
                config:
                    - type: physical
                      name: eth0
                      mac_address: 'BC:24:11:0A:0B:0C'
                      subnets:
                      - type: static
                        address: '192.168.1.50'
                        netmask: '255.255.255.0'
                        gateway: '192.168.1.1'
                      - type: dhcp6
                    - type: nameserver
                      address:
                      - '1.1.1.1'
                      search:
                      - 'example.com'
                """);
        NetworkConfig.Link l = n.links().get(0);
        assertThat(l.mac()).isEqualTo("bc:24:11:0a:0b:0c");
        assertThat(l.name()).as("the guest does not call it eth0").isNull();
        assertThat(l.addresses()).containsExactly("192.168.1.50/24");
        assertThat(l.gateway4()).isEqualTo("192.168.1.1");
        assertThat(l.dhcp4()).isFalse();
        assertThat(l.dhcp6()).isTrue();
        assertThat(l.dns()).containsExactly("1.1.1.1");
        assertThat(l.search()).containsExactly("example.com");
        assertThatThrownBy(() -> NetworkConfig.fromNetworkConfig("version: 1\nconfig:\n - type: physical\n   name: eth0\n"
                + "   subnets: [{type: static, address: 10.0.0.2, netmask: 255.0.255.0}]\n"))
                .hasMessageContaining("not a contiguous netmask");
        assertThatThrownBy(() -> NetworkConfig.fromNetworkConfig("version: 1\nconfig:\n - type: bond\n"))
                .hasMessageContaining("'bond' is not supported");
    }

    @Test
    void netplanNetworkConfigVersion2() {
        NetworkConfig n = NetworkConfig.fromNetworkConfig("""
                network:
                  version: 2
                  ethernets:
                    lan:
                      match: {macaddress: "52:54:00:12:34:56"}
                      set-name: lan
                      addresses: [10.1.2.3/16, "fd00::3/64"]
                      routes:
                        - {to: default, via: 10.1.0.1}
                      nameservers: {addresses: [10.1.0.1], search: [lab]}
                    enp1s0:
                      dhcp4: true
                """);
        assertThat(n.links()).hasSize(2);
        NetworkConfig.Link lan = n.links().get(0);
        assertThat(lan.mac()).isEqualTo("52:54:00:12:34:56");
        assertThat(lan.addresses()).containsExactly("10.1.2.3/16", "fd00::3/64");
        assertThat(lan.gateway4()).isEqualTo("10.1.0.1");
        assertThat(lan.dns()).containsExactly("10.1.0.1");
        NetworkConfig.Link dhcp = n.links().get(1);
        assertThat(dhcp.name()).isEqualTo("enp1s0");
        assertThat(dhcp.dhcp4()).isTrue();
        assertThat(dhcp.dhcp6()).isFalse();
        assertThatThrownBy(() -> NetworkConfig.fromNetworkConfig("version: 2\nethernets:\n  e: {dhcp4: true, wakeonlan: true}\n"))
                .hasMessageContaining("ethernets.e").hasMessageContaining("[wakeonlan]");
        assertThatThrownBy(() -> NetworkConfig.fromNetworkConfig("version: 3\n")).hasMessageContaining("must be 1 or 2");
    }

    @Test
    void theNetworkIsGivenInOnePlaceOnly() {
        assertThatThrownBy(() -> ApplianceConfig.from(new Seed("#cloud-config\nnacre:\n  network: {dhcp: true}\n", null,
                "version: 2\nethernets:\n  e: {dhcp4: true}\n"))).hasMessageContaining("keep one");
        ApplianceConfig c = ApplianceConfig.from(new Seed("#cloud-config\nhostname: a\n", null,
                "version: 2\nethernets:\n  eth0: {dhcp4: true}\n"));
        assertThat(c.network().links()).extracting(NetworkConfig.Link::name).containsExactly("eth0");
    }

    @Test
    void severalInterfacesInTheSeedsOwnSection() {
        ApplianceConfig c = user("nacre:\n  network:\n    - {interface: ens3}\n    - {interface: ens4, address: 10.9.0.1/24}\n");
        assertThat(c.network().links()).hasSize(2);
        assertThat(c.network().links().get(0).dhcp4()).isTrue();
        assertThat(c.network().links().get(1).dhcp4()).isFalse();
        assertThat(c.network().summary()).isEqualTo("ens3: dhcp; ens4: static 10.9.0.1/24");
        refused("nacre:\n  network:\n    - {interface: ens3}\n    - {interfac: ens4}\n", "nacre.network[1]", "[interfac]");
    }

    @Test
    void shellQuotingOfRuncmdWords() {
        assertThat(ApplianceConfig.shellQuote("plain/path-1.0")).isEqualTo("plain/path-1.0");
        assertThat(ApplianceConfig.shellQuote("two words")).isEqualTo("'two words'");
        assertThat(ApplianceConfig.shellQuote("it's")).isEqualTo("'it'\\''s'");
        assertThat(ApplianceConfig.shellQuote("$(rm -rf /)")).isEqualTo("'$(rm -rf /)'");
        assertThat(user("runcmd:\n  - [echo, 1, \"a b\"]\n").runcmd()).isEqualTo(List.of("echo 1 'a b'"));
    }
}
