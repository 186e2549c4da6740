package io.nacre.engine.fault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nacre.engine.NacreException;
import io.nacre.engine.Status;
import io.nacre.engine.fault.Faults.Fault;
import io.nacre.engine.fault.Faults.Kind;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class FaultsTest {

    @AfterEach
    void disarm() {
        Faults.disarmAll();
    }

    /** Hits a point n times; returns the 1-based hits that threw. */
    private static String fired(String point, int n) {
        StringBuilder sb = new StringBuilder();
        for (int i = 1; i <= n; i++) {
            try {
                Faults.hit(point);
            } catch (NacreException e) {
                assertThat(e.status()).isEqualTo(Status.IO);
                assertThat(e.getMessage()).contains(point);
                sb.append(sb.isEmpty() ? "" : ",").append(i);
            }
        }
        return sb.toString();
    }

    @Test
    void anUnarmedPointDoesNothing() {
        assertThat(fired("test.nothing", 3)).isEmpty();
        assertThat(Faults.hits("test.nothing")).isZero();
    }

    @Test
    void failFiresOnEveryHitFailOnNthOnlyOnThatOne() {
        Faults.armFromSpec("test.a=fail, test.b=fail:3 ,,");
        assertThat(fired("test.a", 3)).isEqualTo("1,2,3");
        assertThat(fired("test.b", 5)).isEqualTo("3");
        assertThat(Faults.hits("test.b")).isEqualTo(5);
        Faults.arm("test.c", Fault.failOnce());
        assertThat(fired("test.c", 3)).isEqualTo("1");
        Faults.arm("test.d", new Fault(Kind.FAIL, 2, true, 0));
        assertThat(fired("test.d", 4)).isEqualTo("2,3,4");
    }

    @Test
    void sleepPausesAndCarriesOn() {
        Faults.armFromSpec("test.s=sleep20:2");
        long t0 = System.nanoTime();
        assertThat(fired("test.s", 3)).isEmpty();
        assertThat(System.nanoTime() - t0).as("two of the three hits slept 20 ms").isGreaterThanOrEqualTo(40_000_000L);
    }

    @Test
    void disarmStopsAPoint() {
        Faults.arm("test.x", Fault.fail());
        Faults.arm("test.y", Fault.fail());
        Faults.disarm("test.x");
        assertThat(fired("test.x", 1)).isEmpty();
        assertThat(fired("test.y", 1)).isEqualTo("1");
    }

    @Test
    void badSpecsAreRefused() {
        assertThatThrownBy(() -> Faults.armFromSpec("test.p")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Faults.armFromSpec("=fail")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Faults.armFromSpec("test.p=explode")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Faults.armFromSpec("test.p=fail:x")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Faults.armFromSpec("test.p=sleep")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Faults.armFromSpec("test.p=fail:0")).as("would never fire")
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Faults.armFromSpec("test.p=sleep-5")).isInstanceOf(IllegalArgumentException.class);
        assertThat(Faults.hits("test.p")).isZero();
    }
}
