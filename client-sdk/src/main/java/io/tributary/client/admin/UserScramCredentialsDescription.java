package io.tributary.client.admin;

import io.tributary.api.TributaryException;

import java.util.List;

/**
 * A user's SCRAM credentials: one {@link ScramCredentialInfo} per mechanism, or an error (RESOURCE_NOT_FOUND for a
 * user without any). Immutable.
 */
public record UserScramCredentialsDescription(String user, List<ScramCredentialInfo> credentials, TributaryException error) {
    public UserScramCredentialsDescription {
        credentials = List.copyOf(credentials);
    }

    public boolean exists() {
        return error == null;
    }
}
