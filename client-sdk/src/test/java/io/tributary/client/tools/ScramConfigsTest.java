package io.tributary.client.tools;

import io.tributary.api.security.ScramMechanism;
import io.tributary.client.admin.ScramCredentialInfo;
import io.tributary.client.admin.UserScramCredentialUpsertion;
import io.tributary.client.tools.ToolCommand.ToolException;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** kafka-configs.sh's SCRAM settings for users, parsed without ever repeating a password in an error. */
class ScramConfigsTest {
    private static final String SECRET = "p=w;d!x";

    @Test
    void addConfigGivesOneUpsertionPerMechanismWithKafkasDefaultIterations() {
        List<UserScramCredentialUpsertion> u = ScramConfigs.upsertions("alice",
                List.of("SCRAM-SHA-512=[iterations=8192,password=" + SECRET + "],scram-sha-256=[password=other]"));
        assertEquals(List.of(new UserScramCredentialUpsertion("alice", new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 8192), SECRET),
                new UserScramCredentialUpsertion("alice", ScramMechanism.SCRAM_SHA_256, "other")), u);
        assertFalse(u.toString().contains(SECRET), u.toString());
        assertEquals(Set.of(ScramMechanism.SCRAM_SHA_512), ScramConfigs.deletions(List.of("SCRAM-SHA-512")));
    }

    @Test
    void badSettingsAreRefusedWithoutRepeatingThePassword() {
        for (String bad : List.of("SCRAM-SHA-512=[password=" + SECRET,
                "SCRAM-SHA-1=[password=" + SECRET + "]",
                "producer_byte_rate=1024",
                "SCRAM-SHA-512=[iterations=8192]",
                "SCRAM-SHA-512=[iterations=many,password=" + SECRET + "]",
                "SCRAM-SHA-512=[iterations=1000,password=" + SECRET + "]",
                "SCRAM-SHA-512=[salt=abc,password=" + SECRET + "]",
                "SCRAM-SHA-512=[password=" + SECRET + "],SCRAM-SHA-512=[password=" + SECRET + "]")) {
            ToolException e = assertThrows(ToolException.class, () -> ScramConfigs.upsertions("alice", List.of(bad)), bad);
            assertTrue(e.getMessage().startsWith("invalid --add-config for users"), e.getMessage());
            assertFalse(e.getMessage().contains(SECRET), e.getMessage());
        }
        assertThrows(ToolException.class, () -> ScramConfigs.deletions(List.of("retention.ms")));
    }
}
