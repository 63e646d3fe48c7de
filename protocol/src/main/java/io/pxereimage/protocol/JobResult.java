package io.pxereimage.protocol;

/** {@code POST /api/v1/agent/jobs/{id}/result}: {@code status} is {@code succeeded} or {@code failed}. */
public record JobResult(String status, String message) {
    public static JobResult succeeded(String message) {
        return new JobResult("succeeded", message);
    }

    public static JobResult failed(String message) {
        return new JobResult("failed", message);
    }

    public boolean ok() {
        return "succeeded".equals(status);
    }
}
