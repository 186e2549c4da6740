package io.nacre.meta;

import io.nacre.engine.NacreException;
import io.nacre.engine.Status;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.client.RaftClientRpc;
import org.apache.ratis.proto.RaftProtos.ReplicationLevel;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientAsynchronousProtocol;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.protocol.exceptions.NotLeaderException;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How a {@link MetadataClient} reaches the group's leader. When the leader runs in this JVM (the
 * `nacre up` process) a request is handed to its Raft server directly, on the caller's thread, without
 * gRPC; otherwise it goes over gRPC to the peer last known to lead. Both paths go through the same
 * Ratis server code (leader checks, retry cache), so nothing is weaker in-process.
 *
 * <p>A request keeps its call id for every attempt, on whichever peer and path: the leader's retry cache
 * (rebuilt on every peer from the log) answers a resent change with the reply of its first application,
 * so a change is applied once even when its answer was lost to a failover. Attempts go on until the
 * client's timeout; then the call fails with UNAVAILABLE.
 */
final class LeaderLink implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(LeaderLink.class);

    /** Pause before retrying after a connection error or a timeout. */
    private static final long ERROR_PAUSE_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    /** Pause before retrying a leader that is not ready yet, or when nobody knows the leader. */
    private static final long ELECTION_PAUSE_NANOS = TimeUnit.MILLISECONDS.toNanos(20);

    /** One request: the same call id and message on every attempt. */
    record Call(long callId, boolean write, Message message) {
    }

    /** Where one attempt goes: a peer, with its division when it runs in this JVM. */
    private record Target(RaftPeerId peer, RaftServer.Division local) {
    }

    /**
     * What an attempt came to: the reply (its message), or (content null) a pause before the next attempt and
     * what the peer answered, for the error when no attempt succeeds in time.
     */
    private record Outcome(Message content, long pauseNanos, String why) {
        static Outcome done(Message content) {
            return new Outcome(content, 0, null);
        }

        static Outcome retryAfter(long pauseNanos, String why) {
            return new Outcome(null, pauseNanos, why);
        }
    }

    private final RaftClient raft;
    private final RaftClientRpc rpc;
    private final ClientId clientId;
    private final RaftGroupId group;
    private final List<RaftPeerId> peers;
    /** Each peer's key in {@link LocalPeers}, in the order of {@link #peers}: made once, looked up per request. */
    private final List<LocalPeers.Key> localKeys;
    private final boolean inProcess;
    private final Duration timeout;
    private final Duration requestTimeout;
    private final AtomicLong callIds = new AtomicLong();
    private final AtomicInteger rotation = new AtomicInteger();
    private final ExecutorService retries = Executors.newThreadPerTaskExecutor(
            Thread.ofVirtual().name("mds-retry-", 0).factory());
    private volatile RaftPeerId leader;
    /**
     * In-process attempts not answered yet, with when each times out (System.nanoTime): one thread looks at
     * them a few times per request timeout. {@code orTimeout} per attempt scheduled and cancelled a task on
     * the JDK's delay scheduler for every write, each time waking its thread: two more thread switches per
     * change, which a small VM's CPU pays for.
     */
    private final Map<CompletableFuture<?>, Long> unanswered = new ConcurrentHashMap<>();
    private final ScheduledExecutorService watchdog;
    private final AtomicLong timedOut = new AtomicLong();

    LeaderLink(String cluster, List<Peer> peers, boolean inProcess, Duration timeout, Duration requestTimeout) {
        this.raft = RaftSettings.client(cluster, peers, requestTimeout);
        this.rpc = raft.getClientRpc();
        this.clientId = raft.getId();
        this.group = RaftSettings.groupId(cluster);
        this.peers = peers.stream().map(p -> RaftSettings.peerId(p.id())).toList();
        List<LocalPeers.Key> keys = new ArrayList<>(peers.size());
        for (Peer p : peers) {
            keys.add(new LocalPeers.Key(group, RaftSettings.peerId(p.id()), p.address()));
        }
        this.localKeys = List.copyOf(keys);
        this.inProcess = inProcess;
        this.timeout = timeout;
        this.requestTimeout = requestTimeout;
        this.watchdog = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "mds-request-watchdog");
            t.setDaemon(true);
            return t;
        });
        long period = Math.max(10, requestTimeout.toMillis() / 4);
        watchdog.scheduleWithFixedDelay(this::timeOutUnanswered, period, period, TimeUnit.MILLISECONDS);
    }

    private void timeOutUnanswered() {
        long now = System.nanoTime();
        unanswered.forEach((f, deadline) -> {
            if (now - deadline >= 0 && unanswered.remove(f, deadline)) {
                timedOut.incrementAndGet();
                f.completeExceptionally(new TimeoutException("no answer from the metadata service in time"));
            }
        });
    }

    /**
     * Fails {@code f} with a {@link TimeoutException} when it is not done within {@code nanos}, by the thread
     * that times out in-process attempts (no task per call on the JDK's delay scheduler, see above).
     */
    void failAfter(CompletableFuture<?> f, long nanos) {
        if (!f.isDone()) {
            unanswered.put(f, System.nanoTime() + nanos);
            f.whenComplete((r, e) -> unanswered.remove(f));
        }
    }

    Call write(byte[] request) {
        return write(Message.valueOf(UnsafeByteOperations.unsafeWrap(request)));
    }

    Call write(Message request) {
        return new Call(callIds.incrementAndGet(), true, request);
    }

    Call read(byte[] request) {
        return new Call(callIds.incrementAndGet(), false, Message.valueOf(UnsafeByteOperations.unsafeWrap(request)));
    }

    /**
     * Asks Ratis to watch until the log of every peer holds the entry at {@code index} (level ALL); UNAVAILABLE
     * when the leader's watch ends without it (the caller retries).
     */
    void watchOnEveryPeer(long index) {
        String why;
        try {
            RaftClientReply reply = raft.io().watch(index, ReplicationLevel.ALL);
            if (reply.isSuccess()) {
                return;
            }
            why = String.valueOf(reply.getException());
        } catch (IOException e) {
            why = e.toString();
        }
        throw new NacreException(Status.UNAVAILABLE, "entry " + index + " not on every peer yet: " + why);
    }

    /** How many in-process attempts (and asynchronous changes) went unanswered in time (for tests). */
    long attemptsTimedOut() {
        return timedOut.get();
    }

    /** The peer that answered last as leader (null before any did). */
    RaftPeerId leaderId() {
        return leader;
    }

    /**
     * Sends a call; the future completes with the reply's message (a {@link BatchMessages.Reply} from a leader
     * in this JVM) or a NacreException. With the leader in this JVM the first attempt is made on the caller's
     * thread and does not block; other attempts run on a virtual thread.
     */
    CompletableFuture<Message> submit(Call call) {
        long deadline = System.nanoTime() + timeout.toNanos();
        Target t = target();
        if (t.local() == null) {
            return CompletableFuture.supplyAsync(() -> send(call, deadline, null), retries);
        }
        return attempt(call, t).handle((reply, error) -> {
            Outcome o = outcome(t, reply, error);
            return o.content() != null ? CompletableFuture.completedFuture(o.content())
                    : CompletableFuture.supplyAsync(() -> send(call, deadline, o), retries);
        }).thenCompose(f -> f);
    }

    /** Sends a call and waits for its reply's content (reads, on the caller's thread). */
    ByteString call(Call call) {
        return send(call, System.nanoTime() + timeout.toNanos(), null).getContent();
    }

    /** Attempts until one succeeds or the deadline passes; {@code previous} is what the last attempt came to. */
    private Message send(Call call, long deadline, Outcome previous) {
        Outcome o = previous;
        // What each peer answered last: a failure names them, so that it can be understood from its message.
        Map<RaftPeerId, String> answers = new TreeMap<>(Comparator.comparing(RaftPeerId::toString));
        while (true) {
            if (o != null) {
                if (System.nanoTime() - deadline > 0) {
                    throw new NacreException(Status.UNAVAILABLE, "the metadata service did not answer within " + timeout
                            + " (no leader reachable; last answers: " + (answers.isEmpty() ? "none" : answers.entrySet().stream()
                                    .map(e -> e.getKey() + ": " + e.getValue()).collect(Collectors.joining("; "))) + ")");
                }
                pause(o.pauseNanos());
            }
            Target t = target();
            try {
                o = t.local() != null && !call.write() ? queryLocal(t, call) : outcome(t, attempt(call, t).get(), null);
            } catch (ExecutionException e) {
                o = outcome(t, null, e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new NacreException(Status.UNAVAILABLE, "interrupted while waiting for the metadata service");
            }
            if (o.content() != null) {
                return o.content();
            }
            answers.put(t.peer(), o.why());
        }
    }

    private static void pause(long nanos) {
        if (nanos <= 0) {
            return;
        }
        try {
            TimeUnit.NANOSECONDS.sleep(nanos);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new NacreException(Status.UNAVAILABLE, "interrupted while waiting for the metadata service");
        }
    }

    /** Whether the leader runs in this JVM and is ready: {@link #call} of a read then answers on the caller's thread. */
    boolean localLeaderReady() {
        Target t = localLeader();
        if (t == null) {
            return false;
        }
        return t.local().getStateMachine() instanceof NamespaceStateMachine sm ? sm.leaderReady(t.local())
                : t.local().getInfo().isLeaderReady();
    }

    /** The state machine of the leader when it runs in this JVM, else null. */
    NamespaceStateMachine localLeaderStateMachine() {
        Target t = localLeader();
        if (t == null || !(t.local().getStateMachine() instanceof NamespaceStateMachine sm)) {
            return null;
        }
        if (leader != t.peer()) {
            leader = t.peer();
        }
        return sm;
    }

    /** The leader when it runs in this JVM, else null (the peers' rotation is left alone). */
    private Target localLeader() {
        if (inProcess) {
            for (int i = 0; i < localKeys.size(); i++) {
                RaftServer.Division d = LocalPeers.division(localKeys.get(i));
                if (d != null && d.getInfo().isLeader()) {
                    return new Target(peers.get(i), d);
                }
            }
        }
        return null;
    }

    /** The local leader if one runs in this JVM, else the peer last known to lead, else the next in turn. */
    private Target target() {
        Target local = localLeader();
        if (local != null) {
            return local;
        }
        RaftPeerId l = leader;
        if (l == null) {
            l = peers.get(Math.floorMod(rotation.getAndIncrement(), peers.size()));
        }
        return new Target(l, null);
    }

    /**
     * A read from the leader in this JVM, straight from its state machine: what Ratis itself does with a
     * read on the leader (Read.Option.DEFAULT, see RaftSettings), without the client-request machinery
     * around it, which was as much CPU as the query itself (a tenth of the server's samples during the
     * kernel bench's stats). The state machine refuses, as a retry-later answer, when it cannot answer
     * yet (a leader not ready, a snapshot being installed, a barrier not applied).
     */
    private Outcome queryLocal(Target t, Call call) throws ExecutionException, InterruptedException {
        Message content;
        try {
            content = t.local().getStateMachine().query(call.message()).get();
        } catch (RuntimeException e) {
            return outcome(t, null, e);
        }
        leader = t.peer();
        return Outcome.done(content);
    }

    /** One attempt, bounded by the request timeout. */
    private CompletableFuture<RaftClientReply> attempt(Call call, Target t) {
        RaftClientRequest request = RaftClientRequest.newBuilder()
                .setClientId(clientId)
                .setServerId(t.peer())
                .setGroupId(group)
                .setCallId(call.callId())
                .setMessage(call.message())
                .setType(call.write() ? RaftClientRequest.writeRequestType() : RaftClientRequest.readRequestType())
                .build();
        try {
            if (t.local() == null) {
                // A new gRPC stream per call, with the client's request timeout (Ratis's blocking client does the same).
                return CompletableFuture.completedFuture(rpc.sendRequest(request));
            }
            CompletableFuture<RaftClientReply> f = t.local() instanceof RaftClientAsynchronousProtocol p
                    ? p.submitClientRequestAsync(request)
                    : t.local().getRaftServer().submitClientRequestAsync(request);
            failAfter(f, requestTimeout.toNanos());
            return f;
        } catch (IOException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /**
     * The content of a successful reply, or a pause before trying again (the leader moved, is not ready,
     * could not be reached); throws a NacreException when the call cannot succeed.
     */
    private Outcome outcome(Target t, RaftClientReply reply, Throwable error) {
        if (error != null) {
            Throwable c = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
            if (c instanceof IOException || c instanceof TimeoutException) {
                LOG.debug("metadata request to {} failed: {}", t.peer(), c.toString());
                if (t.local() == null) {
                    rpc.handleException(t.peer(), c, true);
                }
                forget(t.peer());
                return Outcome.retryAfter(ERROR_PAUSE_NANOS, c.toString());
            }
            throw Errors.fromRaft(c);
        }
        if (reply.isSuccess()) {
            leader = t.peer();
            return Outcome.done(reply.getMessage());
        }
        NotLeaderException nle = reply.getNotLeaderException();
        if (nle != null) {
            RaftPeer suggested = nle.getSuggestedLeader();
            if (nle.getPeers() != null) {
                rpc.addRaftPeers(nle.getPeers());
            }
            if (suggested != null && !suggested.getId().equals(t.peer())) {
                leader = suggested.getId();
                return Outcome.retryAfter(0, "not the leader, suggests " + suggested.getId());
            }
            forget(t.peer());
            return Outcome.retryAfter(ELECTION_PAUSE_NANOS, "not the leader, knows none");
        }
        if (reply.getStateMachineException() != null) {
            throw Errors.fromRaft(reply.getStateMachineException());
        }
        // Not ready yet, stepping down, a read index it could not get, closing: try again.
        String why = String.valueOf(reply.getException());
        LOG.debug("metadata request to {} not served: {}", t.peer(), why);
        return Outcome.retryAfter(ELECTION_PAUSE_NANOS, why);
    }

    private void forget(RaftPeerId peer) {
        if (peer.equals(leader)) {
            leader = null;
        }
    }

    @Override
    public void close() {
        retries.shutdownNow();
        watchdog.shutdownNow();
        try {
            raft.close();
        } catch (IOException e) {
            throw new NacreException(Status.IO, "closing the metadata client: " + e.getMessage(), e);
        }
    }
}
