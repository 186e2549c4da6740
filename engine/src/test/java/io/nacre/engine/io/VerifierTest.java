package io.nacre.engine.io;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class VerifierTest {

    @Test
    void changesWhenAKnownOstReportsANewInstanceOnly() {
        Verifier v = new Verifier(42);
        long v0 = v.value();
        v.observe(0, 7);
        v.observe(1, 9);
        v.observe(0, 7);
        assertThat(v.value()).as("first sightings and repeats change nothing").isEqualTo(v0);
        v.observe(1, 10);
        long v1 = v.value();
        assertThat(v1).isNotEqualTo(v0);
        v.observe(1, 10);
        assertThat(v.value()).isEqualTo(v1);
    }

    @Test
    void everyChangeGivesANewValue() {
        Verifier v = new Verifier(-1);
        v.observe(3, 0);
        Set<Long> seen = new HashSet<>();
        seen.add(v.value());
        for (int i = 1; i <= 1000; i++) {
            v.observe(3, i);
            assertThat(seen.add(v.value())).isTrue();
        }
    }

    @Test
    void eachFileIoStartsWithItsOwnValue() {
        assertThat(new Verifier().value()).isNotEqualTo(new Verifier().value());
    }
}
