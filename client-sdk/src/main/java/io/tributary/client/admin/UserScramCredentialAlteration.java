package io.tributary.client.admin;

/** A change to one user's SCRAM credentials: an upsertion or a deletion, as in Kafka's admin API. Immutable. */
public sealed interface UserScramCredentialAlteration permits UserScramCredentialUpsertion, UserScramCredentialDeletion {
    String user();
}
