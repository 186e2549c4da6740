package io.nacre.s3.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KeyStoreTest {

    @TempDir
    Path dataDir;

    @Test
    void firstOpenCreatesARootKeyReadableOnlyByTheOwner() throws Exception {
        KeyStore ks = KeyStore.open(dataDir, Map.of());
        assertThat(ks.createdRoot()).isTrue();
        KeyStore.Key root = ks.root();
        assertThat(root.uid()).isZero();
        assertThat(root.gid()).isZero();
        assertThat(root.accessKey()).hasSize(20);
        assertThat(root.secretKey()).hasSize(40);
        Path file = dataDir.resolve("s3/keys");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file.getParent()))).isEqualTo("rwx------");

        KeyStore again = KeyStore.open(dataDir, Map.of());
        assertThat(again.createdRoot()).isFalse();
        assertThat(again.root()).isEqualTo(root);
        assertThat(again.find(root.accessKey())).hasValue(root);
    }

    @Test
    void environmentKeysReplaceTheStoredRoot() {
        KeyStore.Key stored = KeyStore.open(dataDir, Map.of()).root();
        KeyStore ks = KeyStore.open(dataDir, Map.of(KeyStore.ENV_ACCESS_KEY, "minioadmin", KeyStore.ENV_SECRET_KEY, "s3cr3t-v@lue"));
        assertThat(ks.createdRoot()).isFalse();
        assertThat(ks.root().accessKey()).isEqualTo("minioadmin");
        assertThat(ks.root().secretKey()).isEqualTo("s3cr3t-v@lue");
        assertThat(ks.find("minioadmin")).hasValue(ks.root());
        assertThat(ks.find(stored.accessKey())).isEmpty();
        assertThatThrownBy(() -> KeyStore.open(dataDir, Map.of(KeyStore.ENV_ACCESS_KEY, "only-one")))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void keysMadeOrRemovedByAnotherProcessAreSeen() throws Exception {
        KeyStore server = KeyStore.open(dataDir, Map.of());
        KeyStore cli = KeyStore.open(dataDir, Map.of());
        KeyStore.Key alice = cli.create(1000, 1000);
        assertThat(alice.root()).isFalse();
        assertThat(server.find(alice.accessKey())).hasValue(alice);
        KeyStore.Key bob = cli.create(1001, 100);
        assertThat(server.list()).extracting(KeyStore.Key::accessKey)
                .containsExactly(server.root().accessKey(), alice.accessKey(), bob.accessKey());
        assertThat(cli.remove(alice.accessKey())).isTrue();
        assertThat(cli.remove(alice.accessKey())).isFalse();
        // The file's mtime may not have moved within its granularity; its size did.
        assertThat(server.find(alice.accessKey())).isEmpty();
        assertThat(server.find(bob.accessKey())).hasValue(bob);
        assertThatThrownBy(() -> cli.remove(cli.root().accessKey())).isInstanceOf(IllegalArgumentException.class);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dataDir.resolve("s3/keys"))))
                .isEqualTo("rw-------");
    }
}
