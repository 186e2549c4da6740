package io.nacre.meta.testkit;

import static java.util.Objects.requireNonNull;

import io.nacre.engine.meta.MetadataService;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.List;
import java.util.Set;

/**
 * A metadata service as it is, with the name of each call noted first: what tests count to pin what a
 * gateway request costs the MDS. The background destroyer's calls (it polls its queue) are not noted, nor
 * {@code localReads()}, a question about where the service runs that asks the MDS nothing.
 */
public final class RecordingMetadata {

    /** Calls of the background destroyer, not of any request, and a question the client answers itself. */
    private static final Set<String> NOT_NOTED = Set.of("pendingDestroys", "destroyed", "localReads");

    private RecordingMetadata() {
    }

    /** {@code real}, noting each call's method name in {@code calls} (a thread-safe list) before making it. */
    public static MetadataService of(MetadataService real, List<String> calls) {
        requireNonNull(real, "real");
        requireNonNull(calls, "calls");
        InvocationHandler h = (proxy, method, args) -> {
            if (method.getDeclaringClass() != Object.class && !NOT_NOTED.contains(method.getName())) {
                calls.add(method.getName());
            }
            try {
                return method.invoke(real, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        };
        return (MetadataService) Proxy.newProxyInstance(MetadataService.class.getClassLoader(),
                new Class<?>[] {MetadataService.class}, h);
    }
}
