package io.tributary.broker.log;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * A small text file of entries, replaced atomically: written to a temporary file, fsynced, renamed over the old
 * one, and the directory fsynced, so a crash leaves either the old or the new content, never a mix.
 *
 * <pre>
 * 0          format version
 * 2          number of entry lines
 * 0 0        entries, one per line, fields separated by a space
 * 3 1200
 * </pre>
 *
 * Stateless and thread-safe as long as no two threads write the same path (owners serialise their writes).
 */
final class CheckpointFile {
    static final int VERSION = 0;

    private CheckpointFile() {
    }

    static void write(Path file, List<String> entries) throws IOException {
        StringBuilder sb = new StringBuilder().append(VERSION).append('\n').append(entries.size()).append('\n');
        for (String e : entries) {
            sb.append(e).append('\n');
        }
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ch.write(java.nio.ByteBuffer.wrap(sb.toString().getBytes(StandardCharsets.UTF_8)));
            ch.force(true);
        }
        try {
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
        }
        fsyncDirectory(file.getParent());
    }

    /**
     * @return the entry lines, or null when the file does not exist
     * @throws IOException when the file exists but is malformed (wrong version, count or truncated)
     */
    static List<String> read(Path file) throws IOException {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return null;
        }
        try {
            if (lines.size() < 2 || Integer.parseInt(lines.get(0).trim()) != VERSION) {
                throw new IOException("checkpoint " + file + " has no version " + VERSION + " header");
            }
            int count = Integer.parseInt(lines.get(1).trim());
            if (count < 0 || lines.size() - 2 < count) {
                throw new IOException("checkpoint " + file + " declares " + count + " entries but has " + (lines.size() - 2));
            }
            return new ArrayList<>(lines.subList(2, 2 + count));
        } catch (NumberFormatException e) {
            throw new IOException("checkpoint " + file + " is malformed: " + e.getMessage(), e);
        }
    }

    static void fsyncDirectory(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException ignored) {
            // Some file systems refuse to open or sync a directory; the rename is still atomic there.
        }
    }
}
