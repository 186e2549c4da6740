package io.nacre.s3.fs;

import static org.assertj.core.api.Assertions.assertThat;

import io.nacre.s3.checksum.ChecksumAlgorithm;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ObjectMetaTest {

    @Test
    void metadataSurvivesEncoding() {
        Map<String, String> h = new LinkedHashMap<>();
        h.put("content-type", "text/plain; charset=utf-8");
        h.put("x-amz-meta-émoji", "😀 value");
        ObjectMeta m = new ObjectMeta(42, "abc-3", h, ChecksumAlgorithm.CRC64NVME, "AAAAAAAAAAA=", false,
                new long[] {5 << 20, 5 << 20, 17});
        ObjectMeta back = ObjectMeta.decode(m.encode());
        assertThat(back).isEqualTo(m);
        assertThat(back.headers()).containsExactlyEntriesOf(h);
        assertThat(back.partSizes()).containsExactly(5 << 20, 5 << 20, 17);
        ObjectMeta irregular = new ObjectMeta(1, "e", Map.of(), null, null, false, new long[] {7, 5, 9, 1});
        assertThat(ObjectMeta.decode(irregular.encode())).isEqualTo(irregular);
        ObjectMeta plain = new ObjectMeta(0, MetaStore.EMPTY_ETAG, Map.of(), null, null, false, null);
        assertThat(ObjectMeta.decode(plain.encode())).isEqualTo(plain);
        assertThat(plain.partsCount()).isZero();
    }

    @Test
    void garbageDecodesToNothingSoTheEtagIsRecomputed() {
        assertThat(ObjectMeta.decode(new byte[0])).isNull();
        assertThat(ObjectMeta.decode(new byte[] {9, 1, 2})).isNull();
        byte[] ok = new ObjectMeta(3, "x", Map.of(), null, null, false, null).encode();
        assertThat(ObjectMeta.decode(java.util.Arrays.copyOf(ok, ok.length - 2))).isNull();
    }

    @Test
    void aNewEtagDropsWhatDescribedTheOldData() {
        ObjectMeta m = new ObjectMeta(1, "old-2", Map.of("content-type", "a/b"), ChecksumAlgorithm.CRC32, "x", true,
                new long[] {1, 2});
        ObjectMeta n = m.withEtag(2, "new");
        assertThat(n.headers()).isEqualTo(m.headers());
        assertThat(n.checksumAlgorithm()).isNull();
        assertThat(n.partsCount()).isZero();
        assertThat(n.dataVersion()).isEqualTo(2);
    }
}
