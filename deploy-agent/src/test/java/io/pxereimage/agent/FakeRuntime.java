package io.pxereimage.agent;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import io.pxereimage.protocol.AgentEvent;
import io.pxereimage.protocol.JobResult;
import io.pxereimage.protocol.RegisterRequest;
import io.pxereimage.protocol.RegisterResponse;

/**
 * A runtime for tests on 127.0.0.1: register/jobs/events/result of docs/agent-protocol.md, plus images under
 * {@code /images/<name>} with Range support and optional faults (cut the connection after N bytes, or stall).
 */
final class FakeRuntime implements AutoCloseable {
    record EventPost(long atMillis, String jobId, List<AgentEvent> events) {
    }

    /** A fault for the next request of an image: cut after {@code bytes} of the body, optionally stall first. */
    record Fault(long bytes, long stallMillis) {
    }

    final String bootToken;
    final String mac;
    /** Shared across a "restart" (the real runtime persists sessions). */
    final Map<String, String> sessions;
    final BlockingQueue<String> jobs = new LinkedBlockingQueue<>();
    final Map<String, JobResult> results = new ConcurrentHashMap<>();
    final List<EventPost> eventPosts = new CopyOnWriteArrayList<>();
    final Map<String, Path> images = new ConcurrentHashMap<>();
    final Map<String, Fault> faults = new ConcurrentHashMap<>();
    final List<String> rangesSeen = new CopyOnWriteArrayList<>();
    final AtomicInteger registrations = new AtomicInteger();
    final AtomicInteger polls = new AtomicInteger();
    final AtomicLong imageBytesServed = new AtomicLong();
    private final HttpServer server;
    private final ExecutorService executor = Executors.newCachedThreadPool();

    FakeRuntime(int port, String bootToken, String mac, Map<String, String> sessions) throws IOException {
        this.bootToken = bootToken;
        this.mac = mac;
        this.sessions = sessions;
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 64);
        server.setExecutor(executor);
        server.createContext("/api/v1/agent/register", this::register);
        server.createContext("/api/v1/agent/jobs/", this::jobs);
        server.createContext("/images/", this::image);
        server.start();
    }

    FakeRuntime(String bootToken, String mac) throws IOException {
        this(0, bootToken, mac, new ConcurrentHashMap<>());
    }

    int port() {
        return server.getAddress().getPort();
    }

    String url() {
        return "http://127.0.0.1:" + port();
    }

    JobResult awaitResult(String jobId, long millis) throws InterruptedException {
        long end = System.currentTimeMillis() + millis;
        while (System.currentTimeMillis() < end) {
            JobResult r = results.get(jobId);
            if (r != null) {
                return r;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no result for " + jobId + " within " + millis + " ms");
    }

    List<AgentEvent> events(String jobId) {
        return eventPosts.stream().filter(p -> p.jobId().equals(jobId)).flatMap(p -> p.events().stream()).toList();
    }

    private void register(HttpExchange ex) throws IOException {
        registrations.incrementAndGet();
        RegisterRequest req = Json.MAPPER.readValue(ex.getRequestBody(), RegisterRequest.class);
        if (!bootToken.equals(req.token())) {
            send(ex, 401, "{\"error\":\"token unknown\"}");
        } else if (!mac.equals(req.mac())) {
            send(ex, 403, "{\"error\":\"token bound to another MAC\"}");
        } else {
            String session = "s-" + System.nanoTime();
            sessions.put(session, req.mac());
            send(ex, 200, Json.MAPPER.writeValueAsString(new RegisterResponse("a-1", session, "rack1-07", 25)));
        }
    }

    private void jobs(HttpExchange ex) throws IOException {
        String auth = ex.getRequestHeaders().getFirst("Authorization");
        if (auth == null || !auth.startsWith("Bearer ") || !sessions.containsKey(auth.substring(7))) {
            send(ex, 401, "{\"error\":\"session unknown\"}");
            return;
        }
        String path = ex.getRequestURI().getPath();
        if (path.endsWith("/jobs/next")) {
            polls.incrementAndGet();
            String q = ex.getRequestURI().getQuery();
            int wait = q != null && q.startsWith("wait=") ? Integer.parseInt(q.substring(5)) : 25;
            try {
                String job = jobs.poll(wait, TimeUnit.SECONDS);
                if (job == null) {
                    ex.sendResponseHeaders(204, -1);
                    ex.close();
                } else {
                    send(ex, 200, job);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return;
        }
        String[] parts = path.split("/"); // "", api, v1, agent, jobs, {id}, events|result
        String id = parts[5];
        if (path.endsWith("/events")) {
            AgentEvent.Batch b = Json.MAPPER.readValue(ex.getRequestBody(), AgentEvent.Batch.class);
            eventPosts.add(new EventPost(System.currentTimeMillis(), id, b.events()));
            send(ex, 204, null);
        } else if (path.endsWith("/result")) {
            results.put(id, Json.MAPPER.readValue(ex.getRequestBody(), JobResult.class));
            send(ex, 204, null);
        } else {
            send(ex, 404, "{\"error\":\"no such path\"}");
        }
    }

    private void image(HttpExchange ex) throws IOException {
        String name = ex.getRequestURI().getPath().substring("/images/".length());
        Path file = images.get(name);
        if (file == null) {
            send(ex, 404, "{\"error\":\"no image\"}");
            return;
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            String range = ex.getRequestHeaders().getFirst("Range");
            long from = 0;
            long to = size - 1;
            Fault fault = faults.remove(name);
            if (range != null) {
                rangesSeen.add(range);
                String[] se = range.substring("bytes=".length()).split("-", -1);
                from = Long.parseLong(se[0]);
                to = se[1].isEmpty() ? size - 1 : Math.min(size - 1, Long.parseLong(se[1]));
                if (from >= size) {
                    ex.getResponseHeaders().set("Content-Range", "bytes */" + size);
                    send(ex, 416, null);
                    return;
                }
                ex.getResponseHeaders().set("Content-Range", "bytes " + from + "-" + to + "/" + size);
            }
            long length = to - from + 1;
            ex.getResponseHeaders().set("ETag", "\"" + name + "\"");
            ex.getResponseHeaders().set("Accept-Ranges", "bytes");
            ex.sendResponseHeaders(range != null ? 206 : 200, length);
            long limit = fault != null ? Math.min(fault.bytes(), length) : length;
            OutputStream out = ex.getResponseBody();
            InputStream in = Channels.newInputStream(ch.position(from));
            byte[] buf = new byte[256 * 1024];
            long sent = 0;
            while (sent < limit) {
                int n = in.read(buf, 0, (int) Math.min(buf.length, limit - sent));
                if (n < 0) {
                    break;
                }
                out.write(buf, 0, n);
                sent += n;
                imageBytesServed.addAndGet(n);
            }
            if (fault != null) {
                out.flush();
                if (fault.stallMillis() > 0) {
                    Thread.sleep(fault.stallMillis());
                }
                // HttpServer closes the connection when a handler throws: a cut mid-body
                throw new IOException("fault: cut after " + sent + " bytes");
            }
            out.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void send(HttpExchange ex, int status, String body) throws IOException {
        byte[] b = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(status, b.length == 0 ? -1 : b.length);
        if (b.length > 0) {
            ex.getResponseBody().write(b);
        }
        ex.close();
    }

    static JsonNode parse(String json) throws IOException {
        return Json.MAPPER.readTree(json);
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
