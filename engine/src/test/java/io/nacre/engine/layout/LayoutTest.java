package io.nacre.engine.layout;

import static io.nacre.engine.layout.RandomLayouts.K64;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class LayoutTest {

    private final RandomLayouts g = new RandomLayouts(11);

    private Placement.Raid0 raid0(int count) {
        return new Placement.Raid0(count, K64, "", g.objects(count));
    }

    @Test
    void componentsOfAMirrorMustStartAtZeroAndFollowEachOther() {
        assertThatThrownBy(() -> new Layout(1, List.of(Component.of(new Extent(K64, Extent.EOF), raid0(1)))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("does not start");
        assertThatThrownBy(() -> new Layout(1, List.of(
                Component.of(new Extent(0, 2L * K64), raid0(1)),
                Component.of(new Extent(K64, Extent.EOF), raid0(1)))))
                .as("overlap").isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Layout(1, List.of(
                Component.of(new Extent(0, K64), raid0(1)),
                Component.of(new Extent(2L * K64, Extent.EOF), raid0(1)))))
                .as("gap").isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Layout(1, List.of(
                Component.of(new Extent(K64, Extent.EOF), raid0(1)),
                Component.of(new Extent(0, K64), raid0(1)))))
                .as("out of order").isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void dataOnMdtOnlyFirst() {
        assertThatThrownBy(() -> new Layout(1, List.of(
                Component.of(new Extent(0, K64), raid0(1)),
                Component.of(new Extent(K64, Extent.EOF), new Placement.DataOnMdt()))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("data-on-MDT");
        Layout ok = new Layout(1, List.of(
                Component.of(new Extent(0, K64), new Placement.DataOnMdt()),
                Component.of(new Extent(K64, Extent.EOF), raid0(2))));
        assertThat(ok.componentAt(0, K64 - 1).isDataOnMdt()).isTrue();
        assertThat(ok.componentAt(0, K64).raid0().stripeCount()).isEqualTo(2);
    }

    @Test
    void mirrorsAreCheckedEachOnItsOwn() {
        Layout two = new Layout(1, List.of(
                new Component(new Extent(0, K64), 0, false, raid0(1)),
                new Component(new Extent(0, Extent.EOF), 1, false, raid0(2)),
                new Component(new Extent(K64, Extent.EOF), 0, false, raid0(3))));
        assertThat(two.mirrors()).containsExactly(0, 1);
        assertThat(two.mirror(0)).hasSize(2);
        assertThat(two.componentAt(1, 5L * K64).raid0().stripeCount()).isEqualTo(2);
        assertThat(two.objects()).hasSize(6);
        assertThatThrownBy(() -> new Component(Extent.WHOLE, -1, false, raid0(1))).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void readableMirrorSkipsStaleCopiesOfTheRange() {
        Layout l = new Layout(1, List.of(
                new Component(new Extent(0, 4L * K64), 0, false, raid0(1)),
                new Component(new Extent(4L * K64, Extent.EOF), 0, true, raid0(1)),
                new Component(new Extent(0, Extent.EOF), 1, false, raid0(1))));
        assertThat(l.readableMirror(0, 4L * K64)).as("ends at the stale component's start").isZero();
        assertThat(l.readableMirror(0, 4L * K64 + 1)).isEqualTo(1);
        assertThat(l.readableMirror(4L * K64, 0)).as("an empty range asks about its byte").isEqualTo(1);
        assertThat(l.readableMirror(Long.MAX_VALUE - 10, Long.MAX_VALUE)).as("no overflow").isEqualTo(1);
        Layout allStale = new Layout(1, List.of(new Component(Extent.WHOLE, 0, true, raid0(1))));
        assertThat(allStale.readableMirror(0, 1)).isEqualTo(-1);
        assertThatThrownBy(() -> l.readableMirror(-1, 1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void releasedWhenEveryComponentIs() {
        Layout released = new Layout(1, List.of(Component.of(Extent.WHOLE, new Placement.Released(1))));
        assertThat(released.isReleased()).isTrue();
        assertThat(Layout.NONE.isReleased()).isFalse();
        assertThat(Layout.NONE.isEmpty()).isTrue();
        Layout part = new Layout(1, List.of(
                Component.of(new Extent(0, K64), new Placement.Released(1)),
                Component.of(new Extent(K64, Extent.EOF), raid0(1))));
        assertThat(part.isReleased()).isFalse();
        assertThat(part.withComponents(released.components()).generation()).isEqualTo(2);
    }

    @Test
    void raid0AndExtentValidation() {
        assertThatThrownBy(() -> new Placement.Raid0(0, K64, "", List.of())).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Placement.Raid0(2001, K64, "", List.of())).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Placement.Raid0(1, K64 + 1, "", List.of())).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Placement.Raid0(1, 0, "", List.of())).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Placement.Raid0(2, K64, "", g.objects(1))).isInstanceOf(IllegalArgumentException.class);
        assertThat(new Placement.Raid0(2, K64, null, List.of()).pool()).isEmpty();
        assertThat(new Placement.Raid0(1, Placement.MAX_STRIPE_SIZE, "", List.of()).instantiated()).isFalse();
        assertThatThrownBy(() -> new Extent(5, 5)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Extent(-1, 5)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new ObjectRef(0, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Placement.Released(33)).isInstanceOf(IllegalArgumentException.class);
        assertThat(new Extent(0, Extent.EOF)).hasToString("[0, EOF)");
        assertThat(new ObjectRef(3, 255)).hasToString("OST0003:0xff");
    }
}
