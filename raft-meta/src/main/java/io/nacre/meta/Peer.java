package io.nacre.meta;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.List;

/**
 * One metadata server of the Raft group: its id and its gRPC address ({@code host:port}). Port 0 is
 * allowed for a single-peer group (an ephemeral port is chosen and kept for restarts).
 */
public record Peer(String id, String address) {

    public Peer {
        requireNonNull(id, "id");
        requireNonNull(address, "address");
        if (!id.matches("[A-Za-z0-9_.-]{1,64}")) {
            throw new IllegalArgumentException("a peer id is 1 to 64 of [A-Za-z0-9_.-]: '" + id + "'");
        }
        int colon = address.lastIndexOf(':');
        if (colon <= 0 || colon == address.length() - 1) {
            throw new IllegalArgumentException("a peer address is host:port, not '" + address + "'");
        }
        int port;
        try {
            port = Integer.parseInt(address.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("bad port in peer address '" + address + "'");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("bad port in peer address '" + address + "'");
        }
    }

    public String host() {
        return address.substring(0, address.lastIndexOf(':'));
    }

    public int port() {
        return Integer.parseInt(address.substring(address.lastIndexOf(':') + 1));
    }

    /** Parses {@code id=host:port}. */
    public static Peer parse(String text) {
        requireNonNull(text, "text");
        int eq = text.indexOf('=');
        if (eq <= 0) {
            throw new IllegalArgumentException("a peer is id=host:port, not '" + text + "'");
        }
        return new Peer(text.substring(0, eq).strip(), text.substring(eq + 1).strip());
    }

    /** Parses a comma-separated list of {@code id=host:port}. */
    public static List<Peer> parseList(String text) {
        requireNonNull(text, "text");
        List<Peer> out = new ArrayList<>();
        for (String s : text.split(",")) {
            if (!s.isBlank()) {
                out.add(parse(s));
            }
        }
        return out;
    }

    @Override
    public String toString() {
        return id + "=" + address;
    }
}
