package io.nacre.meta;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.apache.ratis.metrics.LongCounter;
import org.apache.ratis.metrics.MetricRegistries;
import org.apache.ratis.metrics.MetricRegistryInfo;
import org.apache.ratis.metrics.RatisMetricRegistry;
import org.apache.ratis.metrics.Timekeeper;
import org.apache.ratis.util.TimeDuration;

/**
 * Ratis's metric registries, found by Ratis through the service loader, with timers that time nothing.
 * Nothing in Nacre reads Ratis's metrics, and its default registries (Dropwizard timers with decaying
 * reservoirs, several per request) were 3-4% of the server's Java samples per metadata request in the
 * kernel-client bench's guest. Counters still count (Ratis may read them); gauges are not kept.
 */
public final class RatisMetricsOff extends MetricRegistries {

    private static final Timekeeper.Context STOPPED = () -> 0L;
    private static final Timekeeper UNTIMED = () -> STOPPED;

    private static final class Counter implements LongCounter {
        private final LongAdder n = new LongAdder();

        @Override
        public void inc(long delta) {
            n.add(delta);
        }

        @Override
        public void dec(long delta) {
            n.add(-delta);
        }

        @Override
        public long getCount() {
            return n.sum();
        }
    }

    private record Registry(MetricRegistryInfo info, Map<String, Counter> counters) implements RatisMetricRegistry {
        @Override
        public Timekeeper timer(String name) {
            return UNTIMED;
        }

        @Override
        public LongCounter counter(String name) {
            return counters.computeIfAbsent(name, n -> new Counter());
        }

        @Override
        public boolean remove(String name) {
            return counters.remove(name) != null;
        }

        @Override
        public <T> void gauge(String name, Supplier<Supplier<T>> gaugeSupplier) {
        }

        @Override
        public MetricRegistryInfo getMetricRegistryInfo() {
            return info;
        }
    }

    private final Map<MetricRegistryInfo, RatisMetricRegistry> registries = new ConcurrentHashMap<>();

    /** For the service loader. */
    public RatisMetricsOff() {
    }

    @Override
    public void clear() {
        registries.clear();
    }

    @Override
    public RatisMetricRegistry create(MetricRegistryInfo info) {
        return registries.computeIfAbsent(info, i -> new Registry(i, new ConcurrentHashMap<>()));
    }

    @Override
    public boolean remove(MetricRegistryInfo info) {
        return registries.remove(info) != null;
    }

    @Override
    public Optional<RatisMetricRegistry> get(MetricRegistryInfo info) {
        return Optional.ofNullable(registries.get(info));
    }

    @Override
    public Set<MetricRegistryInfo> getMetricRegistryInfos() {
        return Set.copyOf(registries.keySet());
    }

    @Override
    public Collection<RatisMetricRegistry> getMetricRegistries() {
        return List.copyOf(registries.values());
    }

    @Override
    public void addReporterRegistration(Consumer<RatisMetricRegistry> onAdd, Consumer<RatisMetricRegistry> onRemove) {
    }

    @Override
    public void enableJmxReporter() {
    }

    @Override
    public void enableConsoleReporter(TimeDuration interval) {
    }
}
