package io.nacre.engine;

import static java.util.Objects.requireNonNull;

/** The one exception type of the core: a protocol-neutral {@link Status} and a message for people. */
public class NacreException extends RuntimeException {

    private final Status status;

    public NacreException(Status status, String message) {
        super(message);
        this.status = requireNonNull(status, "status");
    }

    public NacreException(Status status, String message, Throwable cause) {
        super(message, cause);
        this.status = requireNonNull(status, "status");
    }

    public Status status() {
        return status;
    }

    /** Unwraps CompletionException/ExecutionException layers to the NacreException inside, if any. */
    public static NacreException from(Throwable t) {
        Throwable c = t;
        while (c != null) {
            if (c instanceof NacreException ne) {
                return ne;
            }
            c = c.getCause();
        }
        return new NacreException(Status.IO, String.valueOf(t), t);
    }

    @Override
    public String toString() {
        return "NacreException[" + status + "]: " + getMessage();
    }
}
