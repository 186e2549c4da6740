package io.nacre.meta;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class LocalPeersTest {

    @Test
    void keysAreEqualExactlyWhenGroupPeerAndAddressAre() {
        LocalPeers.Key k = new LocalPeers.Key(RaftSettings.groupId("fs"), RaftSettings.peerId("a"), "127.0.0.1:1");
        LocalPeers.Key same = new LocalPeers.Key(RaftSettings.groupId("fs"), RaftSettings.peerId("a"), "127.0.0.1:1");
        assertThat(k).isEqualTo(same).hasSameHashCodeAs(same);
        assertThat(k).isNotEqualTo(new LocalPeers.Key(RaftSettings.groupId("other"), RaftSettings.peerId("a"), "127.0.0.1:1"));
        assertThat(k).isNotEqualTo(new LocalPeers.Key(RaftSettings.groupId("fs"), RaftSettings.peerId("b"), "127.0.0.1:1"));
        // Two file systems in one JVM with the same group and peer ids: told apart by the address.
        assertThat(k).isNotEqualTo(new LocalPeers.Key(RaftSettings.groupId("fs"), RaftSettings.peerId("a"), "127.0.0.1:2"));
        assertThat(k).isNotEqualTo(null).isNotEqualTo("fs/a@127.0.0.1:1");
    }

}
