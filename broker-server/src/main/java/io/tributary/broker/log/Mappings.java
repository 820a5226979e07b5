package io.tributary.broker.log;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Field;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;

/**
 * Releases a memory mapping at once instead of when the GC collects its buffer. The JDK has no public API for that
 * before the FFM API; {@code sun.misc.Unsafe#invokeCleaner} (module jdk.unsupported) is what Kafka and Lucene use.
 * Where it is missing, mappings are left to the GC as before. JDK 24 and later print a one-time warning that the
 * method will be removed; once the baseline is Java 22, a file mapped into a closable {@code Arena} replaces this.
 *
 * <p>The caller must guarantee that nothing touches the buffer afterwards: an access to an unmapped buffer crashes
 * the JVM. Thread-safe.
 */
final class Mappings {
    private static final Logger log = LoggerFactory.getLogger(Mappings.class);
    private static final MethodHandle INVOKE_CLEANER = findInvokeCleaner();

    private Mappings() {
    }

    private static MethodHandle findInvokeCleaner() {
        try {
            Class<?> unsafeClass = Class.forName("sun.misc.Unsafe");
            Field theUnsafe = unsafeClass.getDeclaredField("theUnsafe");
            theUnsafe.setAccessible(true);
            return MethodHandles.lookup()
                    .findVirtual(unsafeClass, "invokeCleaner", MethodType.methodType(void.class, ByteBuffer.class))
                    .bindTo(theUnsafe.get(null));
        } catch (ReflectiveOperationException | RuntimeException e) {
            log.warn("cannot release index mappings explicitly ({}); the GC releases them", e.toString());
            return null;
        }
    }

    /** Whether {@link #unmap} releases mappings at once on this JVM. */
    static boolean canUnmap() {
        return INVOKE_CLEANER != null;
    }

    static void unmap(MappedByteBuffer buffer) {
        if (INVOKE_CLEANER == null || buffer == null) {
            return;
        }
        try {
            INVOKE_CLEANER.invokeExact((ByteBuffer) buffer);
        } catch (Throwable t) {
            log.warn("cannot release a mapping; the GC will", t);
        }
    }
}
