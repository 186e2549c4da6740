package io.nacre.meta;

import java.io.IOException;
import java.nio.file.Path;

/**
 * One metadata server in its own JVM, for tests that kill it with SIGKILL. Arguments: data directory,
 * peer id, the group as {@code id=host:port,...}. Prints "READY" when serving; stops when stdin closes.
 */
public final class PeerMain {

    private PeerMain() {
    }

    public static void main(String[] args) throws IOException {
        MetadataServer server = MetadataServer.builder()
                .dataDir(Path.of(args[0]))
                .peerId(args[1])
                .peers(Peer.parseList(args[2]))
                .build()
                .start();
        System.out.println("READY " + server.peer());
        System.out.flush();
        while (System.in.read() != -1) {
            // wait for the test to close our stdin (or to kill us)
        }
        server.close();
    }
}
