package io.pxereimage.agent;

import java.io.IOException;
import java.net.http.HttpClient;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;

import io.pxereimage.protocol.Inventory;
import io.pxereimage.protocol.RegisterRequest;
import io.pxereimage.protocol.RegisterResponse;

/**
 * The agent's life: register (a refused token is retried slowly, never skipped), then long-poll for jobs and run
 * them one at a time. Connection errors back off from 1 s to 30 s and retry forever: the runtime may restart.
 */
public final class Agent {
    private final AgentConfig config;
    private final HttpClient http = RuntimeClient.newHttpClient();
    private final RuntimeClient client;
    private final JobRunner runner;

    public Agent(AgentConfig config) {
        this.config = config;
        this.client = new RuntimeClient(http, config.runtime);
        this.runner = new JobRunner(config, http, client);
    }

    /** Runs until interrupted. */
    public void run() throws InterruptedException {
        while (true) {
            register();
            pollUntilSessionLost();
        }
    }

    private void register() throws InterruptedException {
        Backoff backoff = new Backoff(config.backoffBase, config.backoffMax);
        while (true) {
            Inventory inventory = new InventoryCollector(config).collect();
            String mac = config.mac != null ? config.mac : InventoryCollector.guessMac(inventory);
            Log.info("registering with " + config.runtime + " as " + mac + " (boot token "
                    + RuntimeClient.fingerprint(config.token) + ", " + inventory.disks().size() + " disks, "
                    + inventory.nics().size() + " nics, " + inventory.firmware() + ")");
            try {
                RegisterResponse r = client.register(new RegisterRequest(mac, config.token, inventory));
                Log.info("registered: agent " + r.agentId() + ", machine " + r.machine() + ", session "
                        + RuntimeClient.fingerprint(r.sessionToken()));
                return;
            } catch (RuntimeClient.RejectedException e) {
                Log.info("registration refused (" + e.getMessage() + "); not proceeding, retrying in "
                        + config.rejectedRetry.toSeconds() + " s");
                Thread.sleep(config.rejectedRetry.toMillis());
            } catch (IOException e) {
                long d = backoff.nextMillis();
                Log.info("registration failed (" + e + "); retrying in " + d + " ms");
                Thread.sleep(d);
            }
        }
    }

    private void pollUntilSessionLost() throws InterruptedException {
        Backoff backoff = new Backoff(config.backoffBase, config.backoffMax);
        boolean reachable = true;
        while (true) {
            try {
                Optional<JsonNode> job = client.nextJob(config.pollSeconds);
                if (!reachable) {
                    Log.info("runtime reachable again");
                    reachable = true;
                }
                backoff.reset();
                if (job.isPresent()) {
                    runner.run(job.get());
                }
            } catch (RuntimeClient.RejectedException e) {
                Log.info("session refused (" + e.getMessage() + "); registering again");
                return;
            } catch (IOException e) {
                reachable = false;
                long d = backoff.nextMillis();
                Log.info("polling for jobs failed (" + e + "); retrying in " + d + " ms");
                Thread.sleep(d);
            }
        }
    }
}
