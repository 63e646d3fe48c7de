package io.pxereimage.runtime.api;

import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.pxereimage.runtime.device.Json;

/**
 * What an API call answers, independent of the transport: a status, a JSON-serialisable body (or none) and extra
 * headers. The HTTP server turns it into a response; unit tests inspect it directly.
 */
public record ApiResponse(int status, Object body, Map<String, String> headers) {

    /** Shared with the agent side and the state files: instants as ISO-8601 strings. */
    static final ObjectMapper MAPPER = Json.newMapper();

    /** The error body every failed call carries: {@code {"error": "field: reason"}}. */
    public record Error(String error) {
    }

    public ApiResponse {
        headers = Map.copyOf(headers);
    }

    public static ApiResponse of(int status, Object body) {
        return new ApiResponse(status, body, Map.of());
    }

    public static ApiResponse error(int status, String message) {
        return new ApiResponse(status, new Error(message), Map.of());
    }

    public static ApiResponse noContent() {
        return new ApiResponse(204, null, Map.of());
    }

    public ApiResponse withHeader(String name, String value) {
        Map<String, String> h = new java.util.LinkedHashMap<>(headers);
        h.put(name, value);
        return new ApiResponse(status, body, h);
    }

    /** The body as UTF-8 JSON; empty for no body. */
    public byte[] json() {
        if (body == null) {
            return new byte[0];
        }
        try {
            return MAPPER.writeValueAsBytes(body);
        } catch (JsonProcessingException e) {
            // Bodies are our own records; failing here is a programming error, not a client's.
            throw new IllegalStateException("cannot serialise " + body.getClass().getSimpleName(), e);
        }
    }
}
