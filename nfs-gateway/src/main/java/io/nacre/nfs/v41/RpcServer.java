package io.nacre.nfs.v41;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.ExecutorService;
import org.dcache.oncrpc4j.grizzly.GrizzlyUtils;
import org.dcache.oncrpc4j.rpc.IoStrategy;
import org.dcache.oncrpc4j.rpc.ReplyQueue;
import org.glassfish.grizzly.CloseType;
import org.glassfish.grizzly.Connection;
import org.glassfish.grizzly.ConnectionProbe;
import org.glassfish.grizzly.filterchain.FilterChainBuilder;
import org.glassfish.grizzly.memory.MemoryManager;
import org.glassfish.grizzly.nio.transport.TCPNIOTransport;
import org.glassfish.grizzly.nio.transport.TCPNIOTransportBuilder;
import org.glassfish.grizzly.strategies.SameThreadIOStrategy;
import org.glassfish.grizzly.threadpool.ThreadPoolConfig;

/**
 * The NFS port: a Grizzly TCP transport whose filter chain is one filter, {@link RecordReader} (the transport,
 * with its own reads and record marking, in place of Grizzly's reads and oncrpc4j's {@code RpcMessageParserTCP}),
 * which hands each record to {@link RpcFilter}, so that calls are read and answered here instead of by oncrpc4j's
 * {@code OncRpcSvc} (which builds a JAAS {@code Subject} for every AUTH_SYS call, and offers no way to reach the
 * connection a call came on). Set up as {@code OncRpcSvc} set up its transport for the NFS service: its selector
 * threads and their names, calls read and run on the selector thread, the default memory manager (for what is
 * written), TCP_NODELAY, address reuse, a backlog of 4096. No TLS.
 */
public final class RpcServer implements AutoCloseable {

    private static final int BACKLOG = 4096;

    private final TCPNIOTransport transport;
    private final ReplyQueue replies;
    private final ExecutorService workers;
    private final InetSocketAddress address;

    private RpcServer(TCPNIOTransport transport, ReplyQueue replies, ExecutorService workers,
                      InetSocketAddress address) {
        this.transport = transport;
        this.replies = replies;
        this.workers = workers;
        this.address = address;
    }

    /** Binds {@code bindAddress:port} (0: any free port) and serves {@code program}, whose workers it stops. */
    static RpcServer start(String name, String bindAddress, int port, Nfs4Program program, ExecutorService workers)
            throws IOException {
        ThreadPoolConfig selectors = GrizzlyUtils.getSelectorPoolCfg(IoStrategy.WORKER_THREAD, name, 0);
        TCPNIOTransport tcp = TCPNIOTransportBuilder.newInstance()
                .setReuseAddress(true)
                .setIOStrategy(SameThreadIOStrategy.getInstance())
                .setSelectorThreadPoolConfig(selectors)
                .setSelectorRunnersCount(selectors.getMaxPoolSize())
                .setTcpNoDelay(true)
                .setMemoryManager(MemoryManager.DEFAULT_MEMORY_MANAGER)
                .build();
        ReplyQueue replies = new ReplyQueue();
        tcp.setProcessor(FilterChainBuilder.stateless()
                .add(new RecordReader(new RpcFilter(program, replies)))
                .build());
        tcp.getConnectionMonitoringConfig().addProbes(new ConnectionProbe.Adapter() {
            @Override
            @SuppressWarnings("rawtypes") // Grizzly's probe names the raw type
            public void onCloseEvent(Connection connection) {
                // as OncRpcSvc did: the backchannel's calls waiting for a reply fail now, not at their timeout
                if (connection.getCloseReason().getType() == CloseType.REMOTELY) {
                    replies.handleDisconnect((InetSocketAddress) connection.getLocalAddress());
                }
            }
        });
        try {
            Connection<?> server = tcp.bind(bindAddress, port, BACKLOG);
            tcp.start();
            return new RpcServer(tcp, replies, workers, (InetSocketAddress) server.getLocalAddress());
        } catch (IOException | RuntimeException e) {
            tcp.shutdownNow();
            replies.shutdown();
            workers.shutdown();
            throw e;
        }
    }

    /** The address the port is bound to (the port chosen when 0 was asked). */
    public InetSocketAddress address() {
        return address;
    }

    /** Closes the port and its connections, and stops the workers and the replies' timer. */
    @Override
    public void close() throws IOException {
        try {
            transport.shutdownNow();
        } finally {
            replies.shutdown();
            workers.shutdown();
        }
    }
}
