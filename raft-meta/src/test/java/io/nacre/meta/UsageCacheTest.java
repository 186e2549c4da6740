package io.nacre.meta;

import static org.assertj.core.api.Assertions.assertThat;

import io.nacre.engine.Caller;
import io.nacre.engine.Fid;
import io.nacre.engine.fault.Faults;
import io.nacre.engine.fault.Faults.Fault;
import io.nacre.engine.layout.LayoutTemplate;
import io.nacre.engine.meta.CreateSpec;
import io.nacre.engine.meta.FileType;
import io.nacre.engine.meta.MetadataService;
import io.nacre.meta.testkit.EmbeddedCore;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The OSTs' usage that allocation and statfs take: asked once, then refreshed in the background. */
class UsageCacheTest {

    private static final CreateSpec STRIPED = CreateSpec.builder(FileType.REGULAR)
            .layout(LayoutTemplate.of(-1, 1 << 20, "")).build();
    /** Past the MDS's time to live for a usage (1 s). */
    private static final long PAST_TTL_MILLIS = 1200;

    @AfterEach
    void disarm() {
        Faults.disarmAll();
    }

    @Test
    void aCreateDoesNotWaitForAnOstSlowToTellItsUsage(@TempDir Path dir) throws Exception {
        try (EmbeddedCore core = EmbeddedCore.start(dir)) {
            MetadataService md = core.metadata();
            md.create(Caller.ROOT, Fid.ROOT, "first", STRIPED); // every OST's usage asked once
            long free = md.statfs().bytesFree();
            // Every ask from now on hangs for 30 s (four OSTs: two minutes in a row, as before).
            Faults.arm(UsageCache.FAULT_ASK, Fault.sleep(30_000));
            Thread.sleep(PAST_TTL_MILLIS);
            CompletableFuture<Fid> second = CompletableFuture.supplyAsync(
                    () -> md.create(Caller.ROOT, Fid.ROOT, "second", STRIPED).attr().fid());
            Fid f = second.get(20, TimeUnit.SECONDS);
            assertThat(md.layout(f).objects()).hasSize(4);
            assertThat(md.statfs().bytesFree()).as("the usage asked before").isEqualTo(free);
        }
    }

    @Test
    void aStaleUsageIsAskedAgainInTheBackground(@TempDir Path dir) throws Exception {
        try (EmbeddedCore core = EmbeddedCore.start(dir)) {
            MetadataService md = core.metadata();
            assertThat(md.statfs().bytesTotal()).isPositive();
            // The OSTs stop answering: once the usage is stale, a statfs still answers it and starts the asks,
            // whose failures then leave the OSTs unknown (no space counted).
            Faults.arm(UsageCache.FAULT_ASK, Fault.fail());
            Thread.sleep(PAST_TTL_MILLIS);
            assertThat(md.statfs().bytesTotal()).isPositive();
            awaitTrue(() -> md.statfs().bytesTotal() == 0, "the failed asks to be kept");
            // They answer again: the next stale read brings their space back.
            Faults.disarm(UsageCache.FAULT_ASK);
            Thread.sleep(PAST_TTL_MILLIS);
            awaitTrue(() -> md.statfs().bytesTotal() > 0, "the OSTs' usage to come back");
            md.create(Caller.ROOT, Fid.ROOT, "after", STRIPED);
        }
    }

    private static void awaitTrue(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("waiting for " + what).isLessThan(deadline);
            Thread.sleep(20);
        }
    }
}
