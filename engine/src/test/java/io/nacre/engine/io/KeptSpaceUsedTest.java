package io.nacre.engine.io;

import static org.assertj.core.api.Assertions.assertThat;

import io.nacre.engine.Fid;
import org.junit.jupiter.api.Test;

class KeptSpaceUsedTest {

    private final KeptSpaceUsed kept = new KeptSpaceUsed();
    private final Fid a = new Fid(0x200000401L, 1, 0);
    private final Fid b = new Fid(0x200000401L, 2, 0);

    @Test
    void anAnswerIsKeptForTheChangeAttributeItWasAskedAt() {
        kept.keep(a, 7, 4096, kept.ticket(), System.nanoTime());
        assertThat(kept.get(a, 7)).hasValue(4096);
        assertThat(kept.get(a, 8)).as("another change attribute").isEmpty();
        assertThat(kept.get(b, 7)).as("another file").isEmpty();
    }

    @Test
    void anAskThatRacedAForgetKeepsNothing() {
        long ticket = kept.ticket();
        kept.forget(a); // a write layout granted while the OSTs were being asked
        kept.keep(a, 7, 4096, ticket, System.nanoTime());
        assertThat(kept.get(a, 7)).isEmpty();
        kept.keep(a, 7, 8192, kept.ticket(), System.nanoTime());
        assertThat(kept.get(a, 7)).hasValue(8192);
        kept.forget(a);
        assertThat(kept.get(a, 7)).isEmpty();
    }

    @Test
    void anAnswerOlderThanTheLimitIsAskedAgain() {
        long longAgo = System.nanoTime() - KeptSpaceUsed.MAX_AGE_NANOS - 1_000_000_000L;
        kept.keep(a, 7, 4096, kept.ticket(), longAgo);
        assertThat(kept.get(a, 7)).isEmpty();
    }

    @Test
    void pastItsLimitAnEighthIsDropped() {
        for (int i = 0; i <= KeptSpaceUsed.MAX_ENTRIES; i++) {
            kept.keep(new Fid(0x200000402L, i, 0), 1, i, kept.ticket(), System.nanoTime());
        }
        int left = 0;
        for (int i = 0; i <= KeptSpaceUsed.MAX_ENTRIES; i++) {
            left += kept.get(new Fid(0x200000402L, i, 0), 1).isPresent() ? 1 : 0;
        }
        assertThat(left).isLessThanOrEqualTo(KeptSpaceUsed.MAX_ENTRIES - KeptSpaceUsed.MAX_ENTRIES / 8 + 1)
                .isGreaterThan(KeptSpaceUsed.MAX_ENTRIES / 2);
    }
}
