package io.nacre.meta;

import io.nacre.engine.NacreException;
import io.nacre.engine.Status;
import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * Chooses the OSTs of a new RAID0 component, as Lustre's QOS allocator does: round-robin over the pool
 * while free space is balanced (the spread between the emptiest and the fullest OST is within
 * {@link #BALANCED} of the emptiest), otherwise a random choice weighted by free space, so that
 * fuller OSTs get fewer new objects until the pool is balanced again. Pure; the caller supplies the
 * round-robin position and the random source.
 */
final class OstChooser {

    /** Lustre's qos_threshold_rr default: 17%. */
    static final double BALANCED = 0.17;

    /** An OST that may take a stripe: its index and free bytes (-1 when unknown). */
    record Candidate(int ost, long free) {
    }

    private OstChooser() {
    }

    /**
     * Picks {@code count} distinct OSTs from {@code candidates} (in index order). OSTs known to be full
     * are skipped; NO_SPACE when fewer than count remain.
     *
     * @param rr  the round-robin position: the first stripe goes to candidate {@code rr % n}
     */
    static List<Integer> choose(List<Candidate> candidates, int count, long rr, RandomGenerator random) {
        List<Candidate> usable = new ArrayList<>(candidates.size());
        for (Candidate c : candidates) {
            if (c.free() != 0) {
                usable.add(c);
            }
        }
        if (usable.size() < count) {
            throw new NacreException(Status.NO_SPACE, "need " + count + " OSTs with free space, only " + usable.size()
                    + " of " + candidates.size() + " have any");
        }
        if (balanced(usable)) {
            return roundRobin(usable, count, rr);
        }
        return weighted(usable, count, random);
    }

    static boolean balanced(List<Candidate> cs) {
        long max = Long.MIN_VALUE;
        long min = Long.MAX_VALUE;
        for (Candidate c : cs) {
            if (c.free() < 0) {
                return true;
            }
            max = Math.max(max, c.free());
            min = Math.min(min, c.free());
        }
        return cs.isEmpty() || (max - min) <= (long) (max * BALANCED);
    }

    private static List<Integer> roundRobin(List<Candidate> cs, int count, long rr) {
        int n = cs.size();
        int start = (int) Math.floorMod(rr, (long) n);
        List<Integer> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            out.add(cs.get((start + i) % n).ost());
        }
        return out;
    }

    /** Weighted random sampling without replacement, weight = free bytes. */
    private static List<Integer> weighted(List<Candidate> cs, int count, RandomGenerator random) {
        List<Candidate> left = new ArrayList<>(cs);
        List<Integer> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            double total = 0;
            for (Candidate c : left) {
                total += c.free();
            }
            double pick = random.nextDouble() * total;
            int chosen = left.size() - 1;
            for (int k = 0; k < left.size(); k++) {
                pick -= left.get(k).free();
                if (pick < 0) {
                    chosen = k;
                    break;
                }
            }
            out.add(left.remove(chosen).ost());
        }
        return out;
    }
}
