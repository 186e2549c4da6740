package io.nacre.engine.io;

import java.security.SecureRandom;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The write verifier of a FileIo (NFS's writeverf4): a value that changes whenever unstable data this
 * FileIo accepted may have been lost, so that clients send it again. That is when this FileIo starts
 * (its record of unstable writes is gone) and when an OST it has written to reports a new instance
 * number (the OST restarted and dropped what it had not synced).
 */
final class Verifier {

    /** Odd, so that {@code boot + epoch * STEP} differs for every epoch. */
    private static final long STEP = 0x9E3779B97F4A7C15L;

    private final long boot;
    private final AtomicLong epoch = new AtomicLong();
    private final Map<Integer, Long> instances = new ConcurrentHashMap<>();

    Verifier() {
        this(new SecureRandom().nextLong());
    }

    Verifier(long boot) {
        this.boot = boot;
    }

    /** Notes the instance number an OST returned; a new one for a known OST changes the verifier. */
    void observe(int ost, long instance) {
        instances.compute(ost, (k, old) -> {
            if (old != null && old != instance) {
                epoch.incrementAndGet();
            }
            return instance;
        });
    }

    long value() {
        return boot + epoch.get() * STEP;
    }
}
