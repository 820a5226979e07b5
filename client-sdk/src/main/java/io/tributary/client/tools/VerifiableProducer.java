package io.tributary.client.tools;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tributary.client.producer.ProducerRecord;
import io.tributary.client.producer.TributaryProducer;
import io.tributary.client.serialization.StringSerializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code tributary-verifiable-producer.sh}: sends values {@code P.0 .. P.N-1} (or {@code 0 .. N-1}) and prints one
 * JSON line per outcome, so a fault test can compare what was acknowledged with what can be read:
 * <pre>
 * {"name":"producer_send_success","key":null,"value":"17","partition":2,"offset":1234}
 * {"name":"producer_send_error","value":"18","exception":"..."}
 * {"name":"tool_data","sent":N,"acked":A}
 * </pre>
 * Exit 0 once every send has an outcome (errors included: they are data); non-zero when the tool itself cannot run.
 *
 * <p>One instance runs once, on the tool's main thread; outcome lines are printed from the producer's sender thread, one whole line at a time.
 */
@Command(name = "tributary-verifiable-producer.sh", sortOptions = false,
        description = "Send numbered values and print each acknowledgement or error as a JSON line.")
public final class VerifiableProducer extends ToolCommand {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Option(names = "--topic", required = true, paramLabel = "TOPIC", description = "Topic to produce to.")
    String topic;

    @Option(names = "--max-messages", paramLabel = "N", defaultValue = "-1", description = "Records to send; -1 sends until killed.")
    long maxMessages;

    @Option(names = "--throughput", paramLabel = "RECORDS_PER_SEC", defaultValue = "-1", description = "Target rate; -1 for no limit.")
    double throughput;

    @Option(names = "--acks", paramLabel = "ACKS", defaultValue = "all", description = "0, 1, -1 or all (default all).")
    String acks;

    @Option(names = "--value-prefix", paramLabel = "P", description = "Values are P.0, P.1, ... instead of 0, 1, ...")
    String valuePrefix;

    @Option(names = {"--producer.config", "--command-config"}, paramLabel = "FILE",
            description = "Producer properties file (security.protocol, ssl.*, any producer config).")
    Path producerConfig;

    @Option(names = "--producer-property", paramLabel = "KEY=VALUE", description = "A producer config (repeatable).")
    List<String> producerProperties = new ArrayList<>();

    public static void main(String[] args) {
        System.exit(execute(new VerifiableProducer(), args, System.in, System.out, System.err));
    }

    @Override
    public Integer call() {
        Map<String, Object> props = new HashMap<>(clientProps(ToolDefaults.PRODUCER, producerConfig, producerProperties));
        props.put("acks", acks);
        Topics.requireExists(props, topic);
        AtomicLong acked = new AtomicLong();
        long sent = 0;
        CountDownLatch finished = new CountDownLatch(1);
        long startMs = System.currentTimeMillis();
        TributaryProducer<String, String> producer = new TributaryProducer<>(
                new io.tributary.client.config.ProducerConfig(props), new StringSerializer(), new StringSerializer());
        // On SIGTERM/SIGINT: stop sending, let outstanding sends report, print tool_data.
        AtomicLong sentSoFar = new AtomicLong();
        Thread hook = new Thread(() -> {
            stopping = true;
            try {
                finished.await(java.util.concurrent.TimeUnit.SECONDS.toMillis(10), java.util.concurrent.TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "verifiable-producer-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            for (long i = 0; (maxMessages < 0 || i < maxMessages) && !stopping; i++) {
                String value = valuePrefix == null ? Long.toString(i) : valuePrefix + "." + i;
                producer.send(new ProducerRecord<>(topic, null, value), (md, e) -> {
                    Map<String, Object> line = new LinkedHashMap<>();
                    if (e == null) {
                        acked.incrementAndGet();
                        line.put("name", "producer_send_success");
                        line.put("key", null);
                        line.put("value", value);
                        line.put("partition", md.partition());
                        line.put("offset", md.offset());
                    } else {
                        line.put("name", "producer_send_error");
                        line.put("value", value);
                        line.put("exception", oneLine(e));
                    }
                    print(line);
                });
                sent++;
                sentSoFar.set(sent);
                throttle(sent, startMs);
            }
            producer.flush();
        } finally {
            producer.close(Duration.ofSeconds(30));
            Map<String, Object> summary = new LinkedHashMap<>();
            summary.put("name", "tool_data");
            summary.put("sent", sentSoFar.get());
            summary.put("acked", acked.get());
            print(summary);
            finished.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running and waits for the latch counted down above
            }
        }
        return 0;
    }

    private volatile boolean stopping;

    private void throttle(long sent, long startMs) {
        if (throughput <= 0) {
            return;
        }
        long aheadMs = startMs + (long) (sent * 1000.0 / throughput) - System.currentTimeMillis();
        if (aheadMs >= 2) {
            try {
                Thread.sleep(aheadMs);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                stopping = true;
            }
        }
    }

    private void print(Map<String, Object> line) {
        try {
            String json = JSON.writeValueAsString(line);
            synchronized (out) {
                out.println(json);
                out.flush();
            }
        } catch (JsonProcessingException e) {
            throw new ToolException("cannot write JSON: " + e.getOriginalMessage());
        }
    }
}
