package io.nacre.appliance.node;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

class ReachTest {

    private static InetAddress ip(String literal) throws Exception {
        return InetAddress.getByName(literal);
    }

    @Test
    void aConcreteBindIsWhereClientsDial() throws Exception {
        assertThat(Reach.of(ip("192.0.2.10"), List.of(ip("10.0.2.15"), ip("127.0.0.1")))).containsExactly(ip("192.0.2.10"));
        assertThat(Reach.first(new InetSocketAddress("127.0.0.2", 9000))).isEqualTo("127.0.0.2:9000");
    }

    @Test
    void theIpv4WildcardIsEveryIpv4AddressOfTheMachineOtherMachinesFirst() throws Exception {
        List<InetAddress> machine = List.of(ip("127.0.0.1"), ip("::1"), ip("fe80::5054:ff:fe12:3456"), ip("10.0.2.15"),
                ip("2001:db8::15"), ip("192.0.2.10"), ip("169.254.3.4"));
        assertThat(Reach.of(ip("0.0.0.0"), machine))
                .containsExactly(ip("10.0.2.15"), ip("192.0.2.10"), ip("169.254.3.4"), ip("127.0.0.1"));
    }

    @Test
    void theIpv6WildcardTakesBothFamilies() throws Exception {
        List<InetAddress> machine = List.of(ip("::1"), ip("127.0.0.1"), ip("2001:db8::15"), ip("10.0.2.15"));
        assertThat(Reach.of(ip("::"), machine))
                .containsExactly(ip("10.0.2.15"), ip("2001:db8::15"), ip("::1"), ip("127.0.0.1"));
    }

    @Test
    void aMachineWithoutAddressesIsReachedOnLoopback() throws Exception {
        assertThat(Reach.of(ip("0.0.0.0"), List.of())).containsExactly(InetAddress.getLoopbackAddress());
    }

    @Test
    void ipv6IsWrittenInBracketsWithoutItsScope() throws Exception {
        assertThat(Reach.host(ip("fe80::1%1"))).isEqualTo("[fe80:0:0:0:0:0:0:1]");
        assertThat(Reach.host(ip("2001:db8::15"))).isEqualTo("[2001:db8:0:0:0:0:0:15]");
        assertThat(Reach.host(ip("10.0.2.15"))).isEqualTo("10.0.2.15");
    }

    @Test
    void theWildcardOnThisMachineListsAtLeastLoopback() {
        assertThat(Reach.of(new InetSocketAddress("0.0.0.0", 0))).isNotEmpty()
                .allMatch(a -> a instanceof java.net.Inet4Address);
    }
}
