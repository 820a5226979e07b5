/**
 * Kafka's ACL model, shared by the broker's authorizer, the ZooKeeper store and the admin tools: resource patterns
 * ({@link io.tributary.api.acl.ResourcePattern}), entries ({@link io.tributary.api.acl.AccessControlEntry}),
 * bindings and filters, with Kafka's names for types, operations and permissions.
 */
package io.tributary.api.acl;
