package io.nacre.appliance;

import com.sun.management.HotSpotDiagnosticMXBean;
import java.lang.management.ManagementFactory;

/**
 * What runs Nacre: the Java version and which JIT compilers this JVM uses. bin/nacre picks C1 alone on an
 * emulated CPU (NACRE_JIT), and {@code nacre --version} and {@code nacre up}'s banner say what was picked.
 */
final class Jvm {

    private Jvm() {
    }

    /** For example "Java 21.0.5, JIT C1 and C2". */
    static String describe() {
        return "Java " + Runtime.version() + ", JIT " + compilers();
    }

    /** "C1 and C2", "C1 only" (tiers stopped below 4), "C2 only" (no tiers), or "the JVM's own" (not HotSpot). */
    static String compilers() {
        HotSpotDiagnosticMXBean hotSpot = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
        if (hotSpot == null) {
            return "the JVM's own";
        }
        try {
            if (!Boolean.parseBoolean(hotSpot.getVMOption("TieredCompilation").getValue())) {
                return "C2 only";
            }
            return Integer.parseInt(hotSpot.getVMOption("TieredStopAtLevel").getValue()) < 4 ? "C1 only" : "C1 and C2";
        } catch (IllegalArgumentException e) {
            // A HotSpot without these options (a build without C1 or C2).
            return "the JVM's own";
        }
    }
}
