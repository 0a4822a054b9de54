package dev.opcached.daemon.admin;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.assertj.core.api.Assertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokenAuthenticatorTest {
    private static final String TOKEN = "ab".repeat(32);

    @TempDir
    Path dir;

    @Test
    void acceptsOnlyTheBearerToken() {
        TokenAuthenticator authenticator = new TokenAuthenticator(TOKEN);
        assertThat(authenticator.access("Bearer " + TOKEN)).isEqualTo(TokenAuthenticator.Access.FULL);
        assertThat(authenticator.access("bearer " + TOKEN)).isEqualTo(TokenAuthenticator.Access.FULL);
        assertThat(authenticator.access(null)).isEqualTo(TokenAuthenticator.Access.NONE);
        assertThat(authenticator.access(TOKEN)).isEqualTo(TokenAuthenticator.Access.NONE);
        assertThat(authenticator.access("Basic " + TOKEN)).isEqualTo(TokenAuthenticator.Access.NONE);
        assertThat(authenticator.access("Bearer " + TOKEN.substring(1))).isEqualTo(TokenAuthenticator.Access.NONE);
        assertThat(authenticator.access("Bearer " + TOKEN + "0")).isEqualTo(TokenAuthenticator.Access.NONE);
        assertThat(authenticator.access("Bearer " + TOKEN + " ".repeat(TokenAuthenticator.MAX_HEADER_LENGTH))).isEqualTo(TokenAuthenticator.Access.NONE);
    }

    @Test
    void theMetricsTokenOnlyReadsAndWithoutOneNothingElseDoes() {
        String readOnly = "cd".repeat(32);
        TokenAuthenticator both = new TokenAuthenticator(TOKEN, readOnly);
        assertThat(both.access("Bearer " + TOKEN)).isEqualTo(TokenAuthenticator.Access.FULL);
        assertThat(both.access("Bearer " + readOnly)).isEqualTo(TokenAuthenticator.Access.READ_ONLY);
        assertThat(both.access("Bearer " + readOnly.substring(1))).isEqualTo(TokenAuthenticator.Access.NONE);
        assertThat(both.access(null)).isEqualTo(TokenAuthenticator.Access.NONE);
        TokenAuthenticator adminOnly = new TokenAuthenticator(TOKEN);
        assertThat(adminOnly.access("Bearer " + readOnly)).isEqualTo(TokenAuthenticator.Access.NONE);
        assertThat(adminOnly.access("Bearer " + TOKEN)).isEqualTo(TokenAuthenticator.Access.FULL);
    }

    @Test
    void failuresPastTheThirdWaitLongerEachTimeUntilForgiven() {
        TokenAuthenticator authenticator = new TokenAuthenticator(TOKEN);
        long now = 1_000_000;
        assertThat(authenticator.failed("10.0.0.1", now)).isZero();
        assertThat(authenticator.failed("10.0.0.1", now)).isZero();
        assertThat(authenticator.failed("10.0.0.1", now)).isZero();
        assertThat(authenticator.failed("10.0.0.1", now)).isEqualTo(100);
        assertThat(authenticator.failed("10.0.0.1", now)).isEqualTo(200);
        assertThat(authenticator.failed("10.0.0.2", now)).as("another address").isZero();
        for (int i = 0; i < 20; i++) {
            authenticator.failed("10.0.0.1", now);
        }
        assertThat(authenticator.failed("10.0.0.1", now)).isEqualTo(5_000);
        assertThat(authenticator.failed("10.0.0.1", now + 61_000)).as("a quiet minute forgives").isZero();
        authenticator.failed("10.0.0.1", now + 61_000);
        authenticator.failed("10.0.0.1", now + 61_000);
        authenticator.succeeded("10.0.0.1");
        assertThat(authenticator.failed("10.0.0.1", now + 61_000)).as("a success forgives").isZero();
    }

    @Test
    void tokenFileIsMadeOwnerOnlyWith256RandomBitsAndReadBack() throws Exception {
        Path file = dir.resolve("state/admin.token");
        String token = AdminToken.loadOrCreate(file);
        assertThat(token).matches("[0-9a-f]{64}");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file.getParent()))).isEqualTo("rwx------");
        assertThat(AdminToken.loadOrCreate(file)).isEqualTo(token);
        assertThat(AdminToken.loadOrCreate(dir.resolve("other.token"))).isNotEqualTo(token);
    }

    @Test
    void tokenFileReadableByOthersOrNotATokenStopsTheStart() throws Exception {
        Path file = dir.resolve("admin.token");
        AdminToken.loadOrCreate(file);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        Assertions.assertThatThrownBy(() -> AdminToken.loadOrCreate(file)).hasMessageContaining("chmod 600");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        Files.writeString(file, "hunter2");
        Assertions.assertThatThrownBy(() -> AdminToken.loadOrCreate(file)).hasMessageContaining("does not hold a token")
                .hasMessageNotContaining("hunter2");
    }
}
