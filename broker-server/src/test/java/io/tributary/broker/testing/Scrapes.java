package io.tributary.broker.testing;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads a real broker's {@code /metrics} the way Prometheus does, for tests that assert values. */
public final class Scrapes {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private Scrapes() {
    }

    /** The Prometheus text exposition of {@code broker}'s endpoint. */
    public static String scrape(EmbeddedCluster c, int broker) {
        return scrape(c, broker, "text/plain").body();
    }

    /** The exposition in the format {@code accept} asks for (OpenMetrics: {@code application/openmetrics-text}). */
    public static HttpResponse<String> scrape(EmbeddedCluster c, int broker, String accept) {
        int port = c.broker(broker).metricsPort();
        if (port <= 0) {
            throw new AssertionError("broker " + broker + " does not serve /metrics (metrics.port " + port + ")");
        }
        try {
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
                    .header("Accept", accept).timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                throw new AssertionError("GET /metrics of broker " + broker + ": HTTP " + r.statusCode());
            }
            return r;
        } catch (IOException e) {
            throw new AssertionError("scraping broker " + broker, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted scraping broker " + broker, e);
        }
    }

    /**
     * The value of the one sample written exactly {@code sample} ({@code name{label="v",...}} with labels in the
     * exposition's order, which is sorted by label name), or NaN when the scrape has none.
     */
    public static double value(String scrape, String sample) {
        Matcher m = Pattern.compile("^" + Pattern.quote(sample) + " (\\S+)$", Pattern.MULTILINE).matcher(scrape);
        return m.find() ? Double.parseDouble(m.group(1)) : Double.NaN;
    }

    /** The values of every sample of metric {@code name}, whatever its labels. */
    public static List<Double> values(String scrape, String name) {
        Matcher m = Pattern.compile("^" + Pattern.quote(name) + "(?:\\{[^}]*})? (\\S+)$", Pattern.MULTILINE).matcher(scrape);
        List<Double> out = new ArrayList<>();
        while (m.find()) {
            out.add(Double.parseDouble(m.group(1)));
        }
        return out;
    }

    /** {@link #value} of one broker's sample, scraped now. */
    public static double value(EmbeddedCluster c, int broker, String sample) {
        return value(scrape(c, broker), sample);
    }

    /** The sum of {@code sample} over the running brokers, those without it counting 0. */
    public static double sum(EmbeddedCluster c, String sample) {
        double total = 0;
        for (int id : c.runningBrokers().keySet()) {
            double v = value(scrape(c, id), sample);
            total += Double.isNaN(v) ? 0 : v;
        }
        return total;
    }
}
