package io.nacre.nfs.export;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nacre.engine.Caller;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

class ExportTableTest {

    private static InetSocketAddress client(String ip, int port) {
        return new InetSocketAddress(ip, port);
    }

    @Test
    void defaultsAreReadWriteRootSquashedInsecure() {
        ClientRule r = ExportTable.parse("/ *").ruleFor(client("10.1.2.3", 40000)).orElseThrow();
        assertThat(r.readOnly()).isFalse();
        assertThat(r.squash()).isEqualTo(Squash.ROOT);
        assertThat(r.anonUid()).isEqualTo(65534);
        assertThat(r.secure()).isFalse();
    }

    @Test
    void mostSpecificRuleWinsWhateverTheOrder() {
        ExportTable t = ExportTable.parse("/ *(ro) 10.0.0.0/8(rw) 10.1.2.3(rw,no_root_squash)");
        assertThat(t.ruleFor(client("10.1.2.3", 900)).orElseThrow().squash()).isEqualTo(Squash.NONE);
        assertThat(t.ruleFor(client("10.9.9.9", 900)).orElseThrow().readOnly()).isFalse();
        assertThat(t.ruleFor(client("192.168.0.1", 900)).orElseThrow().readOnly()).isTrue();
    }

    @Test
    void clientWithoutMatchingRuleIsRefused() {
        ExportTable t = ExportTable.parse("/ 127.0.0.1(rw)");
        assertThat(t.ruleFor(client("127.0.0.2", 700))).isEmpty();
        assertThat(t.ruleFor(client("127.0.0.1", 700))).isPresent();
    }

    @Test
    void netmaskAndPrefixFormsAreTheSame() {
        ExportTable a = ExportTable.parse("/ 192.168.4.0/255.255.252.0(rw)");
        ExportTable b = ExportTable.parse("/ 192.168.4.0/22(rw)");
        for (String ip : new String[] {"192.168.4.1", "192.168.7.255", "192.168.8.0", "192.168.3.255"}) {
            assertThat(a.ruleFor(client(ip, 1)).isPresent()).isEqualTo(b.ruleFor(client(ip, 1)).isPresent());
        }
        assertThat(a.ruleFor(client("192.168.7.255", 1))).isPresent();
        assertThat(a.ruleFor(client("192.168.8.0", 1))).isEmpty();
    }

    @Test
    void ipv6NetworksAndMappedIpv4AddressesMatch() {
        ExportTable t = ExportTable.parse("/ fd00::/8(rw) 127.0.0.0/8(ro)");
        assertThat(t.ruleFor(client("fd12::1", 1)).orElseThrow().readOnly()).isFalse();
        assertThat(t.ruleFor(client("::ffff:127.0.0.1", 1)).orElseThrow().readOnly()).isTrue();
        assertThat(t.ruleFor(client("fe80::1", 1))).isEmpty();
    }

    @Test
    void rootSquashMapsOnlyRoot() {
        ClientRule r = ExportTable.parse("*(rw,anonuid=99,anongid=98)").rules().get(0);
        assertThat(r.map(0, 0, new int[] {0, 5})).isEqualTo(Caller.of(99, 98, 98, 5));
        assertThat(r.map(1000, 100, new int[] {4})).isEqualTo(Caller.of(1000, 100, 4));
    }

    @Test
    void allSquashMapsEveryone() {
        ClientRule r = ExportTable.parse("/ *(rw,all_squash,no_root_squash,anonuid=7,anongid=8)").rules().get(0);
        assertThat(r.map(1000, 100, new int[] {4})).isEqualTo(Caller.of(7, 8));
        assertThat(r.map(0, 0, new int[0])).isEqualTo(Caller.of(7, 8));
    }

    @Test
    void noRootSquashKeepsRoot() {
        ClientRule r = ExportTable.parse("/ *(no_root_squash)").rules().get(0);
        assertThat(r.map(0, 0, new int[0])).isEqualTo(Caller.ROOT);
    }

    @Test
    void secureRuleRefusesUnprivilegedPorts() {
        ExportTable t = ExportTable.parse("/ *(rw,secure)");
        assertThat(t.ruleFor(client("10.0.0.1", 1023))).isPresent();
        assertThat(t.ruleFor(client("10.0.0.1", 1024))).isEmpty();
    }

    @Test
    void commentsContinuationsAndCompatOptionsParse() {
        ExportTable t = ExportTable.parse("""
                # the appliance
                /  127.0.0.1(rw,sync,no_subtree_check,no_root_squash) \\
                   *(ro,async,sec=sys)
                """);
        assertThat(t.path()).isEqualTo("/");
        assertThat(t.rules()).hasSize(2);
    }

    @Test
    void hostPatternWildcardsDoNotCrossDots() {
        ClientMatcher.HostPattern m = (ClientMatcher.HostPattern) ClientMatcher.parse("*.example.com");
        assertThat(m.matchesName("node1.example.com")).isTrue();
        assertThat(m.matchesName("NODE1.Example.COM")).isTrue();
        assertThat(m.matchesName("a.b.example.com")).isFalse();
        assertThat(m.matchesName("example.com")).isFalse();
        ClientMatcher.HostPattern q = (ClientMatcher.HostPattern) ClientMatcher.parse("node?");
        assertThat(q.matchesName("node7")).isTrue();
        assertThat(q.matchesName("node17")).isFalse();
    }

    @Test
    void badInputIsAClearError() {
        assertThatThrownBy(() -> ExportTable.parse("/ *(rw,bogus)")).hasMessageContaining("bogus");
        assertThatThrownBy(() -> ExportTable.parse("/ 10.0.0.0/33(rw)")).hasMessageContaining("prefix");
        assertThatThrownBy(() -> ExportTable.parse("/ 10.0.0.0/255.0.255.0")).hasMessageContaining("contiguous");
        assertThatThrownBy(() -> ExportTable.parse("/ *(rw")).hasMessageContaining("unclosed");
        assertThatThrownBy(() -> ExportTable.parse("/ *(sec=krb5)")).hasMessageContaining("krb5");
        assertThatThrownBy(() -> ExportTable.parse("/")).hasMessageContaining("no clients");
        assertThatThrownBy(() -> ExportTable.parse("/ *\n/b *")).hasMessageContaining("exactly one");
        assertThatThrownBy(() -> ExportTable.parse("/ *(anonuid=x)")).hasMessageContaining("anonuid");
    }
}
