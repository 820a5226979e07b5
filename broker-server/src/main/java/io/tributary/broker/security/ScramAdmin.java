package io.tributary.broker.security;

import io.tributary.api.ErrorCode;
import io.tributary.api.TributaryException;
import io.tributary.api.security.ScramCredential;
import io.tributary.api.security.ScramFormatter;
import io.tributary.api.security.ScramMechanism;
import io.tributary.coordination.UserCredentials;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Describing and altering SCRAM credentials (Kafka's DescribeUserScramCredentials / AlterUserScramCredentials).
 * Clients send the salted password, never the password; the broker derives StoredKey and ServerKey and stores
 * those with the salt and iteration count. Describing shows mechanisms and iterations only. Thread-safe.
 */
public final class ScramAdmin {
    private static final int MIN_SALT_BYTES = 16;
    private static final int MAX_SALT_BYTES = 1024;

    private final Supplier<UserCredentials> credentials;

    public ScramAdmin(Supplier<UserCredentials> credentials) {
        this.credentials = credentials;
    }

    /** A user's credentials as describe shows them; an error (RESOURCE_NOT_FOUND) when it has none. */
    public record Described(String user, TributaryException error, Map<ScramMechanism, Integer> iterations) {
    }

    public List<Described> describe(List<String> users) throws Exception {
        UserCredentials store = credentials.get();
        List<String> names = users.isEmpty() ? store.users() : users;
        List<Described> out = new ArrayList<>();
        Set<String> seen = new java.util.HashSet<>();
        for (String user : names) {
            if (!seen.add(user)) {
                out.add(new Described(user, new TributaryException(ErrorCode.DUPLICATE_RESOURCE, "user " + user + " is named twice"), Map.of()));
                continue;
            }
            Map<ScramMechanism, Integer> m = store.describe(user);
            if (m.isEmpty()) {
                if (!users.isEmpty()) {
                    out.add(new Described(user, new TributaryException(ErrorCode.RESOURCE_NOT_FOUND,
                            "user " + user + " has no SCRAM credential"), Map.of()));
                }
                continue;
            }
            out.add(new Described(user, null, m));
        }
        return out;
    }

    public record Upsertion(String user, ScramMechanism mechanism, int iterations, byte[] salt, byte[] saltedPassword) {
    }

    public record Deletion(String user, ScramMechanism mechanism) {
    }

    /**
     * Applies deletions and upsertions per user; each user's changes are one ZooKeeper write. The result maps every
     * user named to its error, or null when its changes were applied.
     */
    public Map<String, TributaryException> alter(List<Deletion> deletions, List<Upsertion> upsertions) {
        UserCredentials store = credentials.get();
        Map<String, TributaryException> result = new LinkedHashMap<>();
        Map<String, Map<ScramMechanism, ScramCredential>> upserts = new LinkedHashMap<>();
        Map<String, Set<ScramMechanism>> deletes = new LinkedHashMap<>();
        Set<String> touched = new java.util.HashSet<>();
        for (Deletion d : deletions) {
            result.putIfAbsent(d.user(), null);
            if (!touched.add(d.user() + "\0" + d.mechanism())) {
                result.put(d.user(), duplicate(d.user(), d.mechanism()));
            }
            deletes.computeIfAbsent(d.user(), u -> EnumSet.noneOf(ScramMechanism.class)).add(d.mechanism());
        }
        for (Upsertion u : upsertions) {
            result.putIfAbsent(u.user(), null);
            if (!touched.add(u.user() + "\0" + u.mechanism())) {
                result.put(u.user(), duplicate(u.user(), u.mechanism()));
                continue;
            }
            try {
                upserts.computeIfAbsent(u.user(), x -> new EnumMap<>(ScramMechanism.class)).put(u.mechanism(), credential(u));
            } catch (TributaryException e) {
                result.put(u.user(), e);
            }
        }
        for (Map.Entry<String, TributaryException> e : result.entrySet()) {
            String user = e.getKey();
            if (e.getValue() != null) {
                continue;
            }
            if (user.isEmpty()) {
                e.setValue(new TributaryException(ErrorCode.UNACCEPTABLE_CREDENTIAL, "the user name must not be empty"));
                continue;
            }
            try {
                Set<ScramMechanism> del = deletes.getOrDefault(user, Set.of());
                if (!del.isEmpty()) {
                    Set<ScramMechanism> existing = store.describe(user).keySet();
                    for (ScramMechanism m : del) {
                        if (!existing.contains(m)) {
                            throw new TributaryException(ErrorCode.RESOURCE_NOT_FOUND,
                                    "user " + user + " has no " + m.mechanismName() + " credential to delete");
                        }
                    }
                }
                store.alter(user, upserts.getOrDefault(user, Map.of()), del);
            } catch (TributaryException t) {
                e.setValue(t);
            } catch (Exception failure) {
                e.setValue(new TributaryException(ErrorCode.UNKNOWN_SERVER_ERROR,
                        "could not write the credentials of " + user + " to ZooKeeper: " + failure.getMessage(), failure));
            }
        }
        return result;
    }

    private static ScramCredential credential(Upsertion u) {
        if (u.iterations() < ScramMechanism.MIN_ITERATIONS || u.iterations() > ScramMechanism.MAX_ITERATIONS) {
            throw new TributaryException(ErrorCode.UNACCEPTABLE_CREDENTIAL, "iterations must be between "
                    + ScramMechanism.MIN_ITERATIONS + " and " + ScramMechanism.MAX_ITERATIONS + ", got " + u.iterations());
        }
        if (u.salt().length < MIN_SALT_BYTES || u.salt().length > MAX_SALT_BYTES) {
            throw new TributaryException(ErrorCode.UNACCEPTABLE_CREDENTIAL,
                    "the salt must be " + MIN_SALT_BYTES + ".." + MAX_SALT_BYTES + " random bytes, got " + u.salt().length);
        }
        ScramFormatter f = new ScramFormatter(u.mechanism());
        byte[] expectedLength = f.hmac(u.salt(), new byte[0]);
        if (u.saltedPassword().length != expectedLength.length) {
            throw new TributaryException(ErrorCode.UNACCEPTABLE_CREDENTIAL, "the salted password of " + u.mechanism().mechanismName()
                    + " is " + expectedLength.length + " bytes (Hi(password, salt, iterations)), got " + u.saltedPassword().length);
        }
        return new ScramCredential(u.salt(), f.storedKey(f.clientKey(u.saltedPassword())), f.serverKey(u.saltedPassword()), u.iterations());
    }

    private static TributaryException duplicate(String user, ScramMechanism m) {
        return new TributaryException(ErrorCode.DUPLICATE_RESOURCE,
                "the request changes the " + m.mechanismName() + " credential of " + user + " more than once");
    }
}
