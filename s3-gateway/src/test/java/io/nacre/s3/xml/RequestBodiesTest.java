package io.nacre.s3.xml;

import static io.nacre.s3.S3Errors.errorOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nacre.s3.checksum.ChecksumAlgorithm;
import io.nacre.s3.error.S3Error;
import io.nacre.s3.error.S3Exception;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RequestBodiesTest {

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }


    @Test
    void completeMultipartUploadIsParsedWithChecksumsAndNamespace() {
        List<RequestBodies.CompletedPart> parts = RequestBodies.completeMultipartUpload(b("""
                <?xml version="1.0" encoding="UTF-8"?>
                <CompleteMultipartUpload xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
                  <Part><PartNumber>1</PartNumber><ETag>"a54357aff0632cce46d942af68356b38"</ETag>
                        <ChecksumCRC32>y/Q5Jg==</ChecksumCRC32></Part>
                  <Part><ETag>&quot;0c78aef83f66abc1fa1e8477f296d394&quot;</ETag><PartNumber> 3 </PartNumber></Part>
                </CompleteMultipartUpload>"""));
        assertThat(parts).hasSize(2);
        assertThat(parts.get(0).partNumber()).isEqualTo(1);
        assertThat(parts.get(0).etag()).isEqualTo("\"a54357aff0632cce46d942af68356b38\"");
        assertThat(parts.get(0).checksums()).containsEntry(ChecksumAlgorithm.CRC32, "y/Q5Jg==");
        assertThat(parts.get(1).partNumber()).isEqualTo(3);
        assertThat(parts.get(1).etag()).isEqualTo("\"0c78aef83f66abc1fa1e8477f296d394\"");
    }

    @Test
    void partsOutOfOrderOrRepeatedAreInvalidPartOrder() {
        String twice = "<CompleteMultipartUpload><Part><PartNumber>2</PartNumber><ETag>x</ETag></Part>"
                + "<Part><PartNumber>2</PartNumber><ETag>y</ETag></Part></CompleteMultipartUpload>";
        assertThat(errorOf(() -> RequestBodies.completeMultipartUpload(b(twice)))).isEqualTo(S3Error.INVALID_PART_ORDER);
        String down = twice.replaceFirst("2", "3");
        assertThat(errorOf(() -> RequestBodies.completeMultipartUpload(b(down)))).isEqualTo(S3Error.INVALID_PART_ORDER);
    }

    @Test
    void hugeOrMalformedPartNumbersAreInvalidArgument() {
        for (String n : List.of("0", "10001", "99999999999999999999", "-1", "1e3", "")) {
            String xml = "<CompleteMultipartUpload><Part><PartNumber>" + n
                    + "</PartNumber><ETag>x</ETag></Part></CompleteMultipartUpload>";
            assertThat(errorOf(() -> RequestBodies.completeMultipartUpload(b(xml)))).as(n)
                    .isEqualTo(S3Error.INVALID_ARGUMENT);
        }
    }

    @Test
    void malformedDocumentsAreMalformedXml() {
        for (String xml : List.of("", "<CompleteMultipartUpload>", "not xml at all",
                "<Other><Part/></Other>", "<CompleteMultipartUpload></CompleteMultipartUpload>",
                "<CompleteMultipartUpload><Part><ETag>x</ETag></Part></CompleteMultipartUpload>",
                "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber></Part></CompleteMultipartUpload>",
                "<CompleteMultipartUpload/><CompleteMultipartUpload/>")) {
            assertThat(errorOf(() -> RequestBodies.completeMultipartUpload(b(xml)))).as(xml)
                    .isEqualTo(S3Error.MALFORMED_XML);
        }
    }

    @Test
    void externalEntitiesAreRefusedAndNeverRead(@TempDir Path dir) throws Exception {
        Path secret = dir.resolve("secret");
        Files.writeString(secret, "TOP-SECRET");
        String xxe = "<?xml version=\"1.0\"?><!DOCTYPE d [<!ENTITY x SYSTEM \"" + secret.toUri() + "\">]>"
                + "<Delete><Object><Key>&x;</Key></Object></Delete>";
        assertThatThrownBy(() -> RequestBodies.delete(b(xxe)))
                .isInstanceOfSatisfying(S3Exception.class, e -> {
                    assertThat(e.error()).isEqualTo(S3Error.MALFORMED_XML);
                    assertThat(e.getMessage()).doesNotContain("TOP-SECRET");
                });
    }

    @Test
    void entityExpansionBombsAreRefused() {
        StringBuilder sb = new StringBuilder("<?xml version=\"1.0\"?><!DOCTYPE d [<!ENTITY a \"aaaaaaaaaa\">");
        for (int i = 1; i < 10; i++) {
            sb.append("<!ENTITY a").append(i).append(" \"");
            String prev = i == 1 ? "a" : "a" + (i - 1);
            sb.append(("&" + prev + ";").repeat(10)).append("\">");
        }
        sb.append("]><Delete><Object><Key>&a9;</Key></Object></Delete>");
        assertThat(errorOf(() -> RequestBodies.delete(b(sb.toString())))).isEqualTo(S3Error.MALFORMED_XML);
    }

    @Test
    void deeplyNestedOrOversizedDocumentsAreRefused() {
        String deep = "<Delete>" + "<a>".repeat(100) + "</a>".repeat(100) + "</Delete>";
        assertThat(errorOf(() -> RequestBodies.delete(b(deep)))).isEqualTo(S3Error.MALFORMED_XML);
        String longKey = "<Delete><Object><Key>" + "k".repeat(10_000) + "</Key></Object></Delete>";
        assertThat(errorOf(() -> RequestBodies.delete(b(longKey)))).isEqualTo(S3Error.MALFORMED_XML);
        String many = "<Delete>" + "<Object><Key>k</Key></Object>".repeat(1001) + "</Delete>";
        assertThat(errorOf(() -> RequestBodies.delete(b(many)))).isEqualTo(S3Error.MALFORMED_XML);
        String manyElements = "<Delete>" + "<x/>".repeat(60_000) + "</Delete>";
        assertThat(errorOf(() -> RequestBodies.delete(b(manyElements)))).isEqualTo(S3Error.MALFORMED_XML);
    }

    @Test
    void deleteKeepsKeysExactlyAndReadsQuiet() {
        RequestBodies.Delete d = RequestBodies.delete(b("""
                <Delete xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Quiet>true</Quiet>
                <Object><Key> spaced key </Key></Object>
                <Object><Key>a&amp;b&lt;c</Key><VersionId>null</VersionId></Object>
                <Object><Key><![CDATA[x<y]]></Key></Object></Delete>"""));
        assertThat(d.quiet()).isTrue();
        assertThat(d.objects()).extracting(RequestBodies.ObjectToDelete::key)
                .containsExactly(" spaced key ", "a&b<c", "x<y");
        assertThat(d.objects().get(1).versionId()).isEqualTo("null");
        assertThat(errorOf(() -> RequestBodies.delete(b("<Delete><Quiet>maybe</Quiet><Object><Key>k</Key></Object></Delete>"))))
                .isEqualTo(S3Error.MALFORMED_XML);
    }

    @Test
    void createBucketConfigurationGivesTheLocation() {
        assertThat(RequestBodies.createBucketLocation(new byte[0])).isEmpty();
        assertThat(RequestBodies.createBucketLocation(b("""
                <CreateBucketConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
                <LocationConstraint>eu-west-1</LocationConstraint></CreateBucketConfiguration>""")))
                .hasValue("eu-west-1");
        assertThat(errorOf(() -> RequestBodies.createBucketLocation(b("<Bucket/>")))).isEqualTo(S3Error.MALFORMED_XML);
    }

    @Test
    void aRestoreRequestGivesItsDaysAndRefusesOthers() {
        assertThat(RequestBodies.restoreDays(new byte[0])).isEmpty();
        assertThat(RequestBodies.restoreDays(b("""
                <RestoreRequest xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Days> 2 </Days>
                <GlacierJobParameters><Tier>Standard</Tier></GlacierJobParameters></RestoreRequest>""")))
                .hasValue(2);
        assertThat(RequestBodies.restoreDays(b("<RestoreRequest><Tier>Bulk</Tier></RestoreRequest>"))).isEmpty();
        for (String days : List.of("0", "-1", "two", "99999999999")) {
            assertThat(errorOf(() -> RequestBodies.restoreDays(b("<RestoreRequest><Days>" + days + "</Days></RestoreRequest>"))))
                    .as(days).isEqualTo(S3Error.MALFORMED_XML);
        }
        assertThat(errorOf(() -> RequestBodies.restoreDays(b("<Restore/>")))).isEqualTo(S3Error.MALFORMED_XML);
    }

    @Test
    void writerEscapesTextAndControlCharacters() {
        String doc = XmlWriter.document("R").element("Key", "a<b>&\"'\u0001z").element("N", 5).toString();
        assertThat(doc).contains("<R xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">")
                .contains("<Key>a&lt;b&gt;&amp;&quot;&apos;&#x1;z</Key><N>5</N>");
        String whole = new String(XmlWriter.plainDocument("Error").element("Code", "NoSuchKey").toBytes(),
                StandardCharsets.UTF_8);
        assertThat(whole).endsWith("<Error><Code>NoSuchKey</Code></Error>");
    }
}
