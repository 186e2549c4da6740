package io.nacre.s3.ops;

import static java.util.Objects.requireNonNull;

import io.nacre.s3.auth.Authenticator;
import io.nacre.s3.fs.MetaStore;
import io.nacre.s3.fs.Namespace;
import io.nacre.s3.fs.Uploads;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.ExecutorService;

/**
 * What every operation works with: the namespace, object metadata, multipart uploads, the
 * authenticator, the configured region, the executor blocking work runs on (virtual threads), and how
 * long a GET of an object released to the HSM archive waits for its restore before SlowDown, and the
 * size up to which an object's bytes are kept on the MDT (0: never; see {@link PutObject}), and the size
 * from which an object is striped over every OST where no layout is set (0: never).
 */
public record Gateway(Namespace namespace, MetaStore meta, Uploads uploads, Authenticator authenticator, String region,
                      Clock clock, ExecutorService blocking, Duration restoreWait, int dataOnMdtLimit,
                      long wideStripeFrom) {

    public Gateway {
        requireNonNull(namespace, "namespace");
        requireNonNull(meta, "meta");
        requireNonNull(uploads, "uploads");
        requireNonNull(authenticator, "authenticator");
        requireNonNull(region, "region");
        requireNonNull(clock, "clock");
        requireNonNull(blocking, "blocking");
        requireNonNull(restoreWait, "restoreWait");
    }
}
