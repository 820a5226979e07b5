package io.tributary.client.tools;

import io.tributary.client.producer.ProducerRecord;
import io.tributary.client.producer.RecordMetadata;
import io.tributary.client.producer.TributaryProducer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * {@code tributary-console-producer.sh}: one record per line of standard input, as kafka-console-producer.sh.
 *
 * <p>One instance runs once, on the tool's main thread; send callbacks report from the producer's sender thread to the (synchronized) error stream.
 */
@Command(name = "tributary-console-producer.sh", sortOptions = false,
        description = "Read lines from standard input and send each as a record.",
        footer = {"", "Example:",
                "  echo 'k1:v1' | tributary-console-producer.sh --bootstrap-server 127.0.0.1:9092 --topic orders \\",
                "      --property parse.key=true --property key.separator=:"})
public final class ConsoleProducer extends ToolCommand {
    @Option(names = "--topic", required = true, paramLabel = "TOPIC", description = "The topic to produce to.")
    String topic;

    @Option(names = "--property", paramLabel = "KEY=VALUE",
            description = "Line reader settings: parse.key=true|false, key.separator=SEP (default tab), ignore.error=true|false.")
    List<String> properties = new ArrayList<>();

    @Option(names = "--producer-property", paramLabel = "KEY=VALUE", description = "A producer config (repeatable), e.g. acks=all.")
    List<String> producerProperties = new ArrayList<>();

    @Option(names = {"--producer.config", "--command-config"}, paramLabel = "FILE",
            description = "Producer properties file (security.protocol, ssl.*, any producer config).")
    Path producerConfig;

    @Option(names = "--request-required-acks", paramLabel = "ACKS", description = "Shorthand for --producer-property acks=ACKS.")
    String acks;

    @Option(names = "--compression-codec", paramLabel = "CODEC", description = "none, gzip, snappy, lz4 or zstd.")
    String compression;

    @Option(names = "--sync", description = "Wait for each record's acknowledgement before reading the next line.")
    boolean sync;

    public static void main(String[] args) {
        System.exit(execute(new ConsoleProducer(), args, System.in, System.out, System.err));
    }

    @Override
    public Integer call() throws IOException {
        Map<String, String> reader = parseKeyValues(properties, "--property");
        warnUnknownKeys(reader, Set.of("parse.key", "key.separator", "ignore.error"), "--property");
        boolean parseKey = Boolean.parseBoolean(reader.getOrDefault("parse.key", "false"));
        String separator = reader.getOrDefault("key.separator", "\t");
        boolean ignoreError = Boolean.parseBoolean(reader.getOrDefault("ignore.error", "false"));
        Map<String, Object> props = new HashMap<>(clientProps(ToolDefaults.PRODUCER, producerConfig, producerProperties));
        if (acks != null) {
            props.put("acks", acks);
        }
        if (compression != null) {
            props.put("compression.type", compression);
        }
        Topics.requireExists(props, topic);
        AtomicLong failed = new AtomicLong();
        AtomicReference<Exception> firstError = new AtomicReference<>();
        TributaryProducer<byte[], byte[]> producer = new TributaryProducer<>(props);
        // Ctrl-C ends the input early: still deliver what was read, as kafka-console-producer.sh does.
        Thread hook = new Thread(() -> producer.close(Duration.ofSeconds(10)), "console-producer-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try (producer; BufferedReader lines = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            String line;
            long lineNo = 0;
            while ((line = lines.readLine()) != null) {
                lineNo++;
                byte[] key = null;
                String value = line;
                if (parseKey) {
                    int at = line.indexOf(separator);
                    if (at < 0) {
                        if (!ignoreError) {
                            throw new ToolException("no key separator '" + separator + "' on line " + lineNo + ": " + line);
                        }
                    } else {
                        key = line.substring(0, at).getBytes(StandardCharsets.UTF_8);
                        value = line.substring(at + separator.length());
                    }
                }
                Future<RecordMetadata> f = producer.send(new ProducerRecord<>(topic, key, value.getBytes(StandardCharsets.UTF_8)), (md, e) -> {
                    if (e != null) {
                        failed.incrementAndGet();
                        firstError.compareAndSet(null, e);
                        err.println("Error when sending message to topic " + topic + ": " + oneLine(e));
                    }
                });
                if (sync) {
                    await(f);
                }
            }
            producer.flush();
            producer.close(Duration.ofSeconds(30));
        } catch (UncheckedIOException e) {
            throw e.getCause();
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // The hook is already closing the producer.
            }
        }
        if (failed.get() > 0) {
            throw new ToolException(failed.get() + " record(s) could not be sent; first error: " + oneLine(firstError.get()));
        }
        return 0;
    }

    private static void await(Future<RecordMetadata> f) {
        try {
            f.get();
        } catch (ExecutionException e) {
            // Already reported by the callback.
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ToolException("interrupted");
        }
    }
}
