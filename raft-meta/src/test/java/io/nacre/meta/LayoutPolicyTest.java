package io.nacre.meta;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nacre.engine.NacreException;
import io.nacre.engine.Status;
import io.nacre.engine.layout.Extent;
import io.nacre.engine.layout.Layout;
import io.nacre.engine.layout.LayoutTemplate;
import io.nacre.engine.layout.LayoutTemplate.Entry;
import io.nacre.engine.layout.ObjectRef;
import io.nacre.engine.store.OstInfo;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class LayoutPolicyTest {

    private static final int MIB = 1 << 20;
    private static final List<OstInfo> OSTS = List.of(new OstInfo(0, Set.of("ssd"), ""), new OstInfo(1, Set.of("ssd"), ""),
            new OstInfo(2, Set.of(), ""), new OstInfo(3, Set.of(), ""), new OstInfo(4, Set.of(), ""));

    @Test
    void inheritanceGoesFileThenDirectoryThenFileSystemThenDefault() {
        LayoutTemplate root = LayoutTemplate.of(2, 0, "");
        LayoutTemplate dir = LayoutTemplate.of(0, 4 * MIB, "ssd");
        LayoutTemplate own = LayoutTemplate.of(0, 0, "");
        assertThat(LayoutPolicy.effective(null, null, null)).isEqualTo(LayoutTemplate.DEFAULT);
        assertThat(LayoutPolicy.effective(null, null, root)).isEqualTo(LayoutTemplate.of(2, MIB, ""));
        assertThat(LayoutPolicy.effective(null, dir, root)).isEqualTo(LayoutTemplate.of(2, 4 * MIB, "ssd"));
        assertThat(LayoutPolicy.effective(own, dir, root)).isEqualTo(LayoutTemplate.of(2, 4 * MIB, "ssd"));
        assertThat(LayoutPolicy.effective(LayoutTemplate.of(3, 0, ""), dir, null)).isEqualTo(LayoutTemplate.of(3, 4 * MIB, "ssd"));
    }

    @Test
    void allOstsBecomesThePoolSizeAndTooManyIsInvalid() {
        assertThat(LayoutPolicy.concrete(LayoutTemplate.of(-1, MIB, ""), OSTS)).isEqualTo(LayoutTemplate.of(5, MIB, ""));
        assertThat(LayoutPolicy.concrete(LayoutTemplate.of(-1, MIB, "ssd"), OSTS)).isEqualTo(LayoutTemplate.of(2, MIB, "ssd"));
        assertThatThrownBy(() -> LayoutPolicy.concrete(LayoutTemplate.of(3, MIB, "ssd"), OSTS))
                .isInstanceOfSatisfying(NacreException.class, e -> {
                    assertThat(e.status()).isEqualTo(Status.INVALID);
                    assertThat(e.getMessage()).contains("stripe count 3", "2 OSTs", "pool 'ssd'");
                });
        assertThatThrownBy(() -> LayoutPolicy.concrete(LayoutTemplate.DEFAULT, List.of()))
                .hasMessageContaining("none registered");
    }

    @Test
    void buildMakesContiguousComponentsWithObjectsWhereGiven() {
        LayoutTemplate pfl = new LayoutTemplate(List.of(Entry.dataOnMdt(MIB), Entry.raid0(64L * MIB, 2, MIB, ""),
                Entry.raid0(Extent.EOF, 4, 4 * MIB, "")));
        Layout l = LayoutPolicy.build(pfl, 3, Map.of(1, List.of(new ObjectRef(0, 7), new ObjectRef(1, 9))));
        assertThat(l.generation()).isEqualTo(3);
        assertThat(l.components()).hasSize(3);
        assertThat(l.components().get(0).isDataOnMdt()).isTrue();
        assertThat(l.components().get(1).extent()).isEqualTo(new Extent(MIB, 64L * MIB));
        assertThat(l.components().get(1).raid0().objects()).hasSize(2);
        assertThat(l.components().get(2).raid0().instantiated()).isFalse();
        assertThat(LayoutPolicy.toInstantiate(l, 0, MIB)).isEmpty();
        assertThat(LayoutPolicy.toInstantiate(l, 0, 100L * MIB)).containsExactly(2);
        assertThat(LayoutPolicy.toInstantiate(l, 64L * MIB, 0)).containsExactly(2);
        assertThat(LayoutPolicy.toInstantiate(l, 64L * MIB - 1, 0)).isEmpty();
        assertThat(LayoutPolicy.firstRaid0(l)).isEqualTo(-1);
    }
}
