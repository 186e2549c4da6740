package io.nacre.s3.ops;

import static java.util.Objects.requireNonNull;

import io.nacre.s3.auth.Authenticator;
import io.nacre.s3.fs.MetaStore;
import io.nacre.s3.fs.Namespace;
import io.nacre.s3.fs.Uploads;
import java.time.Clock;
import java.util.concurrent.ExecutorService;

/**
 * What every operation works with: the namespace, object metadata, multipart uploads, the
 * authenticator, the configured region and the executor blocking work runs on (virtual threads).
 */
public record Gateway(Namespace namespace, MetaStore meta, Uploads uploads, Authenticator authenticator, String region,
                      Clock clock, ExecutorService blocking) {

    public Gateway {
        requireNonNull(namespace, "namespace");
        requireNonNull(meta, "meta");
        requireNonNull(uploads, "uploads");
        requireNonNull(authenticator, "authenticator");
        requireNonNull(region, "region");
        requireNonNull(clock, "clock");
        requireNonNull(blocking, "blocking");
    }
}
