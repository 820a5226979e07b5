package io.tributary.broker.partition;

import io.tributary.api.TopicPartition;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Who wants to hear that a partition's readable data grew (its high watermark advanced): fetch sessions waiting
 * for data, instead of polling. Registration is cheap and idempotent; notification calls each watcher once and
 * forgets it, so a watcher re-registers when it wants the next event.
 *
 * <p>Thread-safe.
 */
public final class PartitionWatchers {
    /** Told about new data; must return quickly (hand real work to an executor). */
    @FunctionalInterface
    public interface Watcher {
        void onDataAvailable(TopicPartition tp);
    }

    private final ConcurrentHashMap<TopicPartition, Set<Watcher>> watchers = new ConcurrentHashMap<>();

    public void watch(TopicPartition tp, Watcher watcher) {
        watchers.computeIfAbsent(tp, k -> ConcurrentHashMap.newKeySet()).add(watcher);
    }

    public void unwatch(TopicPartition tp, Watcher watcher) {
        Set<Watcher> set = watchers.get(tp);
        if (set != null) {
            set.remove(watcher);
        }
    }

    public void notifyDataAvailable(TopicPartition tp) {
        Set<Watcher> set = watchers.get(tp);
        if (set == null || set.isEmpty()) {
            return;
        }
        for (Watcher w : set) {
            if (set.remove(w)) {
                w.onDataAvailable(tp);
            }
        }
    }
}
