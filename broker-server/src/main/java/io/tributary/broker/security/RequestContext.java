package io.tributary.broker.security;

import java.util.Objects;

/**
 * Who a request comes from, whatever the transport: what the authorizer decides on and the request log records.
 * Immutable.
 *
 * @param principal  {@code User:alice}, {@code User:ANONYMOUS}
 * @param clientHost the client's IP address as text, "" when unknown (in-process)
 * @param listener   the listener's name, "" for an in-process server
 */
public record RequestContext(String principal, String clientHost, String listener) {
    public static final String ANONYMOUS = "User:ANONYMOUS";
    /** In-process calls and the broker's own work. */
    public static final RequestContext INTERNAL = new RequestContext(ANONYMOUS, "", "");

    public RequestContext {
        Objects.requireNonNull(principal, "principal");
        Objects.requireNonNull(clientHost, "clientHost");
        Objects.requireNonNull(listener, "listener");
    }
}
