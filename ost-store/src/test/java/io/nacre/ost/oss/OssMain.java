package io.nacre.ost.oss;

import io.nacre.ost.LocalObjectStore;
import io.nacre.ost.Ost;
import io.nacre.ost.OstOptions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.locks.LockSupport;

/**
 * Child process of {@link OssKeepAliveTest}: serves one OST (index 0) under the given directory through a
 * real OSS on 127.0.0.1 with the given secret, prints "URI uri" once it listens, then runs until killed.
 */
public final class OssMain {

    private OssMain() {
    }

    public static void main(String[] args) {
        Ost ost = Ost.open(Path.of(args[0]), 0, OstOptions.builder().chunkSize(64 * 1024).mapSize(1L << 30)
                .walSegments(4L << 20, 8).build());
        OssServer oss = OssServer.builder(new LocalObjectStore(List.of(ost)))
                .secret(args[1].getBytes(StandardCharsets.UTF_8)).build().start();
        System.out.println("URI " + oss.uri());
        System.out.flush();
        while (true) {
            LockSupport.park();
        }
    }
}
