package io.nacre.appliance.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nacre.engine.layout.Extent;
import io.nacre.engine.layout.LayoutTemplate;
import io.nacre.engine.layout.LayoutTemplate.Entry;
import java.util.List;
import org.junit.jupiter.api.Test;

class StripeArgsTest {

    @Test
    void plainStripingIsOneComponentToEof() {
        StripeArgs.Parsed p = StripeArgs.parse(List.of("-c", "4", "-S", "4M", "-p", "flash", "/data/x"));
        assertThat(p.path()).isEqualTo("/data/x");
        assertThat(p.template().entries()).containsExactly(Entry.raid0(Extent.EOF, 4, 4 << 20, "flash"));
    }

    @Test
    void unsetCountAndSizeInheritLikeLfs() {
        StripeArgs.Parsed p = StripeArgs.parse(List.of("-c", "2", "/d"));
        assertThat(p.template().entries().get(0).stripeSize()).isEqualTo(LayoutTemplate.INHERIT);
        assertThat(p.template().entries().get(0).stripeCount()).isEqualTo(2);
    }

    @Test
    void progressiveLayoutTakesOptionsAfterEachEnd() {
        StripeArgs.Parsed p = StripeArgs.parse(List.of(
                "-E", "1M", "-L", "mdt", "-E", "64M", "-c", "1", "-E", "-1", "-c", "-1", "-S", "4M", "/d"));
        assertThat(p.template().entries()).containsExactly(
                Entry.dataOnMdt(1 << 20),
                Entry.raid0(64L << 20, 1, LayoutTemplate.INHERIT, ""),
                Entry.raid0(Extent.EOF, LayoutTemplate.ALL_OSTS, 4 << 20, ""));
    }

    @Test
    void longOptionsWithEqualsWork() {
        StripeArgs.Parsed p = StripeArgs.parse(List.of("--stripe-count=3", "--stripe-size=128K", "/f"));
        assertThat(p.template().entries()).containsExactly(Entry.raid0(Extent.EOF, 3, 128 << 10, ""));
    }

    @Test
    void badInputIsOneClearMessage() {
        assertThatThrownBy(() -> StripeArgs.parse(List.of("-S", "100K", "/f")))
                .hasMessageContaining("multiple of 64 KiB");
        assertThatThrownBy(() -> StripeArgs.parse(List.of("-c", "two", "/f")))
                .hasMessageContaining("not a number");
        assertThatThrownBy(() -> StripeArgs.parse(List.of("-c", "-5", "/f")))
                .hasMessageContaining("stripe count");
        assertThatThrownBy(() -> StripeArgs.parse(List.of("-E", "1M", "-c", "1", "/f")))
                .hasMessageContaining("EOF");
        assertThatThrownBy(() -> StripeArgs.parse(List.of("-x", "/f")))
                .hasMessageContaining("unknown option -x");
        assertThatThrownBy(() -> StripeArgs.parse(List.of("-c", "1")))
                .hasMessageContaining("PATH");
        assertThatThrownBy(() -> StripeArgs.parse(List.of("-E", "2M", "-E", "1M", "-E", "-1", "/f")))
                .hasMessageContaining("increase");
    }
}
