package io.tributary.client.tools;

import io.tributary.api.TopicPartition;
import io.tributary.client.admin.ListedOffset;
import io.tributary.client.admin.OffsetSpec;
import io.tributary.client.admin.TopicDescription;
import io.tributary.client.admin.TributaryAdmin;
import io.tributary.client.consumer.OffsetAndMetadata;
import io.tributary.client.tools.ToolCommand.ToolException;

import java.io.PrintStream;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoField;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Computes the new committed offsets of {@code --reset-offsets} for one group, as kafka-consumer-groups.sh does: which
 * partitions ({@code --topic t}, {@code t:0,2}, or {@code --all-topics} = those the group has offsets for) and where
 * ({@code --to-earliest | --to-latest | --to-current | --to-offset N | --to-datetime T | --shift-by N}), clamped to each
 * partition's [log start, high watermark] with a warning.
 *
 * <p>Used once, on the tool's thread.
 */
final class OffsetResetPlan {
    /** How a reset chooses offsets; exactly one is set. */
    record Spec(boolean toEarliest, boolean toLatest, boolean toCurrent, Long toOffset, String toDatetime, Long shiftBy) {
        int count() {
            return (toEarliest ? 1 : 0) + (toLatest ? 1 : 0) + (toCurrent ? 1 : 0) + (toOffset != null ? 1 : 0)
                    + (toDatetime != null ? 1 : 0) + (shiftBy != null ? 1 : 0);
        }
    }

    /** YYYY-MM-DDTHH:mm:SS.sss with an optional Z or ±hh:mm zone (Kafka's format; no zone = this machine's zone). */
    private static final DateTimeFormatter DATETIME = new DateTimeFormatterBuilder()
            .appendPattern("yyyy-MM-dd'T'HH:mm:ss")
            .optionalStart().appendFraction(ChronoField.NANO_OF_SECOND, 0, 9, true).optionalEnd()
            .optionalStart().appendOffset("+HH:MM", "Z").optionalEnd()
            .toFormatter();

    private final TributaryAdmin admin;
    private final PrintStream err;

    OffsetResetPlan(TributaryAdmin admin, PrintStream err) {
        this.admin = admin;
        this.err = err;
    }

    /** The partitions named by {@code --topic} values ({@code t} = all of t's partitions, {@code t:0,2} = those). */
    Set<TopicPartition> partitionsOf(List<String> topicArgs) {
        Set<TopicPartition> out = new TreeSet<>();
        Map<String, List<Integer>> wanted = new TreeMap<>();
        for (String arg : topicArgs) {
            int colon = arg.indexOf(':');
            String topic = colon < 0 ? arg : arg.substring(0, colon);
            if (colon < 0) {
                wanted.put(topic, null);
                continue;
            }
            for (String p : arg.substring(colon + 1).split(",")) {
                try {
                    out.add(new TopicPartition(topic, Integer.parseInt(p.trim())));
                } catch (IllegalArgumentException e) {
                    throw new ToolException("invalid --topic '" + arg + "': expected TOPIC or TOPIC:PARTITION[,PARTITION...]");
                }
            }
        }
        if (!wanted.isEmpty()) {
            Map<String, TopicDescription> described = admin.describeTopics(wanted.keySet());
            for (String topic : wanted.keySet()) {
                TopicDescription d = described.get(topic);
                if (d == null || d.error() != null) {
                    throw new ToolException("topic '" + topic + "' does not exist");
                }
                d.partitions().forEach(p -> out.add(new TopicPartition(topic, p.partition())));
            }
        }
        return out;
    }

    /** New offsets of {@code partitions} given the group's current commits. */
    Map<TopicPartition, Long> compute(String group, Set<TopicPartition> partitions, Map<TopicPartition, OffsetAndMetadata> committed, Spec spec) {
        Map<TopicPartition, ListedOffset> earliest = list(partitions, OffsetSpec.earliest());
        Map<TopicPartition, ListedOffset> latest = list(partitions, OffsetSpec.latest());
        Map<TopicPartition, Long> requested = new TreeMap<>();
        if (spec.toDatetime() != null) {
            long ts = parseDatetime(spec.toDatetime());
            Map<TopicPartition, ListedOffset> byTime = list(partitions, OffsetSpec.forTimestamp(ts));
            // No record that new: the end of the log, as Kafka does.
            partitions.forEach(tp -> requested.put(tp, byTime.get(tp).offset() < 0 ? latest.get(tp).offset() : byTime.get(tp).offset()));
        }
        for (TopicPartition tp : partitions) {
            OffsetAndMetadata current = committed.get(tp);
            if (spec.toEarliest()) {
                requested.put(tp, earliest.get(tp).offset());
            } else if (spec.toLatest()) {
                requested.put(tp, latest.get(tp).offset());
            } else if (spec.toCurrent()) {
                requested.put(tp, current != null ? current.offset() : latest.get(tp).offset());
            } else if (spec.toOffset() != null) {
                requested.put(tp, spec.toOffset());
            } else if (spec.shiftBy() != null) {
                if (current == null) {
                    throw new ToolException("cannot shift the offset of " + tp + " for group '" + group + "': it has no committed offset");
                }
                requested.put(tp, current.offset() + spec.shiftBy());
            }
        }
        Map<TopicPartition, Long> out = new TreeMap<>();
        requested.forEach((tp, offset) -> out.put(tp, clamp(tp, offset, earliest.get(tp).offset(), latest.get(tp).offset())));
        return out;
    }

    private long clamp(TopicPartition tp, long offset, long earliest, long latest) {
        if (offset > latest) {
            err.println("WARN: New offset (" + offset + ") is higher than latest offset for topic partition " + tp + ". Value will be set to " + latest);
            return latest;
        }
        if (offset < earliest) {
            err.println("WARN: New offset (" + offset + ") is lower than earliest offset for topic partition " + tp + ". Value will be set to " + earliest);
            return earliest;
        }
        return offset;
    }

    private Map<TopicPartition, ListedOffset> list(Set<TopicPartition> partitions, OffsetSpec spec) {
        Map<TopicPartition, OffsetSpec> request = new HashMap<>();
        partitions.forEach(tp -> request.put(tp, spec));
        return admin.listOffsets(request);
    }

    static long parseDatetime(String text) {
        try {
            var parsed = DATETIME.parseBest(text, OffsetDateTime::from, LocalDateTime::from);
            if (parsed instanceof OffsetDateTime odt) {
                return odt.toInstant().toEpochMilli();
            }
            return ((LocalDateTime) parsed).atZone(ZoneId.systemDefault()).toInstant().toEpochMilli();
        } catch (DateTimeParseException e) {
            throw new ToolException("invalid --to-datetime '" + text + "': expected YYYY-MM-DDTHH:mm:SS.sss with an optional Z or ±hh:mm zone");
        }
    }
}
