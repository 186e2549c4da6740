package io.nacre.nfs.v41.state;

import io.nacre.nfs.v41.cb.BackChannel;
import io.nacre.nfs.v41.xdr.ChannelAttrs4;
import io.nacre.nfs.v41.xdr.SessionId4;
import java.net.InetSocketAddress;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** A session of a client: its negotiated channels, the fore channel's slots, the backchannel. */
public final class Session {

    private final SessionId4 id;
    private final NfsClient client;
    private final ChannelAttrs4 fore;
    private final ChannelAttrs4 back;
    private final int flags;
    private final Slot[] slots;
    private final BackChannel backChannel;
    private final Set<InetSocketAddress> connections = ConcurrentHashMap.newKeySet();
    private volatile boolean destroyed;

    Session(SessionId4 id, NfsClient client, ChannelAttrs4 fore, ChannelAttrs4 back, int flags,
            BackChannel backChannel) {
        this.id = id;
        this.client = client;
        this.fore = fore;
        this.back = back;
        this.flags = flags;
        this.backChannel = backChannel;
        this.slots = new Slot[fore.maxRequests()];
        for (int i = 0; i < slots.length; i++) {
            slots[i] = new Slot();
        }
    }

    public SessionId4 id() {
        return id;
    }

    public NfsClient client() {
        return client;
    }

    public ChannelAttrs4 fore() {
        return fore;
    }

    public ChannelAttrs4 back() {
        return back;
    }

    public int flags() {
        return flags;
    }

    /** The slot, or null when {@code slotId} is beyond the table. */
    public Slot slot(int slotId) {
        return slotId >= 0 && slotId < slots.length ? slots[slotId] : null;
    }

    public int highestSlotId() {
        return slots.length - 1;
    }

    public BackChannel backChannel() {
        return backChannel;
    }

    void bind(InetSocketAddress remote) {
        connections.add(remote);
    }

    public boolean isBound(InetSocketAddress remote) {
        return connections.contains(remote);
    }

    boolean busy() {
        for (Slot s : slots) {
            if (s.inProgress()) {
                return true;
            }
        }
        return false;
    }

    void destroy() {
        destroyed = true;
        backChannel.close();
    }

    public boolean destroyed() {
        return destroyed;
    }

    @Override
    public String toString() {
        return "session " + id;
    }
}
