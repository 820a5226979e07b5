package io.tributary.client.tools;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tributary.api.TopicPartition;
import io.tributary.client.consumer.ConsumerRecord;
import io.tributary.client.consumer.ConsumerRecords;
import io.tributary.client.consumer.TributaryConsumer;
import io.tributary.client.consumer.WakeupException;
import io.tributary.client.serialization.StringDeserializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * {@code tributary-verifiable-consumer.sh}: reads every partition of a topic and prints one JSON line per record:
 * {@code {"name":"record_data","partition":2,"offset":1234,"key":null,"value":"17"}}.
 *
 * <p>One instance runs once, on the tool's main thread; a shutdown hook only calls the consumer's wakeup().
 */
@Command(name = "tributary-verifiable-consumer.sh", sortOptions = false,
        description = "Read a topic and print each record as a JSON line.",
        footer = {"", "Partitions are assigned directly; --group-id is accepted for compatibility (no group membership yet)."})
public final class VerifiableConsumer extends ToolCommand {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Option(names = "--topic", required = true, paramLabel = "TOPIC", description = "Topic to read.")
    String topic;

    @Option(names = "--group-id", paramLabel = "GROUP", description = "Consumer group id (carried for logs).")
    String groupId;

    @Option(names = "--from-beginning", description = "Start at the earliest record instead of the end of the log.")
    boolean fromBeginning;

    @Option(names = "--max-messages", paramLabel = "N", defaultValue = "-1", description = "Exit after N records; -1 for no limit.")
    long maxMessages;

    @Option(names = "--timeout-ms", paramLabel = "MS", description = "Exit when no record arrives for this long.")
    Long timeoutMs;

    @Option(names = "--consumer.config", paramLabel = "FILE", description = "Consumer properties file.")
    Path consumerConfig;

    @Option(names = "--consumer-property", paramLabel = "KEY=VALUE", description = "A consumer config (repeatable).")
    List<String> consumerProperties = new ArrayList<>();

    public static void main(String[] args) {
        System.exit(execute(new VerifiableConsumer(), args, System.in, System.out, System.err));
    }

    @Override
    public Integer call() throws JsonProcessingException {
        Map<String, Object> props = clientProps(ToolDefaults.CONSUMER, consumerConfig, consumerProperties);
        if (groupId != null) {
            props.put("group.id", groupId);
        }
        Topics.requireExists(props, topic);
        long count = 0;
        CountDownLatch finished = new CountDownLatch(1);
        try (TributaryConsumer<String, String> consumer = new TributaryConsumer<>(
                new io.tributary.client.config.ConsumerConfig(props), new StringDeserializer(), new StringDeserializer())) {
            Thread hook = ConsumerTools.installWakeupHook(consumer, finished);
            try {
                List<TopicPartition> tps = ConsumerTools.assignAll(consumer, topic, null);
                if (fromBeginning) {
                    consumer.seekToBeginning(tps);
                } else {
                    consumer.seekToEnd(tps);
                }
                long lastRecordMs = System.currentTimeMillis();
                while (maxMessages < 0 || count < maxMessages) {
                    ConsumerRecords<String, String> records = consumer.poll(Duration.ofMillis(200));
                    if (records.isEmpty()) {
                        if (timeoutMs != null && System.currentTimeMillis() - lastRecordMs >= timeoutMs) {
                            break;
                        }
                        continue;
                    }
                    lastRecordMs = System.currentTimeMillis();
                    StringBuilder sb = new StringBuilder();
                    for (ConsumerRecord<String, String> r : records) {
                        if (maxMessages >= 0 && count >= maxMessages) {
                            break;
                        }
                        Map<String, Object> line = new LinkedHashMap<>();
                        line.put("name", "record_data");
                        line.put("partition", r.partition());
                        line.put("offset", r.offset());
                        line.put("key", r.key());
                        line.put("value", r.value());
                        sb.append(JSON.writeValueAsString(line)).append('\n');
                        count++;
                    }
                    out.print(sb);
                    out.flush();
                }
            } catch (WakeupException stopping) {
                // SIGTERM/SIGINT: stop with what was printed.
            } finally {
                ConsumerTools.removeHook(hook);
            }
        } finally {
            finished.countDown();
        }
        err.println("Consumed " + count + " records");
        return 0;
    }
}
