package io.nacre.appliance.image;

/** A seed the appliance cannot apply: the message names the file and the key, and says what is expected. */
public final class SeedException extends IllegalArgumentException {
    public SeedException(String message) {
        super(message);
    }

    SeedException(String message, Throwable cause) {
        super(message, cause);
    }
}
