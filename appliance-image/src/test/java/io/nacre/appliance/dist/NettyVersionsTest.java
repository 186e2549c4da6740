package io.nacre.appliance.dist;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.net.JarURLConnection;
import java.net.URL;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.jar.JarFile;
import org.junit.jupiter.api.Test;

/**
 * Netty is one version on the class path (netty-bom, imported first in the parent POM), which is why bin/nacre
 * turns off Armeria's "Inconsistent Netty versions" warning: Ratis's ratis-thirdparty-misc shades an older Netty
 * under org.apache.ratis.thirdparty.io.netty but keeps that Netty's META-INF/io.netty.versions.properties, and
 * Netty's Version.identify() merges every such file it finds, so the shaded copy's versions overwrite the real
 * ones or not depending on the jars' order. This test checks what the warning meant to check, without that noise.
 */
class NettyVersionsTest {

    private record VersionsFile(String jar, boolean carriesIoNetty, Map<String, String> versions) {
    }

    private static List<VersionsFile> versionsFiles() throws Exception {
        List<VersionsFile> files = new ArrayList<>();
        for (URL url : Collections.list(NettyVersionsTest.class.getClassLoader()
                .getResources("META-INF/io.netty.versions.properties"))) {
            JarURLConnection c = (JarURLConnection) url.openConnection();
            c.setUseCaches(false);
            try (JarFile jar = c.getJarFile(); InputStream in = jar.getInputStream(jar.getEntry(c.getEntryName()))) {
                Properties p = new Properties();
                p.load(in);
                Map<String, String> versions = new TreeMap<>();
                p.stringPropertyNames().stream().filter(k -> k.endsWith(".version"))
                        .forEach(k -> versions.put(k.substring(0, k.length() - ".version".length()), p.getProperty(k)));
                boolean ioNetty = jar.stream().anyMatch(e -> e.getName().startsWith("io/netty/") && e.getName().endsWith(".class"));
                String name = jar.getName();
                files.add(new VersionsFile(name.substring(name.lastIndexOf('/') + 1), ioNetty, versions));
            }
        }
        return files;
    }

    @Test
    void everyNettyJarIsTheSameVersionAsNettyCommon() throws Exception {
        List<VersionsFile> files = versionsFiles();
        String common = io.netty.util.Version.identify().entrySet().stream()
                .filter(e -> e.getKey().equals("netty-common")).findFirst().orElseThrow().getValue().artifactVersion();
        TreeSet<String> seen = new TreeSet<>();
        for (VersionsFile f : files) {
            if (!f.carriesIoNetty() && !f.jar().startsWith("netty-")) {
                continue; // a shaded copy: its classes live in another package and never meet io.netty's
            }
            f.versions().forEach((artifact, version) -> seen.add(artifact + " " + version + " (" + f.jar() + ")"));
            assertThat(f.versions().values()).as("Netty artifacts in %s", f.jar()).containsOnly(common);
        }
        assertThat(seen).as("the Netty artifacts found").hasSizeGreaterThan(10);
    }

    @Test
    void theOtherNettyVersionOnTheClassPathIsRatissShadedCopy() throws Exception {
        String common = io.netty.util.Version.identify().get("netty-common").artifactVersion();
        List<VersionsFile> others = versionsFiles().stream()
                .filter(f -> f.versions().values().stream().anyMatch(v -> !v.equals(common))).toList();
        assertThat(others).as("versions files naming another Netty than %s (none: Ratis stopped shipping its shaded"
                + " copy's, and bin/nacre can let Armeria warn again)", common).isNotEmpty()
                .allSatisfy(f -> {
                    assertThat(f.jar()).startsWith("ratis-thirdparty-misc-");
                    assertThat(f.carriesIoNetty()).as("%s carries io.netty classes", f.jar()).isFalse();
                });
    }
}
