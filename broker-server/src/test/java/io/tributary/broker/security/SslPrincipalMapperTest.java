package io.tributary.broker.security;

import io.tributary.api.config.ConfigException;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code ssl.principal.mapping.rules} as Kafka writes them (KIP-371's examples and edge cases). */
class SslPrincipalMapperTest {
    @Test
    void noRulesMeansTheFullSubject() {
        assertEquals("CN=alice,OU=eng,O=Acme", SslPrincipalMapper.fromRules("").principalName("CN=alice,OU=eng,O=Acme"));
        assertEquals("CN=alice", SslPrincipalMapper.fromRules(null).principalName("CN=alice"));
    }

    @Test
    void theFirstMatchingRuleDecidesWithCaseChangesAndAFallbackDefault() {
        SslPrincipalMapper m = SslPrincipalMapper.fromRules(
                "RULE:^CN=(.*?),OU=ServiceUsers.*$/$1/L, RULE:^CN=(.*?),OU=(.*?),O=(.*?)$/$1@$2/U ,DEFAULT");
        assertEquals("kafka-svc", m.principalName("CN=Kafka-Svc,OU=ServiceUsers,O=Acme,C=US"));
        assertEquals("ADMIN@OPS", m.principalName("CN=admin,OU=ops,O=Acme"));
        assertEquals("CN=other", m.principalName("CN=other"));
    }

    @Test
    void escapedSlashesAndCommasInsideARule() {
        SslPrincipalMapper m = SslPrincipalMapper.fromRules("RULE:^CN=([^,]+),O=a\\/b$/$1\\/x/");
        assertEquals("bob/x", m.principalName("CN=bob,O=a/b"));
    }

    @Test
    void aSubjectNoRuleMatchesIsRefused() {
        SslPrincipalMapper m = SslPrincipalMapper.fromRules("RULE:^CN=(.*),OU=brokers$/$1/");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> m.principalName("CN=mallory,OU=guests"));
        assertTrue(e.getMessage().contains("CN=mallory,OU=guests"), e.getMessage());
    }

    @Test
    void malformedRulesFailWithWhereAndWhy() {
        for (String bad : new String[]{"RULE:^CN=(.*)$/$1", "RULE:^CN=(.*$/$1/", "DEFAULT,", "DEFAULT RULE:a/b/", "FOO"}) {
            ConfigException e = assertThrows(ConfigException.class, () -> SslPrincipalMapper.fromRules(bad), bad);
            assertTrue(e.getMessage().startsWith("ssl.principal.mapping.rules: "), e.getMessage());
        }
    }
}
