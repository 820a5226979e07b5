package io.tributary.client.internal;

import io.tributary.api.TributaryException;
import io.tributary.client.BootstrapUnreachableException;
import io.tributary.client.Cluster;
import io.tributary.client.Node;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.StringJoiner;

/**
 * One pass over the brokers a client may ask ("any one will do"): records how each address failed, so that when
 * nothing listens at any of them on first contact the client says so at once, naming each address and why. A
 * connection that failed at the TLS layer, or a plaintext one a TLS listener cut off, counts the same way: no retry
 * can succeed until a setting changes, and the reason names the setting ({@link TlsFailures}); so does a client
 * without SASL at a SASL listener, while a failed SASL exchange (a wrong password) ends the pass at once
 * ({@link SaslFailures}).
 *
 * <p>Not thread-safe: one pass, one thread.
 */
public final class ContactAttempt {
    private final ChannelPool channels;
    private final Map<HostPort, String> unreachable = new LinkedHashMap<>();
    private int otherFailures;

    public ContactAttempt(ChannelPool channels) {
        this.channels = channels;
    }

    /**
     * The addresses to try, in order: the brokers the metadata knows, then the bootstrap list, each shuffled so that
     * clients spread their calls over the cluster.
     */
    public static List<HostPort> candidates(Cluster cluster, List<HostPort> bootstrap) {
        Set<HostPort> out = new LinkedHashSet<>();
        List<Node> known = new ArrayList<>(cluster.nodes().values());
        Collections.shuffle(known);
        known.forEach(n -> out.add(new HostPort(n.host(), n.port())));
        List<HostPort> boot = new ArrayList<>(bootstrap);
        Collections.shuffle(boot);
        out.addAll(boot);
        return new ArrayList<>(out);
    }

    /**
     * A call to {@code address} failed with {@code failure}.
     *
     * @throws TributaryException at once when the failure is the client's SASL credentials or mechanism (a wrong
     *     password, {@link SaslFailures#isFatal}): every broker checks the same credentials, so asking the next one
     *     could only fail again, slowly (brokers delay failed authentications)
     */
    public void failed(HostPort address, Throwable failure) {
        TributaryException mapped = Errors.fromThrowable(failure);
        if (SaslFailures.isFatal(mapped.error())) {
            throw mapped;
        }
        String reason = Errors.unreachableReason(failure);
        if (reason == null) {
            reason = TlsFailures.explain(failure, channels.usesTls(), channels.mutualTls(), channels.usesSasl());
        }
        if (reason == null) {
            reason = SaslFailures.unauthenticatedClient(failure, channels.usesSasl());
        }
        if (reason == null) {
            otherFailures++;
        } else {
            unreachable.put(address, reason);
        }
    }

    /** A call was answered: from now on this client has reached the cluster. */
    public void answered() {
        channels.markAnswered();
    }

    /**
     * @throws BootstrapUnreachableException when no broker has answered this client yet and every address of this
     *     pass proved that nothing listens there
     */
    public void throwIfNothingListens() {
        if (channels.hasAnswered() || otherFailures > 0 || unreachable.isEmpty()) {
            return;
        }
        StringJoiner each = new StringJoiner(", ");
        unreachable.forEach((address, reason) -> each.add(address + " (" + reason + ")"));
        throw new BootstrapUnreachableException("could not connect to any bootstrap server: " + each);
    }
}
