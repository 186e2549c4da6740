package io.nacre.meta;

import io.nacre.engine.NacreException;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;

/**
 * The Ratis messages of a batch of changes, carrying the objects along with (or instead of) their bytes. A
 * client in the leader's JVM hands Ratis the same message object its state machine then receives, and gets
 * back the message its apply returned: each side takes the objects and skips decoding what the other just
 * encoded (a request is encoded only when it leaves the JVM, over gRPC). Every other path sees the bytes.
 */
final class BatchMessages {

    private BatchMessages() {
    }

    /** A client's batch of operations; its bytes are made when something asks for them (gRPC, a follower). */
    static final class Request implements Message {
        private final List<Op> ops;
        private final int size;
        private volatile ByteString content;

        /**
         * {@code ops}: the batcher's own list, which nobody changes; {@code size}: about the bytes the batch encodes
         * to (Ratis counts pending requests' sizes).
         */
        Request(List<Op> ops, int size) {
            this.ops = ops;
            this.size = size;
        }

        List<Op> ops() {
            return ops;
        }

        @Override
        public ByteString getContent() {
            ByteString c = content;
            if (c == null) {
                c = UnsafeByteOperations.unsafeWrap(Op.encodeBatch(0, ops)); // the same bytes whoever makes them
                content = c;
            }
            return c;
        }

        @Override
        public int size() {
            return size;
        }

        @Override
        public String toString() {
            return "batch of " + ops.size() + " operations";
        }
    }

    /**
     * An applied entry's reply: its bytes (recorded in the reply table, kept in Ratis's retry cache) and, until
     * the first client takes them, the results they encode (not kept for the retry cache's minute).
     */
    static final class Reply implements Message {
        private final ByteString content;
        private final AtomicReference<Object[]> results;

        Reply(byte[] content, Object[] results) {
            this.content = UnsafeByteOperations.unsafeWrap(content);
            this.results = new AtomicReference<>(results);
        }

        /**
         * The results as {@link Replies#decodeResults} would give them (errors as fresh NacreExceptions of the same
         * status and message: the apply's own carry its thread's stack), the first time; then null (decode the bytes).
         */
        List<Object> take() {
            Object[] r = results.getAndSet(null);
            if (r == null) {
                return null;
            }
            for (int i = 0; i < r.length; i++) {
                if (r[i] instanceof NacreException e) {
                    r[i] = new NacreException(e.status(), e.getMessage());
                }
            }
            return Arrays.asList(r);
        }

        @Override
        public ByteString getContent() {
            return content;
        }

        @Override
        public int size() {
            return content.size();
        }

        @Override
        public String toString() {
            return "reply of " + content.size() + " bytes";
        }
    }
}
