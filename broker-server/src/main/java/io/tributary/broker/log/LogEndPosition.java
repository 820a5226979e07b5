package io.tributary.broker.log;

/**
 * The log end as the writer last published it: the next offset, and where in which segment it sits. One volatile
 * reference to this immutable value is how readers learn how far they may read without taking the log's lock.
 */
record LogEndPosition(long offset, long segmentBaseOffset, int position) {
}
