package io.pxereimage.runtime.api;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Function;

import io.pxereimage.protocol.Job;
import io.pxereimage.runtime.boot.MachinePlan;
import io.pxereimage.runtime.device.AgentSessions;
import io.pxereimage.runtime.device.DeployFlow;
import io.pxereimage.runtime.device.DeployServices;
import io.pxereimage.runtime.device.JobRecord;
import io.pxereimage.runtime.device.Json;
import io.pxereimage.runtime.image.ImageEntry;
import io.pxereimage.runtime.image.ImageImporter;

/**
 * The admin side of deployment under {@code /api/v1}: reimage, jobs, images, events, agents. Called after the
 * admin token check; transport-free like {@link MachinesResource}.
 */
public final class DeployResource {
    private final DeployServices deploy;

    public DeployResource(DeployServices deploy) {
        this.deploy = deploy;
    }

    /**
     * The body of {@code POST /machines/{m}/reimage}. {@code disk} null means the smallest-fit rule;
     * {@code multicast} false keeps the job out of automatic multicast grouping (null or true: grouped when configured).
     */
    public record ReimageRequest(String image, String disk, FirstBootRequest firstBoot, Boolean multicast) {
    }

    /**
     * The body of {@code POST /reimage}: several machines, one image. {@code multicast} true = one multicast session
     * for all of them now; otherwise one job each (grouped automatically when configured). Each machine's first-boot
     * host name is its name unless {@code firstBoot.hostname} is given (allowed only for one machine).
     */
    public record ReimageManyRequest(List<String> machines, String image, String disk, FirstBootRequest firstBoot,
            Boolean multicast) {
    }

    /** The answer of {@code POST /reimage}: the session (null for unicast) and the jobs, in the order asked. */
    public record ReimageManyJson(String session, List<JobJson> jobs) {
    }

    /**
     * {@code readyUrl}: optional absolute http(s) URL the booted OS posts to (docs/first-boot.md); it may carry a
     * token, so it is never printed.
     */
    public record FirstBootRequest(String hostname, String readyUrl, Map<String, String> data) {
        @Override
        public String toString() {
            return "FirstBootRequest[hostname=" + hostname + ", readyUrl=" + (readyUrl == null ? "none" : "(set)")
                    + ", keys=" + (data == null ? "[]" : data.keySet()) + "]";
        }
    }

    /** The body of {@code POST /machines/{m}/jobs}: {@code type} run|wipe|reboot|poweroff. */
    public record JobRequest(String type, List<String> command, String disk) {
    }

    /** The body of {@code POST /images}. */
    public record ImageRequest(String name, String source, String compression, Boolean blockMap, String sha256) {
    }

    /** One registered agent, for {@code GET /agents}. */
    public record AgentJson(String agentId, String mac, String machine, Object created, Object lastSeen,
            Object inventory) {
        static AgentJson from(AgentSessions.Session s) {
            return new AgentJson(s.agentId(), s.mac().toString(), s.machine(), s.created(), s.lastSeen(),
                    s.inventory());
        }
    }

    public ApiResponse reimage(String machine, byte[] body) {
        return reimage(machine, () -> parse(body, ReimageRequest.class));
    }

    /** The dashboard's reimage of a known machine: {@code image}, the smallest disk that fits, no first-boot data. */
    public ApiResponse reimage(String machine, String image) {
        return reimage(machine, () -> new ReimageRequest(image, null, null, null));
    }

    /** @param request read after the machine was found (a missing machine is 404 whatever the body) */
    private ApiResponse reimage(String machine, Supplier<ReimageRequest> request) {
        Optional<MachinePlan> plan = deploy.registry().find(machine);
        if (plan.isEmpty()) {
            return ApiResponse.error(404, "machine: no machine " + AgentResource.printable(machine));
        }
        ReimageRequest req = request.get();
        if (req == null || req.image() == null) {
            return ApiResponse.error(400, "image: required");
        }
        Checked c = check(req.image(), req.disk(), req.firstBoot());
        if (c.error() != null) {
            return c.error();
        }
        JobRecord r = deploy.flow().reimage(plan.get(), c.image(), c.target(), c.firstBoot(),
                !Boolean.FALSE.equals(req.multicast()));
        return accepted(r);
    }

    /** {@code POST /reimage}: several machines, one image, optionally one explicit multicast session. */
    public ApiResponse reimageMany(byte[] body) {
        ReimageManyRequest req = parse(body, ReimageManyRequest.class);
        if (req == null || req.image() == null) {
            return ApiResponse.error(400, "image: required");
        }
        if (req.machines() == null || req.machines().isEmpty()) {
            return ApiResponse.error(400, "machines: at least one machine is required");
        }
        if (req.machines().size() > 1 && req.firstBoot() != null && req.firstBoot().hostname() != null) {
            return ApiResponse.error(400, "firstBoot.hostname: only for one machine (each gets its name)");
        }
        List<MachinePlan> plans = new ArrayList<>();
        for (String m : req.machines()) {
            Optional<MachinePlan> plan = m == null ? Optional.empty() : deploy.registry().find(m);
            if (plan.isEmpty()) {
                return ApiResponse.error(404, "machines: no machine " + AgentResource.printable(String.valueOf(m)));
            }
            if (plans.stream().anyMatch(p -> p.mac().equals(plan.get().mac()))) {
                return ApiResponse.error(400, "machines: " + AgentResource.printable(m) + " appears twice");
            }
            plans.add(plan.get());
        }
        Checked c = check(req.image(), req.disk(), req.firstBoot());
        if (c.error() != null) {
            return c.error();
        }
        List<DeployFlow.Member> members = new ArrayList<>();
        for (int i = 0; i < plans.size(); i++) {
            members.add(new DeployFlow.Member(plans.get(i), c.target(), c.firstBoot()));
        }
        if (Boolean.TRUE.equals(req.multicast())) {
            DeployFlow.Together t;
            try {
                t = deploy.flow().reimageTogether(members, c.image());
            } catch (IllegalStateException refused) {
                return ApiResponse.error(409, refused.getMessage());
            }
            return ApiResponse.of(202, new ReimageManyJson(t.session(), t.jobs().stream()
                    .map(r -> JobJson.from(r.snapshot(), false)).toList()));
        }
        List<JobJson> jobs = new ArrayList<>();
        for (DeployFlow.Member m : members) {
            jobs.add(JobJson.from(deploy.flow().reimage(m.plan(), c.image(), m.target(), m.firstBoot(),
                    !Boolean.FALSE.equals(req.multicast())).snapshot(), false));
        }
        return ApiResponse.of(202, new ReimageManyJson(null, jobs));
    }

    /** {@code GET /multicast}: the multicast sessions, newest last. */
    public ApiResponse multicast() {
        return deploy.flow().grouping().map(g -> ApiResponse.of(200, g.sessions()))
                .orElseGet(() -> ApiResponse.error(404, "multicast: not configured (the runtime config has no"
                        + " multicast section)"));
    }

    /** A reimage request's image, target and first-boot data, checked; or the error answer. */
    private record Checked(ImageEntry image, Job.Target target, FirstBootRequest fb, ApiResponse error) {
        static Checked error(ApiResponse e) {
            return new Checked(null, null, null, e);
        }

        /** No host name: the agent's job gets the machine's name then ({@code AgentResource.resolve}). */
        Job.FirstBoot firstBoot() {
            return new Job.FirstBoot(fb == null ? null : fb.hostname(), null, fb == null ? null : fb.readyUrl(),
                    fb == null ? Map.of() : fb.data());
        }
    }

    private Checked check(String imageName, String disk, FirstBootRequest fb) {
        Optional<ImageEntry> image = deploy.images().get(imageName);
        if (image.isEmpty()) {
            return Checked.error(ApiResponse.error(404, "image: no image " + AgentResource.printable(imageName)));
        }
        if (deploy.images().fileFor(image.get().sha256()).isEmpty()) {
            return Checked.error(ApiResponse.error(409, "image: the file of " + image.get().name() + " is missing ("
                    + image.get().source() + "); add the image again"));
        }
        Job.Target target;
        try {
            target = target(disk);
        } catch (IllegalArgumentException e) {
            return Checked.error(ApiResponse.error(400, e.getMessage()));
        }
        if (fb != null && fb.hostname() != null && !fb.hostname().matches("[A-Za-z0-9][A-Za-z0-9.-]{0,252}")) {
            return Checked.error(ApiResponse.error(400, "firstBoot.hostname: not a host name"));
        }
        if (fb != null && fb.readyUrl() != null && !Job.FirstBoot.validReadyUrl(fb.readyUrl())) {
            return Checked.error(ApiResponse.error(400, "firstBoot.readyUrl: not an absolute http(s) URL (printable"
                    + " ASCII, no spaces, quotes or backslashes)"));
        }
        return new Checked(image.get(), target, fb, null);
    }

    public ApiResponse submit(String machine, byte[] body) {
        Optional<MachinePlan> plan = deploy.registry().find(machine);
        if (plan.isEmpty()) {
            return ApiResponse.error(404, "machine: no machine " + AgentResource.printable(machine));
        }
        JobRequest req = parse(body, JobRequest.class);
        if (req == null || req.type() == null) {
            return ApiResponse.error(400, "type: required (run, wipe, reboot, poweroff)");
        }
        Function<String, Job> make;
        switch (req.type()) {
            case "run" -> {
                List<String> command = req.command() == null ? List.of() : req.command();
                Optional<String> refused = deploy.settings().refuse(command);
                if (refused.isPresent()) {
                    return ApiResponse.error(command.isEmpty() ? 400 : 403, refused.get());
                }
                make = id -> new Job.Run(id, command);
            }
            case "wipe" -> {
                if (req.disk() == null) {
                    return ApiResponse.error(400, "disk: required for wipe");
                }
                Job.Target t;
                try {
                    t = target(req.disk());
                } catch (IllegalArgumentException e) {
                    return ApiResponse.error(400, e.getMessage());
                }
                make = id -> new Job.Wipe(id, t);
            }
            case "reboot" -> make = Job.Reboot::new;
            case "poweroff" -> make = Job.PowerOff::new;
            default -> {
                return ApiResponse.error(400, "type: must be run, wipe, reboot or poweroff");
            }
        }
        return accepted(deploy.jobs().enqueue(plan.get().mac(), plan.get().name(), make));
    }

    public ApiResponse jobs(String machine) {
        return ApiResponse.of(200, deploy.jobs().list().stream()
                .filter(r -> machine == null || r.machine().equals(machine) || r.mac().toString().equals(machine))
                .map(r -> JobJson.from(r.snapshot(), false)).toList());
    }

    public ApiResponse job(String id) {
        return deploy.jobs().get(id).map(r -> ApiResponse.of(200, JobJson.from(r.snapshot(), true)))
                .orElseGet(() -> ApiResponse.error(404, "job: no job " + AgentResource.printable(id)));
    }

    public ApiResponse images() {
        return ApiResponse.of(200, deploy.images().list());
    }

    /** Hashes the image on a worker thread: the answer comes when it is done. */
    public CompletableFuture<ApiResponse> addImage(byte[] body) {
        ImageRequest req = parse(body, ImageRequest.class);
        if (req == null) {
            return CompletableFuture.completedFuture(ApiResponse.error(400, "body: a JSON object is required"));
        }
        ImageImporter.Request r = new ImageImporter.Request(req.name(), req.source(), req.compression(),
                req.blockMap() != null && req.blockMap(), req.sha256());
        try {
            return CompletableFuture.supplyAsync(() -> {
                try {
                    return ApiResponse.of(201, deploy.importer().add(r));
                } catch (IllegalArgumentException e) {
                    return ApiResponse.error(400, e.getMessage());
                } catch (IOException e) {
                    return ApiResponse.error(500, "image: " + e.getMessage());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return ApiResponse.error(503, "image: interrupted");
                }
            }, deploy.worker());
        } catch (RejectedExecutionException e) {
            return CompletableFuture.completedFuture(ApiResponse.error(503, "image: the runtime is stopping"));
        }
    }

    public ApiResponse events(String machine) {
        return ApiResponse.of(200, deploy.events().list(machine));
    }

    public ApiResponse agents() {
        return ApiResponse.of(200, deploy.sessions().list().stream()
                .sorted(Comparator.comparing(AgentSessions.Session::mac)).map(AgentJson::from).toList());
    }

    private static Job.Target target(String disk) {
        if (disk == null || disk.isBlank()) {
            return new Job.Target(null, "smallest-fit");
        }
        if (!disk.matches("/dev/[A-Za-z0-9/_.:-]{1,120}") || disk.contains("..")) {
            throw new IllegalArgumentException("disk: must be a device path such as /dev/vda");
        }
        return Job.Target.device(disk);
    }

    private static ApiResponse accepted(JobRecord r) {
        return ApiResponse.of(202, JobJson.from(r.snapshot(), false)).withHeader("Location", "/api/v1/jobs/" + r.id());
    }

    private static <T> T parse(byte[] body, Class<T> type) {
        if (body == null || body.length == 0) {
            return null;
        }
        try {
            return Json.MAPPER.readValue(body, type);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }
}
