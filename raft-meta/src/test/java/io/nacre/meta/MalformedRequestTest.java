package io.nacre.meta;

import static org.assertj.core.api.Assertions.assertThat;

import io.nacre.engine.Caller;
import io.nacre.engine.Fid;
import io.nacre.engine.NacreException;
import io.nacre.engine.Status;
import io.nacre.engine.meta.Attr;
import io.nacre.engine.meta.CreateSpec;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;
import org.junit.jupiter.api.Test;

/** Garbage sent straight to the Raft group gets a clear error and leaves the namespace and the server intact. */
class MalformedRequestTest extends ServerTestBase {

    private static RaftClient raw() {
        return RaftSettings.client(MetadataServer.DEFAULT_CLUSTER, server.peers(), Duration.ofSeconds(3),
                RaftSettings.retries(50, Duration.ofMillis(100)));
    }

    @Test
    void garbageWritesAndQueriesAreRefusedAndTheServerGoesOn() throws Exception {
        Fid d = scratch();
        Attr before = mds.getattr(d);
        SplittableRandom random = new SplittableRandom(11);
        try (RaftClient raft = raw()) {
            for (int i = 0; i < 20; i++) {
                byte[] junk = new byte[random.nextInt(1, 200)];
                random.nextBytes(junk);
                try {
                    RaftClientReply w = raft.io().send(Message.valueOf(UnsafeByteOperations.unsafeWrap(junk)));
                    // decodable by chance: then each operation in it was refused or applied as any other
                    assertThat(Replies.decodeResults(w.getMessage().getContent().toByteArray())).isNotNull();
                } catch (IOException e) {
                    assertThat(Errors.fromRaft(e).status()).isEqualTo(Status.INVALID);
                }
                RaftClientReply r = raft.io().sendReadOnly(Message.valueOf(UnsafeByteOperations.unsafeWrap(junk)));
                assertThat(r.isSuccess()).isTrue();
                try {
                    Replies.decodeQuery(r.getMessage().getContent().toByteArray(), in -> null);
                } catch (NacreException e) {
                    assertThat(e.status()).isIn(Status.INVALID, Status.STALE, Status.NOT_FOUND, Status.ACCESS);
                }
            }
            // a client may not smuggle in the leader's verdicts or decisions
            byte[] rejected = Op.encodeBatch(0, List.of(new Op.Rejected(Status.EXISTS, "forged")));
            Object forged = Replies.decodeResults(raft.io().send(Message.valueOf(UnsafeByteOperations.unsafeWrap(rejected)))
                    .getMessage().getContent().toByteArray()).get(0);
            assertThat(forged).isInstanceOfSatisfying(NacreException.class,
                    e -> assertThat(e.status()).isEqualTo(Status.INVALID));
        }
        assertThat(mds.getattr(d)).isEqualTo(before);
        assertThat(mds.create(Caller.ROOT, d, "still-works", CreateSpec.file(0644)).existed()).isFalse();
    }
}
