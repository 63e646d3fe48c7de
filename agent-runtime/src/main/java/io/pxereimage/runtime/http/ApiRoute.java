package io.pxereimage.runtime.http;

import java.util.Optional;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.netty.handler.codec.http.HttpResponseStatus;
import io.pxereimage.runtime.api.ApiAuth;
import io.pxereimage.runtime.api.ApiResponse;
import io.pxereimage.runtime.api.MachinesResource;

/**
 * Routes {@code /api/v1/**} to the resources of {@code io.pxereimage.runtime.api}, after the token check.
 *
 * <p>Logging: method, path and status only. Headers are never logged (the Authorization header carries the
 * token) and neither is the query string, in case a client puts a secret there.
 */
final class ApiRoute {
    static final String PREFIX = "/api/v1";
    private static final Logger LOG = LoggerFactory.getLogger(ApiRoute.class);

    private final MachinesResource machines;
    private final ApiAuth auth;

    ApiRoute(MachinesResource machines, ApiAuth auth) {
        this.machines = machines;
        this.auth = auth;
    }

    void serve(Exchange ex, String authorization, byte[] body) {
        ApiResponse r = dispatch(ex.method.name(), ex.path.substring(PREFIX.length()), authorization, body);
        boolean mutation = !isRead(ex.method.name());
        if (mutation || r.status() == 401 || r.status() == 403) {
            LOG.info("HTTP API {} {} -> {} (from {})", ex.method.name(), StaticFiles.printable(ex.path), r.status(),
                    Routes.remote(ex.ctx));
        } else {
            LOG.debug("HTTP API {} {} -> {}", ex.method.name(), StaticFiles.printable(ex.path), r.status());
        }
        ex.send(HttpResponseStatus.valueOf(r.status()), Exchange.JSON, r.json(), r.headers(), false);
    }

    /**
     * Pure routing: method + path below {@code /api/v1} -> response.
     *
     * @param sub e.g. {@code /machines/52:54:00:12:34:56}
     */
    ApiResponse dispatch(String method, String sub, String authorization, byte[] body) {
        Optional<ApiResponse> denied = auth.check(authorization, !isRead(method));
        if (denied.isPresent()) {
            return denied.get();
        }
        if (sub.equals("/machines") || sub.equals("/machines/")) {
            return isRead(method) ? machines.list() : notAllowed("GET");
        }
        if (sub.startsWith("/machines/") && sub.indexOf('/', "/machines/".length()) < 0) {
            String mac = sub.substring("/machines/".length());
            return switch (method) {
                case "GET", "HEAD" -> machines.get(mac);
                case "PUT" -> machines.put(mac, body);
                case "DELETE" -> machines.delete(mac);
                default -> notAllowed("GET, PUT, DELETE");
            };
        }
        return ApiResponse.error(404, "path: no such endpoint " + PREFIX + StaticFiles.printable(sub));
    }

    private static ApiResponse notAllowed(String allow) {
        return ApiResponse.error(405, "method: not allowed here (allowed: " + allow + ")").withHeader("Allow", allow);
    }

    private static boolean isRead(String method) {
        return method.equals("GET") || method.equals("HEAD");
    }
}
