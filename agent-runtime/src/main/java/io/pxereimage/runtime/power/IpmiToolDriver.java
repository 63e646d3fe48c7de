package io.pxereimage.runtime.power;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.pxereimage.runtime.power.PowerException.Kind;

/**
 * IPMI 2.0 (lanplus, cipher suite 3) through the {@code ipmitool} program. The password travels in the
 * IPMI_PASSWORD environment variable ({@code -E}), never on the command line. {@code -v} makes ipmitool say
 * why a session failed ("RAKP 2 HMAC is invalid" = wrong password, "Get Auth Capabilities error" = no answer).
 */
public final class IpmiToolDriver implements PowerDriver {
    private final String program;
    private final String host;
    private final int port;
    private final String user;
    private final String password;
    private final Duration timeout;

    public IpmiToolDriver(String program, String host, int port, String user, String password, Duration timeout) {
        this.program = program;
        this.host = host;
        this.port = port;
        this.user = user;
        this.password = password;
        this.timeout = timeout;
    }

    public IpmiToolDriver(String host, String user, String password) {
        this("ipmitool", host, 623, user, password, Duration.ofSeconds(20));
    }

    record Result(int exit, String out, String err) {
    }

    @Override
    public State status() throws PowerException {
        String out = run("chassis", "power", "status").out.trim();
        if (out.endsWith(" on")) {
            return State.ON;
        }
        if (out.endsWith(" off")) {
            return State.OFF;
        }
        throw new PowerException(Kind.PROTOCOL, where() + ": unexpected answer to power status: " + out);
    }

    @Override
    public void on() throws PowerException {
        run("chassis", "power", "on");
    }

    @Override
    public void off() throws PowerException {
        run("chassis", "power", "off");
    }

    @Override
    public void cycle() throws PowerException {
        run("chassis", "power", "cycle");
    }

    @Override
    public void bootPxeOnce() throws PowerException {
        // ipmitool exits 0 even when the BMC refuses the boot device: only "Set Boot Device to pxe" means success.
        Result r = run("chassis", "bootdev", "pxe");
        if (!r.out.contains("Set Boot Device to pxe")) {
            throw new PowerException(Kind.PROTOCOL, where() + ": setting boot device failed: " + firstError(r));
        }
    }

    private String where() {
        return "BMC " + user + "@" + host + ":" + port;
    }

    Result run(String... command) throws PowerException {
        List<String> cmd = new ArrayList<>(List.of(program, "-v", "-I", "lanplus", "-C", "3", "-H", host,
                "-p", Integer.toString(port), "-U", user, "-E", "-R", "1", "-N", "1"));
        cmd.addAll(List.of(command));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().put("IPMI_PASSWORD", password);
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new PowerException(Kind.UNSUPPORTED, "cannot run " + program + ": " + e.getMessage(), e);
        }
        try {
            p.getOutputStream().close(); // ipmitool prompts for a password on stdin when IPMI_PASSWORD is unusable
            CompletableFuture<String> out = drain(p.getInputStream());
            CompletableFuture<String> err = drain(p.getErrorStream());
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new PowerException(Kind.TIMEOUT, where() + ": no result within " + timeout.toMillis()
                        + " ms (" + String.join(" ", command) + ")");
            }
            Result r = new Result(p.exitValue(), out.join(), err.join());
            if (r.exit != 0) {
                throw classify(r);
            }
            return r;
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new PowerException(Kind.TIMEOUT, where() + ": interrupted", e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private PowerException classify(Result r) {
        String all = r.out + "\n" + r.err;
        if (all.contains("RAKP 2 HMAC is invalid") || all.contains("unauthorized name")
                || all.contains("RAKP 2 message indicates an error") || all.contains("Invalid user name")) {
            return new PowerException(Kind.AUTH, where() + ": authentication failed (wrong user name or password)");
        }
        if (all.contains("Address lookup for") || all.contains("Could not open socket")) {
            return new PowerException(Kind.UNREACHABLE, where() + ": cannot reach the BMC: " + firstError(r));
        }
        if (all.contains("Get Auth Capabilities error") || all.contains("No response")) {
            return new PowerException(Kind.TIMEOUT, where()
                    + ": the BMC did not answer (unreachable, not listening or not responding)");
        }
        return new PowerException(Kind.PROTOCOL, where() + ": ipmitool failed (exit " + r.exit + "): "
                + firstError(r));
    }

    private static String firstError(Result r) {
        for (String line : (r.err + "\n" + r.out).split("\n")) {
            String l = line.trim();
            if (!l.isEmpty() && !l.startsWith("Loading IANA") && !l.startsWith("Running Get")) {
                return l;
            }
        }
        return "(no message)";
    }

    private static CompletableFuture<String> drain(InputStream in) {
        return CompletableFuture.supplyAsync(() -> {
            try (in) {
                ByteArrayOutputStream b = new ByteArrayOutputStream();
                in.transferTo(b);
                return b.toString(StandardCharsets.UTF_8);
            } catch (IOException e) {
                return "";
            }
        }, r -> {
            // own thread: the common pool may have a single worker on a 2-core machine
            Thread t = new Thread(r, "ipmitool-output");
            t.setDaemon(true);
            t.start();
        });
    }
}
