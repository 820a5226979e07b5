package io.tributary.coordination;

/** LATENT → STARTED → CLOSED, held in an {@code AtomicReference} by each recipe (as Curator's recipes do). */
enum Lifecycle {
    LATENT, STARTED, CLOSED
}
