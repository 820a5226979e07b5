/**
 * Who is calling, whatever the transport: mapping a TLS client certificate to a principal
 * ({@link io.tributary.broker.security.SslPrincipalMapper}). Authentication mechanisms and the authorizer join it.
 * Nothing here depends on gRPC.
 */
package io.tributary.broker.security;
