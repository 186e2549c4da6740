package io.nacre.meta;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nacre.engine.NacreException;
import io.nacre.engine.Status;
import io.nacre.meta.OstChooser.Candidate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class OstChooserTest {

    private static List<Candidate> osts(long... free) {
        List<Candidate> out = new ArrayList<>();
        for (int i = 0; i < free.length; i++) {
            out.add(new Candidate(i, free[i]));
        }
        return out;
    }

    @Test
    void balancedPoolsGoRoundRobinWithConsecutiveStripes() {
        List<Candidate> cs = osts(100, 95, 90, 99);
        assertThat(OstChooser.choose(cs, 1, 0, new SplittableRandom(1))).containsExactly(0);
        assertThat(OstChooser.choose(cs, 1, 5, new SplittableRandom(1))).containsExactly(1);
        assertThat(OstChooser.choose(cs, 3, 2, new SplittableRandom(1))).containsExactly(2, 3, 0);
        assertThat(OstChooser.choose(osts(-1, -1), 2, 1, new SplittableRandom(1))).containsExactly(1, 0);
    }

    @Test
    void roundRobinSpreadsFirstStripesEvenly() {
        List<Candidate> cs = osts(10, 10, 10, 10, 10);
        Map<Integer, Integer> first = new HashMap<>();
        for (int rr = 0; rr < 500; rr++) {
            first.merge(OstChooser.choose(cs, 2, rr, new SplittableRandom(rr)).get(0), 1, Integer::sum);
        }
        assertThat(first.values()).containsOnly(100);
    }

    @Test
    void imbalancedPoolsFavourFreeSpace() {
        // OST 0 is nearly full: it gets about its share of the free space, 1 / 31
        List<Candidate> cs = osts(10, 100, 100, 100);
        SplittableRandom random = new SplittableRandom(42);
        int[] count = new int[4];
        for (int i = 0; i < 31_000; i++) {
            count[OstChooser.choose(cs, 1, i, random).get(0)]++;
        }
        assertThat(count[0]).isBetween(700, 1300);
        for (int i = 1; i < 4; i++) {
            assertThat(count[i]).isBetween(9_300, 10_700);
        }
    }

    @Test
    void weightedChoicesNeverRepeatAnOst() {
        SplittableRandom random = new SplittableRandom(7);
        for (int i = 0; i < 1000; i++) {
            assertThat(OstChooser.choose(osts(1, 1000, 5, 300, 2), 5, i, random)).doesNotHaveDuplicates().hasSize(5);
        }
    }

    @Test
    void fullOstsAreSkippedAndTooFewIsNoSpace() {
        assertThat(OstChooser.choose(osts(0, 50, 50), 2, 0, new SplittableRandom(1))).containsExactly(1, 2);
        assertThatThrownBy(() -> OstChooser.choose(osts(0, 50, 0), 2, 0, new SplittableRandom(1)))
                .isInstanceOfSatisfying(NacreException.class, e -> assertThat(e.status()).isEqualTo(Status.NO_SPACE));
    }

    @Test
    void balanceThresholdIsSeventeenPercent() {
        assertThat(OstChooser.balanced(osts(100, 83))).isTrue();
        assertThat(OstChooser.balanced(osts(100, 82))).isFalse();
        assertThat(OstChooser.balanced(osts(100, -1, 0))).isTrue();
    }
}
