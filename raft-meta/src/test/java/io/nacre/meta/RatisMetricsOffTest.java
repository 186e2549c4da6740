package io.nacre.meta;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.ratis.metrics.LongCounter;
import org.apache.ratis.metrics.MetricRegistries;
import org.apache.ratis.metrics.MetricRegistryInfo;
import org.apache.ratis.metrics.RatisMetricRegistry;
import org.junit.jupiter.api.Test;

/** Ratis finds Nacre's metric registries (timers off) rather than its Dropwizard ones. */
class RatisMetricsOffTest {

    @Test
    void ratisUsesTheRegistriesWithoutTimers() {
        assertThat(MetricRegistries.global()).isInstanceOf(RatisMetricsOff.class);
        MetricRegistryInfo info = new MetricRegistryInfo("test", "nacre", "component", "what this counts");
        RatisMetricRegistry r = MetricRegistries.global().create(info);
        try {
            assertThat(MetricRegistries.global().create(info)).isSameAs(r);
            LongCounter c = r.counter("c");
            c.inc();
            c.inc(4);
            c.dec();
            assertThat(r.counter("c").getCount()).isEqualTo(4);
            assertThat(r.timer("t").time().stop()).isZero();
        } finally {
            MetricRegistries.global().remove(info);
        }
        assertThat(MetricRegistries.global().get(info)).isEmpty();
    }
}
