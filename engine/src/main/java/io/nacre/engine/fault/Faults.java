package io.nacre.engine.fault;

import io.nacre.engine.NacreException;
import io.nacre.engine.Status;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Named fault points (Lustre's OBD_FAIL): code calls {@code Faults.hit("ost.write.before_commit")} at
 * a point where failures matter; tests arm a point to fail there, halt the JVM there (as kill -9
 * would), or pause. Costs one volatile read when nothing is armed.
 *
 * <p>A process can be started with points armed: system property {@code nacre.faults} or environment
 * variable {@code NACRE_FAULTS}, e.g. {@code ost.write.after_commit=halt:3} (halt on the 3rd hit),
 * {@code mds.apply.after_lmdb=fail}, {@code oss.read=sleep500} (pause 500 ms), comma separated.
 */
public final class Faults {

    private static final Logger LOG = LoggerFactory.getLogger(Faults.class);

    /** What an armed point does when hit. */
    public enum Kind {
        /** Throw a NacreException with status IO. */
        FAIL,
        /** Stop the JVM at once, without shutdown hooks (exit code 137, as kill -9). */
        HALT,
        /** Sleep {@code millis}, then carry on. */
        SLEEP
    }

    /** An armed fault: fires on the {@code nth} hit (1 = first) and, if {@code repeat}, every hit after. */
    public record Fault(Kind kind, int nth, boolean repeat, long millis) {
        public Fault {
            Objects.requireNonNull(kind, "kind");
            if (nth < 1) {
                throw new IllegalArgumentException("a fault fires on hit 1 or later: " + nth);
            }
            if (millis < 0) {
                throw new IllegalArgumentException("negative sleep: " + millis);
            }
        }

        public static Fault fail() {
            return new Fault(Kind.FAIL, 1, true, 0);
        }

        public static Fault failOnce() {
            return new Fault(Kind.FAIL, 1, false, 0);
        }

        public static Fault halt(int nth) {
            return new Fault(Kind.HALT, nth, false, 0);
        }

        public static Fault sleep(long millis) {
            return new Fault(Kind.SLEEP, 1, true, millis);
        }
    }

    private record Armed(Fault fault, AtomicInteger hits) {
    }

    private static final Map<String, Armed> POINTS = new ConcurrentHashMap<>();
    private static volatile boolean anyArmed;

    static {
        String spec = System.getProperty("nacre.faults", System.getenv("NACRE_FAULTS"));
        if (spec != null && !spec.isBlank()) {
            armFromSpec(spec);
        }
    }

    private Faults() {
    }

    /** Marks a fault point; does what is armed there, if anything. */
    public static void hit(String point) {
        if (!anyArmed) {
            return;
        }
        Armed a = POINTS.get(point);
        if (a == null) {
            return;
        }
        int n = a.hits().incrementAndGet();
        Fault f = a.fault();
        if (n < f.nth() || (n > f.nth() && !f.repeat())) {
            return;
        }
        LOG.warn("fault point {} fires ({}, hit {})", point, f.kind(), n);
        switch (f.kind()) {
            case FAIL -> throw new NacreException(Status.IO, "injected fault at " + point);
            case HALT -> Runtime.getRuntime().halt(137);
            case SLEEP -> {
                try {
                    Thread.sleep(f.millis());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }

    public static void arm(String point, Fault fault) {
        POINTS.put(point, new Armed(fault, new AtomicInteger()));
        anyArmed = true;
    }

    public static void disarm(String point) {
        POINTS.remove(point);
        anyArmed = !POINTS.isEmpty();
    }

    public static void disarmAll() {
        POINTS.clear();
        anyArmed = false;
    }

    /** How many times an armed point was hit (0 when not armed). */
    public static int hits(String point) {
        Armed a = POINTS.get(point);
        return a == null ? 0 : a.hits().get();
    }

    /** Arms points from the text form described on the class. */
    public static void armFromSpec(String spec) {
        for (String item : spec.split(",")) {
            String s = item.strip();
            if (s.isEmpty()) {
                continue;
            }
            int eq = s.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("fault spec needs point=action: " + s);
            }
            String point = s.substring(0, eq);
            String action = s.substring(eq + 1);
            int nth = 1;
            int colon = action.indexOf(':');
            if (colon > 0) {
                nth = Integer.parseInt(action.substring(colon + 1));
                action = action.substring(0, colon);
            }
            Fault f;
            if (action.equals("fail")) {
                f = new Fault(Kind.FAIL, nth, colon < 0, 0);
            } else if (action.equals("halt")) {
                f = Fault.halt(nth);
            } else if (action.startsWith("sleep")) {
                f = new Fault(Kind.SLEEP, nth, true, Long.parseLong(action.substring(5)));
            } else {
                throw new IllegalArgumentException("unknown fault action (fail, halt, sleepMS): " + action);
            }
            arm(point, f);
        }
    }
}
