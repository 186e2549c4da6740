package io.nacre.appliance.cli;

/** A failure the CLI reports as one line on stderr and a non-zero exit, never a stack trace. */
public final class CliException extends RuntimeException {
    public CliException(String message) {
        super(message, null, false, false);
    }
}
