package io.nacre.meta.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.nacre.engine.Caller;
import io.nacre.engine.Fid;
import io.nacre.engine.layout.Layout;
import io.nacre.engine.layout.LayoutTemplate;
import io.nacre.engine.layout.ObjectRef;
import io.nacre.engine.meta.CreateSpec;
import io.nacre.engine.meta.FileType;
import io.nacre.engine.meta.FsStat;
import io.nacre.engine.store.Durability;
import io.nacre.engine.store.OstInfo;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedCoreTest {

    @Test
    void aFileAndItsBytesComeBackAfterARestart(@TempDir Path dir) {
        Fid f;
        Layout layout;
        long fsid;
        try (EmbeddedCore core = EmbeddedCore.start(dir)) {
            assertThat(core.metadata().osts()).extracting(OstInfo::index).containsExactly(0, 1, 2, 3);
            assertThat(core.objects().osts()).hasSize(4);
            fsid = core.metadata().fsid();
            CreateSpec spec = CreateSpec.builder(FileType.REGULAR).layout(LayoutTemplate.of(-1, 1 << 20, "")).build();
            f = core.metadata().create(Caller.ROOT, Fid.ROOT, "f", spec).attr().fid();
            layout = core.metadata().layout(f);
            assertThat(layout.objects()).extracting(ObjectRef::ost).containsExactlyInAnyOrder(0, 1, 2, 3);
            core.objects().write(layout.objects().get(0), 0, ByteBuffer.wrap("hello".getBytes(StandardCharsets.UTF_8)),
                    Durability.STABLE);
            core.metadata().dataWritten(f, 5, io.nacre.engine.meta.SetAttr.SERVER_TIME);
            FsStat st = core.metadata().statfs();
            assertThat(st.bytesTotal()).isPositive();
            assertThat(st.bytesFree()).isPositive().isLessThanOrEqualTo(st.bytesTotal());
        }
        try (EmbeddedCore core = EmbeddedCore.start(dir)) {
            assertThat(core.metadata().fsid()).isEqualTo(fsid);
            assertThat(core.metadata().lookup(Caller.ROOT, Fid.ROOT, "f").size()).isEqualTo(5);
            assertThat(core.metadata().layout(f)).isEqualTo(layout);
            assertThat(core.metadata().osts()).hasSize(4);
            ByteBuffer back = ByteBuffer.allocate(5);
            core.objects().read(layout.objects().get(0), 0, back);
            assertThat(new String(back.array(), StandardCharsets.UTF_8)).isEqualTo("hello");
        }
    }

    @Test
    void theOstCountIsAsAsked(@TempDir Path dir) {
        try (EmbeddedCore core = EmbeddedCore.start(dir, 2)) {
            assertThat(core.metadata().osts()).hasSize(2);
            assertThat(core.objects().osts()).hasSize(2);
        }
    }
}
