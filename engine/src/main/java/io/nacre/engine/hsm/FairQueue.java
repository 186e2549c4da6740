package io.nacre.engine.hsm;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Which waiting requests an agent gets, pure: requests are grouped by class (action and requesting user),
 * each class is first in, first out, and classes take turns, restores first in each turn (someone is
 * usually waiting on a restore). So a storm of restores from one user, or a policy run queueing a
 * million archives, takes one turn among the others instead of the whole queue.
 */
public final class FairQueue {

    private FairQueue() {
    }

    /** The class a request queues in. */
    record Key(HsmAction action, int uid) {
    }

    /**
     * Picks up to {@code max} requests from {@code waiting} (in queue order, all eligible), in the order
     * they should start.
     */
    public static List<HsmRequest> pick(List<HsmRequest> waiting, int max) {
        Map<Key, Deque<HsmRequest>> classes = new LinkedHashMap<>();
        for (HsmRequest r : waiting) {
            classes.computeIfAbsent(new Key(r.action(), r.uid()), k -> new ArrayDeque<>()).add(r);
        }
        List<Deque<HsmRequest>> turn = new ArrayList<>(classes.values());
        // Restores first, then removes, then archives; among equals, the class waiting longest.
        turn.sort(Comparator.comparingInt((Deque<HsmRequest> d) -> rank(d.peekFirst().action()))
                .thenComparingLong(d -> d.peekFirst().id()));
        List<HsmRequest> out = new ArrayList<>(Math.min(max, waiting.size()));
        while (out.size() < max && !turn.isEmpty()) {
            for (int i = 0; i < turn.size() && out.size() < max; i++) {
                out.add(turn.get(i).pollFirst());
            }
            turn.removeIf(Deque::isEmpty);
        }
        return out;
    }

    private static int rank(HsmAction a) {
        return switch (a) {
            case RESTORE -> 0;
            case REMOVE -> 1;
            case ARCHIVE -> 2;
            case CANCEL -> 3;
        };
    }
}
