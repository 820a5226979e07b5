/**
 * TLS shared by the broker and the Java SDK: Kafka's {@code ssl.*} settings loaded with the JDK
 * ({@link io.tributary.api.security.SslConfig}) and the gRPC (Netty) contexts built from them
 * ({@link io.tributary.api.security.GrpcTls}).
 */
package io.tributary.api.security;
