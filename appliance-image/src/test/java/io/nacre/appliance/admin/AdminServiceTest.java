package io.nacre.appliance.admin;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

/** Who may use the admin verbs (the end-to-end check from another machine is the appliance boot test). */
class AdminServiceTest {

    @Test
    void onlyLoopbackCallersMayUseTheVerbs() {
        assertThat(AdminService.fromThisMachine(new InetSocketAddress("127.0.0.1", 40000))).isTrue();
        assertThat(AdminService.fromThisMachine(new InetSocketAddress("127.0.0.2", 40000))).isTrue();
        assertThat(AdminService.fromThisMachine(new InetSocketAddress("::1", 40000))).isTrue();
        assertThat(AdminService.fromThisMachine(new InetSocketAddress("10.0.2.2", 40000))).isFalse();
        assertThat(AdminService.fromThisMachine(new InetSocketAddress("192.0.2.7", 40000))).isFalse();
        assertThat(AdminService.fromThisMachine(new InetSocketAddress("2001:db8::1", 40000))).isFalse();
        assertThat(AdminService.fromThisMachine(InetSocketAddress.createUnresolved("example.invalid", 1))).isFalse();
    }
}
