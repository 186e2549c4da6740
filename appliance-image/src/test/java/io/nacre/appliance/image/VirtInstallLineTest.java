package io.nacre.appliance.image;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.xpath.XPath;
import javax.xml.xpath.XPathConstants;
import javax.xml.xpath.XPathFactory;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * The README's virt-install line, run as documented against libvirt's test driver (no daemon, no VM) by
 * image/check-virt-install.sh: virt-install accepts it, and the domain it would define is the appliance's.
 */
class VirtInstallLineTest {

    private static final Path MODULE = Path.of(System.getProperty("user.dir"));

    @Test
    void theReadmesVirtInstallLineDefinesTheAppliancesDomain() throws Exception {
        boolean installed = List.of(System.getenv("PATH").split(":")).stream()
                .anyMatch(d -> Files.isExecutable(Path.of(d, "virt-install")));
        Assumptions.assumeTrue(installed || "root".equals(System.getProperty("user.name")),
                "skipped: virt-install is not installed, and installing Debian's virtinst needs root"
                        + " (apt-get install virtinst, or run the tests as root)");
        Process p = new ProcessBuilder(MODULE.resolve("image/check-virt-install.sh").toString(),
                MODULE.resolve("README.md").toString()).start();
        p.getOutputStream().close();
        CompletableFuture<byte[]> err = CompletableFuture.supplyAsync(() -> {
            try {
                return p.getErrorStream().readAllBytes();
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        byte[] out = p.getInputStream().readAllBytes();
        assertThat(p.waitFor(10, TimeUnit.MINUTES)).as("check-virt-install.sh finished").isTrue();
        String stderr = new String(err.get(), StandardCharsets.UTF_8);
        assertThat(p.exitValue()).as("virt-install refused the README's line: %s", stderr).isZero();

        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        Document domain = f.newDocumentBuilder().parse(new ByteArrayInputStream(out));
        XPath x = XPathFactory.newInstance().newXPath();
        assertThat(x.evaluate("/domain/name", domain)).isEqualTo("nacre");
        assertThat(x.evaluate("/domain/memory", domain)).isEqualTo("4194304"); // KiB: --memory 4096 (MiB)
        assertThat(x.evaluate("/domain/vcpu", domain)).isEqualTo("2");
        assertThat(x.evaluate("/domain/os/boot/@dev", domain)).as("--import boots the first disk").isEqualTo("hd");

        List<String> disks = new ArrayList<>();
        NodeList nodes = (NodeList) x.evaluate("/domain/devices/disk", domain, XPathConstants.NODESET);
        for (int i = 0; i < nodes.getLength(); i++) {
            Element d = (Element) nodes.item(i);
            String source = x.evaluate("source/@file", d);
            disks.add(d.getAttribute("device") + " " + x.evaluate("target/@bus", d) + " "
                    + source.substring(source.lastIndexOf('/') + 1));
        }
        assertThat(disks).as("the appliance disk first, the data disk, the seed")
                .containsExactly("disk virtio nacre.qcow2", "disk virtio nacre-data.raw", "cdrom ide nacre-seed.iso");
        assertThat(x.evaluate("/domain/devices/interface/source/@network", domain)).isEqualTo("default");
        assertThat(x.evaluate("/domain/devices/interface/model/@type", domain)).isEqualTo("virtio");
        assertThat(x.evaluate("/domain/devices/console/target/@type", domain)).as("the console the banner is on")
                .isEqualTo("serial");
        assertThat(x.evaluate("count(/domain/devices/graphics)", domain)).isEqualTo("0");
    }
}
