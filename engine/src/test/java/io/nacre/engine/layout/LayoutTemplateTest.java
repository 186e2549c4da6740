package io.nacre.engine.layout;

import static io.nacre.engine.layout.RandomLayouts.K64;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nacre.engine.layout.LayoutTemplate.Entry;
import java.util.List;
import org.junit.jupiter.api.Test;

class LayoutTemplateTest {

    private static final long M = 1 << 20;

    @Test
    void entriesMustIncreaseAndEndAtEof() {
        assertThatThrownBy(() -> new LayoutTemplate(List.of())).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new LayoutTemplate(List.of(Entry.raid0(M, 1, K64, ""))))
                .hasMessageContaining("EOF");
        assertThatThrownBy(() -> new LayoutTemplate(List.of(
                Entry.raid0(4 * M, 1, K64, ""), Entry.raid0(2 * M, 1, K64, ""), Entry.raid0(Extent.EOF, 1, K64, ""))))
                .hasMessageContaining("increase");
        assertThatThrownBy(() -> new LayoutTemplate(List.of(
                Entry.raid0(M + 1, 1, K64, ""), Entry.raid0(Extent.EOF, 1, K64, ""))))
                .hasMessageContaining("64 KiB");
        assertThatThrownBy(() -> new LayoutTemplate(List.of(
                Entry.raid0(M, 1, K64, ""), Entry.dataOnMdt(2 * M), Entry.raid0(Extent.EOF, 1, K64, ""))))
                .hasMessageContaining("data-on-MDT");
        assertThatThrownBy(() -> Entry.dataOnMdt(Extent.EOF)).hasMessageContaining("needs an end");
        LayoutTemplate pfl = new LayoutTemplate(List.of(
                Entry.dataOnMdt(M), Entry.raid0(64 * M, 1, K64, "fast"), Entry.raid0(Extent.EOF, -1, 4 * (int) M, "")));
        assertThat(pfl.isComposite()).isTrue();
        assertThat(LayoutTemplate.DEFAULT.isComposite()).isFalse();
    }

    @Test
    void entryValidation() {
        assertThatThrownBy(() -> Entry.raid0(0, 1, K64, "")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Entry.raid0(Extent.EOF, -2, K64, "")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Entry.raid0(Extent.EOF, 2001, K64, "")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Entry.raid0(Extent.EOF, 1, 1000, "")).isInstanceOf(IllegalArgumentException.class);
        assertThat(Entry.raid0(Extent.EOF, LayoutTemplate.ALL_OSTS, LayoutTemplate.INHERIT, null).pool()).isEmpty();
    }

    @Test
    void inheritFillsCountSizeAndPoolFromTheDefaultOneLevelUp() {
        LayoutTemplate dir = LayoutTemplate.of(LayoutTemplate.INHERIT, LayoutTemplate.INHERIT, "");
        LayoutTemplate fs = LayoutTemplate.of(4, 2 * (int) M, "flash");
        assertThat(dir.inheritFrom(fs)).isEqualTo(fs);
        LayoutTemplate partly = LayoutTemplate.of(2, LayoutTemplate.INHERIT, "disk");
        assertThat(partly.inheritFrom(fs)).isEqualTo(LayoutTemplate.of(2, 2 * (int) M, "disk"));
        assertThat(fs.inheritFrom(LayoutTemplate.DEFAULT)).as("nothing to inherit").isEqualTo(fs);
    }

    @Test
    void whatTheBaseLeavesOpenBecomesLustresDefault() {
        LayoutTemplate open = LayoutTemplate.of(LayoutTemplate.INHERIT, LayoutTemplate.INHERIT, "");
        assertThat(open.inheritFrom(open)).isEqualTo(LayoutTemplate.DEFAULT);
    }

    @Test
    void eachComponentInheritsFromTheBaseComponentCoveringTheSameBytes() {
        // Base: DoM [0, 1M), 1 stripe to 64M, 8 stripes of 4M beyond.
        LayoutTemplate base = new LayoutTemplate(List.of(
                Entry.dataOnMdt(M), Entry.raid0(64 * M, 1, (int) M, "ssd"), Entry.raid0(Extent.EOF, 8, 4 * (int) M, "hdd")));
        LayoutTemplate dir = new LayoutTemplate(List.of(
                Entry.raid0(16 * M, 0, 0, ""), Entry.raid0(128 * M, 0, 0, ""), Entry.raid0(Extent.EOF, 2, 0, "")));
        LayoutTemplate got = dir.inheritFrom(base);
        assertThat(got.entries()).containsExactly(
                Entry.raid0(16 * M, 1, (int) M, "ssd"),     // [0, 16M): base's DoM has no stripes, next entry
                Entry.raid0(128 * M, 1, (int) M, "ssd"),    // [16M, ...) starts inside base's [1M, 64M)
                Entry.raid0(Extent.EOF, 2, 4 * (int) M, "hdd"));
    }

    @Test
    void inheritanceFollowsFileOffsetsNotEntryNumbers() {
        LayoutTemplate base = new LayoutTemplate(List.of(
                Entry.raid0(64 * M, 1, (int) M, ""), Entry.raid0(Extent.EOF, 8, 4 * (int) M, "")));
        LayoutTemplate dir = new LayoutTemplate(List.of(
                Entry.raid0(16 * M, 0, 0, ""), Entry.raid0(32 * M, 0, 0, ""), Entry.raid0(Extent.EOF, 0, 0, "")));
        // Every component of dir starts below 64M: all take base's first entry, none its second.
        assertThat(dir.inheritFrom(base).entries()).extracting(Entry::stripeCount).containsExactly(1, 1, 1);
    }

    @Test
    void aDataOnMdtEntryKeepsNoStripesOrPool() {
        LayoutTemplate dir = new LayoutTemplate(List.of(Entry.dataOnMdt(M), Entry.raid0(Extent.EOF, 0, 0, "")));
        LayoutTemplate got = dir.inheritFrom(LayoutTemplate.of(3, 2 * (int) M, "p"));
        assertThat(got.entries().get(0).dataOnMdt()).isTrue();
        assertThat(got.entries().get(0).stripeCount()).isZero();
        assertThat(got.entries().get(0).pool()).isEmpty();
        assertThat(got.entries().get(1)).isEqualTo(Entry.raid0(Extent.EOF, 3, 2 * (int) M, "p"));
    }
}
