package io.nacre.appliance;

import com.sun.management.HotSpotDiagnosticMXBean;
import java.lang.management.ManagementFactory;

/**
 * What runs Nacre: the Java version, which JIT compilers this JVM uses and how it computes CRC32C. bin/nacre picks
 * C1 alone (NACRE_JIT) and the JDK's table code for CRC32C (NACRE_CRC32C) on an emulated CPU, and {@code nacre
 * --version} and {@code nacre up}'s banner say what was picked.
 */
final class Jvm {

    private Jvm() {
    }

    /** For example "Java 21.0.5, JIT C1 and C2", or "Java 21.0.5, JIT C1 only, CRC32C in Java". */
    static String describe() {
        return "Java " + Runtime.version() + ", JIT " + compilers() + (crc32cIntrinsic() ? "" : ", CRC32C in Java");
    }

    /** Whether CRC32C runs as the JVM's intrinsic (true when this JVM does not say). */
    static boolean crc32cIntrinsic() {
        HotSpotDiagnosticMXBean hotSpot = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
        if (hotSpot == null) {
            return true;
        }
        try {
            return Boolean.parseBoolean(hotSpot.getVMOption("UseCRC32CIntrinsics").getValue());
        } catch (IllegalArgumentException e) {
            return true;
        }
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
