package io.tributary.coordination;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import javax.security.auth.login.AppConfigurationEntry;
import javax.security.auth.login.Configuration;
import org.apache.zookeeper.client.ZKClientConfig;
import org.apache.zookeeper.data.ClientInfo;

/**
 * How a ZooKeeper client of Tributary authenticates and protects what it creates, with Kafka's keys:
 * <ul>
 *   <li>{@value #SET_ACL} (default false): every znode Tributary creates gets Kafka's secure ACLs ({@link ZkAclProvider}):
 *       all rights for the creating SASL identity, read for everyone, nothing for everyone on sensitive paths;</li>
 *   <li>{@value #SASL_CLIENT} (default true): whether to SASL-authenticate when the JAAS configuration has the
 *       client section;</li>
 *   <li>{@value #SASL_CLIENT_CONFIG} (default {@code Client}): that section's name.</li>
 * </ul>
 * The JAAS file itself is named by the JVM-wide {@code -Djava.security.auth.login.config}, as in Kafka. These settings are
 * handed to each ZooKeeper client on its own ({@link #clientConfig()}), not through system properties, so one JVM can
 * hold clients with and without SASL. Immutable.
 *
 * @param setAcl           {@code zookeeper.set.acl}
 * @param saslClient       {@code zookeeper.sasl.client}
 * @param saslClientConfig {@code zookeeper.sasl.clientconfig}
 */
public record ZkClientSecurity(boolean setAcl, boolean saslClient, String saslClientConfig) {
    public static final String SET_ACL = "zookeeper.set.acl";
    public static final String SASL_CLIENT = "zookeeper.sasl.client";
    public static final String SASL_CLIENT_CONFIG = "zookeeper.sasl.clientconfig";
    /** ZooKeeper's own key ({@code X509Util.FIPS_MODE_PROPERTY}); in FIPS mode DIGEST-MD5 SASL is refused. */
    public static final String FIPS_MODE = "zookeeper.fips-mode";
    public static final String JAAS_CONFIG_PROPERTY = "java.security.auth.login.config";
    public static final String DEFAULT_SASL_CLIENT_CONFIG = ZKClientConfig.LOGIN_CONTEXT_NAME_KEY_DEFAULT;
    /** Kafka's defaults: no ACLs; SASL when the JAAS file has a {@code Client} section. */
    public static final ZkClientSecurity DEFAULT = new ZkClientSecurity(false, true, DEFAULT_SASL_CLIENT_CONFIG);

    public ZkClientSecurity {
        Objects.requireNonNull(saslClientConfig, SASL_CLIENT_CONFIG);
        if (saslClientConfig.isBlank()) {
            throw new IllegalArgumentException(SASL_CLIENT_CONFIG + " must name a JAAS section");
        }
    }

    /** Secure ACLs, authenticating with the JAAS section {@code saslClientConfig}. */
    public static ZkClientSecurity secure(String saslClientConfig) {
        return new ZkClientSecurity(true, true, saslClientConfig);
    }

    /** Whether this client will SASL-authenticate: {@value #SASL_CLIENT} and the JAAS configuration has the section. */
    public boolean saslConfigured() {
        return saslClient && jaasSection().isPresent();
    }

    /** The ZooKeeper client settings for one client: SASL on only when it is configured, with the section named here. */
    public ZKClientConfig clientConfig() {
        ZKClientConfig config = new ZKClientConfig();
        config.setProperty(ZKClientConfig.ENABLE_CLIENT_SASL_KEY, Boolean.toString(saslConfigured()));
        config.setProperty(ZKClientConfig.LOGIN_CONTEXT_NAME_KEY, saslClientConfig);
        // ZooKeeper 3.9's client refuses DIGEST-MD5, the mechanism of its DigestLoginModule, in its default FIPS mode;
        // the servers need fips-mode=false too (zoo.cfg). An explicit -Dzookeeper.fips-mode still decides.
        config.setProperty(FIPS_MODE, System.getProperty(FIPS_MODE, "false"));
        return config;
    }

    /**
     * Fails fast, before connecting, when {@value #SET_ACL} is true but the client cannot authenticate: secure ACLs
     * name the creator's authenticated identity, so an unauthenticated client could create nothing.
     *
     * @throws SecurityException naming what to fix
     */
    public void requireAuthenticationPossible() {
        if (!setAcl) {
            return;
        }
        if (!saslClient) {
            throw notAuthenticated(SASL_CLIENT + "=false");
        }
        Optional<String> problem = jaasProblem();
        if (problem.isPresent()) {
            throw notAuthenticated(problem.get());
        }
    }

    /**
     * Checks, once connected, that the session is SASL-authenticated (ZooKeeper's {@code whoami}), when
     * {@value #SET_ACL} is true: wrong credentials also end here.
     *
     * @param sessionAuth the session's authentication as ZooKeeper reports it ({@code null} when it could not answer)
     * @throws SecurityException naming what to fix
     */
    public void requireAuthenticated(List<ClientInfo> sessionAuth) {
        if (!setAcl) {
            return;
        }
        boolean sasl = sessionAuth != null && sessionAuth.stream().anyMatch(i -> "sasl".equals(i.getAuthScheme()));
        if (!sasl) {
            String who = sessionAuth == null ? "ZooKeeper did not answer whoami (authentication failed?)"
                    : "the session is authenticated only as " + sessionAuth.stream().map(i -> i.getAuthScheme() + ":" + i.getUser()).toList();
            throw notAuthenticated(who);
        }
    }

    private SecurityException notAuthenticated(String detail) {
        return new SecurityException(SET_ACL + "=true but the ZooKeeper client is not authenticated (" + detail + "): set -D"
                + JAAS_CONFIG_PROPERTY + " to a JAAS file with a '" + saslClientConfig + "' section (" + SASL_CLIENT_CONFIG
                + ") holding credentials the ZooKeeper servers accept, keep " + SASL_CLIENT + "=true, and enable SASL on the "
                + "servers (authProvider.1=org.apache.zookeeper.server.auth.SASLAuthenticationProvider)");
    }

    private Optional<AppConfigurationEntry[]> jaasSection() {
        try {
            return Optional.ofNullable(Configuration.getConfiguration().getAppConfigurationEntry(saslClientConfig));
        } catch (SecurityException | IllegalArgumentException unreadable) {
            return Optional.empty();
        }
    }

    private Optional<String> jaasProblem() {
        String file = System.getProperty(JAAS_CONFIG_PROPERTY);
        if (file == null) {
            return Optional.of("no JAAS file: -D" + JAAS_CONFIG_PROPERTY + " is not set");
        }
        try {
            if (Configuration.getConfiguration().getAppConfigurationEntry(saslClientConfig) == null) {
                return Optional.of("the JAAS file " + file + " has no section '" + saslClientConfig + "'");
            }
            return Optional.empty();
        } catch (SecurityException | IllegalArgumentException unreadable) {
            return Optional.of("the JAAS file " + file + " cannot be read: " + unreadable.getMessage());
        }
    }
}
