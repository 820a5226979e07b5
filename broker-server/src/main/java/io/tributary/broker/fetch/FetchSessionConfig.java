package io.tributary.broker.fetch;

/**
 * What fetch sessions take from the broker's configuration. Immutable.
 *
 * @param threads                 threads that read and send for every session ({@code num.io.threads / 2}, at least 2)
 * @param maxWaitMsLimit          the longest {@code max_wait_ms} a session may ask for ({@code fetch.max.wait.ms.limit})
 * @param maxCredits              unused response credits a session may hold ({@code fetch.session.max.credits})
 * @param maxResponseBytes        the cap on a response's {@code max_bytes} ({@code socket.request.max.bytes})
 */
public record FetchSessionConfig(int threads, int maxWaitMsLimit, int maxCredits, int maxResponseBytes) {
}
