package io.tributary.coordination;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * Encodes and decodes one kind of {@link ZkDocument} as compact JSON with snake_case field names, the shape
 * SPEC §2 shows and an operator reads with zkCli. Unknown fields are ignored (a newer writer may add some);
 * a document with a missing or newer {@code version} is rejected, since its meaning may have changed.
 *
 * <p>Immutable and thread-safe (Jackson's {@link ObjectMapper} is thread-safe once configured).
 *
 * @param <T> the document type
 */
public final class ZkCodec<T extends ZkDocument> {
    static final ObjectMapper MAPPER = new ObjectMapper()
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .setDefaultPropertyInclusion(JsonInclude.Include.ALWAYS)
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
            .configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true);

    private final Class<T> type;
    private final String documentName;

    public ZkCodec(Class<T> type, String documentName) {
        this.type = Objects.requireNonNull(type, "type");
        this.documentName = Objects.requireNonNull(documentName, "documentName");
    }

    public byte[] encode(T document) {
        try {
            return MAPPER.writeValueAsBytes(document);
        } catch (IOException e) {
            throw new IllegalStateException("cannot encode " + documentName + ": " + document, e);
        }
    }

    public String encodeToString(T document) {
        return new String(encode(document), StandardCharsets.UTF_8);
    }

    /**
     * @throws CorruptMetadataException when the bytes are not a valid document of this kind
     */
    public T decode(byte[] bytes) {
        if (bytes == null || bytes.length == 0) {
            throw new CorruptMetadataException(documentName + " znode is empty");
        }
        T document;
        try {
            document = MAPPER.readValue(bytes, type);
        } catch (IOException | IllegalArgumentException e) {
            throw new CorruptMetadataException("cannot parse " + documentName + ": "
                    + new String(bytes, StandardCharsets.UTF_8), e);
        }
        if (document.version() < 1 || document.version() > ZkDocument.CURRENT_VERSION) {
            throw new CorruptMetadataException(documentName + " has version " + document.version()
                    + "; this broker understands 1.." + ZkDocument.CURRENT_VERSION);
        }
        return document;
    }

    public String documentName() {
        return documentName;
    }
}
