package io.nacre.appliance.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.nacre.appliance.fileio.Poll;
import io.nacre.appliance.node.NodeTest.Run;
import io.nacre.engine.Caller;
import io.nacre.engine.Fid;
import io.nacre.engine.layout.LayoutTemplate;
import io.nacre.engine.layout.ObjectRef;
import io.nacre.engine.meta.CreateSpec;
import io.nacre.engine.meta.FileType;
import io.nacre.engine.meta.MetadataService;
import io.nacre.engine.meta.MetadataService.RemoveKind;
import io.nacre.engine.store.Durability;
import io.nacre.engine.store.ObjectStat;
import io.nacre.engine.store.ObjectStore;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code nacre scrub} through the real CLI against a real node: its report, its dry run, its bad arguments. */
class ScrubCliTest {

    @TempDir
    Path tmp;

    /**
     * Four orphans, one per OST: a file removed through the MDS alone (another gateway's REMOVE), its objects
     * destroyed by the node's destroyer, then written again by a writer that still held its layout.
     */
    static List<ObjectRef> orphans(Node node) {
        MetadataService mds = node.metadata();
        ObjectStore objects = node.objects();
        Fid fid = mds.create(Caller.ROOT, Fid.ROOT, "gone", CreateSpec.builder(FileType.REGULAR).mode(0644)
                .layout(LayoutTemplate.of(4, 64 * 1024, "")).build()).attr().fid();
        node.fileIo().write(fid, 0, ByteBuffer.wrap(new byte[400_000]), Durability.STABLE);
        node.fileIo().commit(fid);
        List<ObjectRef> held = mds.layout(fid).objects();
        mds.remove(Caller.ROOT, Fid.ROOT, "gone", RemoveKind.FILE);
        Poll.until(Duration.ofSeconds(30), "the destroyer destroyed the removed file's objects",
                () -> mds.pendingDestroys(100).isEmpty() && held.stream().allMatch(o -> objects.stat(o).equals(ObjectStat.ABSENT)));
        for (ObjectRef o : held) {
            objects.write(o, 0, ByteBuffer.wrap(new byte[50_000]).put(0, (byte) 1), Durability.STABLE);
        }
        return held;
    }

    /** The numbers of the report's "total" line: objects, referenced, orphans, destroyed, bytes freed, recent, newer. */
    static long[] totals(String out) {
        Matcher m = Pattern.compile("(?m)^total\\s+(\\d+)\\s+(\\d+)\\s+(\\d+)\\s+(\\d+)\\s+(\\d+)\\s+(\\d+)\\s+(\\d+)\\s*$")
                .matcher(out);
        assertThat(m.find()).as("a total line in:%n%s", out).isTrue();
        long[] t = new long[7];
        for (int i = 0; i < 7; i++) {
            t[i] = Long.parseLong(m.group(i + 1));
        }
        return t;
    }

    @Test
    void scrubReportsOrphansInADryRunThenDestroysThem() throws Exception {
        byte[] content = new byte[700_000];
        new Random(3).nextBytes(content);
        Path local = Files.write(tmp.resolve("keep.bin"), content);
        try (Node node = Node.start(NodeOptions.ephemeral(tmp.resolve("data")))) {
            assertThat(NodeTest.cli(node, "setstripe", "-c", "4", "-S", "64K", "/").code()).isZero();
            assertThat(NodeTest.cli(node, "put", local.toString(), "/keep.bin").code()).isZero();
            List<ObjectRef> orphans = orphans(node);
            long orphanBytes = orphans.stream().mapToLong(o -> node.objects().stat(o).bytesUsed()).sum();

            Run dry = NodeTest.cli(node, "scrub", "--dry-run", "--grace", "0s");
            assertThat(dry.code()).as(dry.err()).isZero();
            assertThat(dry.out()).contains("orphan scrub (dry run: nothing destroyed), grace 0s", "OST0000", "OST0003");
            for (ObjectRef o : orphans) {
                assertThat(dry.out()).contains("orphan " + o);
            }
            long[] t = totals(dry.out());
            assertThat(t[2]).as("orphans").isEqualTo(4);
            assertThat(t[3]).as("destroyed").isZero();
            assertThat(t[1]).as("referenced: keep.bin's four objects").isEqualTo(4);
            assertThat(orphans).allMatch(o -> node.objects().stat(o).size() == 50_000);

            Run json = NodeTest.cli(node, "scrub", "--dry-run", "--grace", "0s", "--json");
            assertThat(json.code()).isZero();
            assertThat(json.out()).contains("\"dry_run\" : true", "\"orphans\" : 4", "\"destroyed\" : 0",
                    "\"orphan_sample\" : [", "\"name\" : \"OST0002\"", "\"complete\" : true");

            Run recent = NodeTest.cli(node, "scrub");
            assertThat(recent.out()).contains("grace 3600s");
            assertThat(totals(recent.out())[5]).as("left: written within the default hour").isEqualTo(4);
            assertThat(orphans).allMatch(o -> node.objects().stat(o).size() == 50_000);

            Run real = NodeTest.cli(node, "scrub", "--grace", "0s");
            assertThat(real.code()).as(real.err()).isZero();
            t = totals(real.out());
            assertThat(t[2]).isEqualTo(4);
            assertThat(t[3]).isEqualTo(4);
            assertThat(t[4]).as("bytes freed").isEqualTo(orphanBytes);
            assertThat(real.out()).doesNotContain("orphan OST");
            assertThat(orphans).allMatch(o -> node.objects().stat(o).equals(ObjectStat.ABSENT));
            Path back = tmp.resolve("back.bin");
            assertThat(NodeTest.cli(node, "get", "/keep.bin", back.toString()).code()).isZero();
            assertThat(Files.readAllBytes(back)).isEqualTo(content);

            Run human = NodeTest.cli(node, "scrub", "-h", "--grace", "0s", "--ost", "1,2");
            assertThat(human.out()).contains("OST0001", "OST0002", "freed").doesNotContain("OST0000", "OST0003");
        }
    }

    @Test
    void badArgumentsGetAClearMessage() {
        try (Node node = Node.start(NodeOptions.ephemeral(tmp.resolve("data")))) {
            Run grace = NodeTest.cli(node, "scrub", "--grace", "soon");
            assertThat(grace.code()).isEqualTo(2);
            assertThat(grace.err().strip()).isEqualTo("nacre: not a duration: 'soon' (use 30s, 15m, 2h, 30d)");
            Run ost = NodeTest.cli(node, "scrub", "--ost", "9");
            assertThat(ost.code()).isEqualTo(1);
            assertThat(ost.err().strip()).startsWith("nacre: OST0009 is not in the file system")
                    .contains("OST0000").doesNotContain("Exception");
            Run notNumber = NodeTest.cli(node, "scrub", "--ost", "x");
            assertThat(notNumber.code()).isEqualTo(2);
            assertThat(notNumber.err()).contains("Invalid value for option '--ost'", "'x' is not an int");
        }
    }
}
