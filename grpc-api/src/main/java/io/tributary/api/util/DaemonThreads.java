package io.tributary.api.util;

import com.google.common.util.concurrent.ThreadFactoryBuilder;

import java.util.concurrent.ThreadFactory;

/**
 * Thread factories for the background threads of brokers, coordination recipes and clients: all daemon threads (a
 * process ends when its main work does; stopping them is each owner's explicit close) with names that say what they
 * do in a thread dump. Stateless and thread-safe.
 */
public final class DaemonThreads {
    private DaemonThreads() {
    }

    /** Daemon threads all named {@code name}: for executors with one thread. */
    public static ThreadFactory named(String name) {
        return new ThreadFactoryBuilder().setNameFormat(escape(name)).setDaemon(true).build();
    }

    /** Daemon threads named {@code prefix-0}, {@code prefix-1}, ...: for pools. */
    public static ThreadFactory numbered(String prefix) {
        return new ThreadFactoryBuilder().setNameFormat(escape(prefix) + "-%d").setDaemon(true).build();
    }

    /** ThreadFactoryBuilder takes a format string: a '%' in a name is literal. */
    private static String escape(String name) {
        return name.replace("%", "%%");
    }
}
