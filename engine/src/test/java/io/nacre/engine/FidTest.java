package io.nacre.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nacre.engine.layout.Seeds;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class FidTest {

    private static Fid random(Random r) {
        return switch (r.nextInt(3)) {
            case 0 -> new Fid(r.nextLong(), r.nextInt(), r.nextInt());
            case 1 -> new Fid(Fid.FIRST_NORMAL_SEQ + r.nextInt(1000), r.nextInt(1 << 16), 0);
            default -> new Fid(-1L, -1, -1);
        };
    }

    @Test
    void hexBytesAndPrintedFormRoundTrip() {
        Seeds.forEach(5_000, seed -> {
            Fid f = random(new Random(seed));
            assertThat(f.toHex()).hasSize(32).matches("[0-9a-f]{32}");
            assertThat(Fid.fromHex(f.toHex())).isEqualTo(f);
            assertThat(Fid.fromBytes(f.toBytes())).isEqualTo(f);
            assertThat(Fid.parse(f.toString())).isEqualTo(f);
            ByteBuffer b = ByteBuffer.allocate(20).position(2);
            f.writeTo(b);
            assertThat(Fid.readFrom(b.flip().position(2))).isEqualTo(f);
        });
    }

    @Test
    void printedFormIsLustres() {
        Fid f = new Fid(0x200000400L, 1, 0);
        assertThat(f).hasToString("[0x200000400:0x1:0x0]");
        assertThat(new Fid(0x200000400L, -1, -2)).hasToString("[0x200000400:0xffffffff:0xfffffffe]");
        assertThat(Fid.parse("0x200000400:0x1:0x0")).isEqualTo(f);
        assertThat(Fid.parse(" [0X200000400:1:0] ")).isEqualTo(f);
        assertThat(Fid.ROOT.isReserved()).isTrue();
        assertThat(f.isReserved()).isFalse();
    }

    @Test
    void malformedTextIsInvalid() {
        for (String bad : List.of("", "[]", "0x1:0x2", "0x1:0x2:0x3:", "0x1:0x2:0x3:0x4", "0x1::0x3",
                "0xg:0x1:0x0", "0x1:0x100000000:0x0", "0x1:0x1:0x1ffffffff", "0x1:+1:0x0",
                "0x10000000000000000:0x1:0x0")) {
            assertThatThrownBy(() -> Fid.parse(bad)).as(bad)
                    .isInstanceOfSatisfying(NacreException.class, e -> assertThat(e.status()).isEqualTo(Status.INVALID));
        }
        for (String bad : List.of("", "00", "zz000000000000000000000000000000", "0".repeat(34))) {
            assertThatThrownBy(() -> Fid.fromHex(bad)).as(bad)
                    .isInstanceOfSatisfying(NacreException.class, e -> assertThat(e.status()).isEqualTo(Status.INVALID));
        }
        assertThatThrownBy(() -> Fid.fromBytes(new byte[15])).isInstanceOf(NacreException.class);
    }

    @Test
    void orderIsUnsignedBySequenceThenObjectThenVersion() {
        List<Fid> fids = new ArrayList<>(List.of(
                new Fid(-1L, 0, 0), new Fid(1, -1, 0), new Fid(1, 1, -1), new Fid(1, 1, 0), new Fid(0, 0, 0)));
        Collections.shuffle(fids, new Random(1));
        Collections.sort(fids);
        assertThat(fids).containsExactly(
                new Fid(0, 0, 0), new Fid(1, 1, 0), new Fid(1, 1, -1), new Fid(1, -1, 0), new Fid(-1L, 0, 0));
        // Byte order of the hex form is the same order (archive keys list in Fid order).
        for (int i = 1; i < fids.size(); i++) {
            assertThat(fids.get(i - 1).toHex()).isLessThan(fids.get(i).toHex());
        }
    }

    @Test
    void fidsAreEqualExactlyWhenEveryPartIs() {
        Seeds.forEach(5_000, seed -> {
            Random r = new Random(seed);
            Fid f = random(r);
            Fid same = new Fid(f.seq(), f.oid(), f.ver());
            assertThat(same).isEqualTo(f).hasSameHashCodeAs(f);
            assertThat(new Fid(f.seq() + 1, f.oid(), f.ver())).isNotEqualTo(f);
            assertThat(new Fid(f.seq(), f.oid() + 1, f.ver())).isNotEqualTo(f);
            assertThat(new Fid(f.seq(), f.oid(), f.ver() + 1)).isNotEqualTo(f);
            assertThat(f).isNotEqualTo(null).isNotEqualTo(f.toHex());
        });
        // consecutive object ids of one sequence (a directory's new files) spread over hash buckets
        java.util.Set<Integer> hashes = new java.util.HashSet<>();
        for (int oid = 0; oid < 1000; oid++) {
            hashes.add(new Fid(Fid.FIRST_NORMAL_SEQ, oid, 0).hashCode());
        }
        assertThat(hashes).hasSize(1000);
    }
}
