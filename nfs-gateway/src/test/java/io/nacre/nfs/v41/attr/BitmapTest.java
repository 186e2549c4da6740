package io.nacre.nfs.v41.attr;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class BitmapTest {

    @Test
    void bitsListsEverySetBitInAscendingOrder() {
        Random random = new Random(42);
        for (int round = 0; round < 2000; round++) {
            int[] mask = new int[random.nextInt(4)];
            for (int i = 0; i < mask.length; i++) {
                mask[i] = switch (random.nextInt(4)) {
                    case 0 -> 0;
                    case 1 -> -1;
                    case 2 -> Integer.MIN_VALUE | 1;
                    default -> random.nextInt();
                };
            }
            List<Integer> expected = new ArrayList<>();
            for (int b = 0; b < mask.length * 32; b++) {
                if (Bitmap.isSet(mask, b)) {
                    expected.add(b);
                }
            }
            assertThat(Bitmap.bits(mask)).as("mask %s", java.util.Arrays.toString(mask))
                    .containsExactly(expected.stream().mapToInt(Integer::intValue).toArray());
        }
    }

    @Test
    void bitsOfWhatLinuxAsksRoundTripsThroughOf() {
        int[] asked = Bitmap.of(AttrNum.TYPE, AttrNum.SIZE, AttrNum.FILEID, AttrNum.MODE, AttrNum.SPACE_USED,
                AttrNum.TIME_MODIFY, AttrNum.MOUNTED_ON_FILEID);
        assertThat(Bitmap.of(Bitmap.bits(asked))).isEqualTo(asked);
        assertThat(Bitmap.bits(asked)).containsExactly(AttrNum.TYPE, AttrNum.SIZE, AttrNum.FILEID, AttrNum.MODE,
                AttrNum.SPACE_USED, AttrNum.TIME_MODIFY, AttrNum.MOUNTED_ON_FILEID);
    }
}
