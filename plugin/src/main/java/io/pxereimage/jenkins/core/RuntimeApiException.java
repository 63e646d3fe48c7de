package io.pxereimage.jenkins.core;

/**
 * A runtime call that did not succeed. The message is ready to show a person: the call, the HTTP status and the
 * runtime's own reason ({@code POST /api/v1/leases: 400 image: no image ubuntu in the catalog}), or why the runtime
 * was not reached. It never contains the API token.
 */
public final class RuntimeApiException extends Exception {
    private static final long serialVersionUID = 1L;
    private final int status;

    public RuntimeApiException(String message, int status, Throwable cause) {
        super(message, cause);
        this.status = status;
    }

    /** The HTTP status, or 0 when no answer came (not reachable, timed out, interrupted). */
    public int status() {
        return status;
    }
}
