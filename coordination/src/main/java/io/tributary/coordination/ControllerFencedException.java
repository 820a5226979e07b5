package io.tributary.coordination;

import io.tributary.api.ErrorCode;
import io.tributary.api.TributaryException;

/**
 * A controller write was rejected because {@code /controller_epoch} moved on: another broker was elected
 * controller since this one's election. The writer is deposed and must stop.
 */
public final class ControllerFencedException extends TributaryException {
    private static final long serialVersionUID = 1L;

    public ControllerFencedException(String message) {
        super(ErrorCode.STALE_CONTROLLER_EPOCH, message);
    }
}
