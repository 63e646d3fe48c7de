package io.pxereimage.runtime.pool;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;
import java.util.function.Function;

import io.pxereimage.runtime.concurrent.Shutdown;
import io.pxereimage.runtime.power.PowerDriver;
import io.pxereimage.runtime.power.PowerException;

/**
 * BMC commands for the pool, run off the pool's loop because they block for seconds (ipmitool, Redfish, retries
 * with backoff). The outcome is handed back on the loop. One driver per machine, made on first use.
 */
final class PowerCommands implements AutoCloseable {
    /** One BMC conversation. */
    @FunctionalInterface
    interface Work {
        void run(PowerDriver d) throws PowerException;
    }

    /** Boot device PXE for the next boot only, then power on, or cycle a machine that is on already. */
    static final Work PXE_ON = d -> {
        d.bootPxeOnce();
        if (d.status() == PowerDriver.State.ON) {
            d.cycle();
        } else {
            d.on();
        }
    };

    /** Power cycle for an admin: cycle a machine that is on, switch on one that is off. */
    static final Work CYCLE = d -> {
        if (d.status() == PowerDriver.State.OFF) {
            d.on();
        } else {
            d.cycle();
        }
    };

    private final Function<PoolMachine, PowerDriver> factory;
    private final Map<String, PowerDriver> drivers = new ConcurrentHashMap<>();
    private final Set<String> busy = ConcurrentHashMap.newKeySet();
    private final Executor loop;
    private final ExecutorService workers;

    /** @param loop where outcomes are delivered (the pool's single decision thread) */
    PowerCommands(Function<PoolMachine, PowerDriver> factory, Executor loop) {
        this.factory = factory;
        this.loop = loop;
        this.workers = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "pxe-power");
            t.setDaemon(true);
            return t;
        });
    }

    /** Whether a command for {@code machine} is under way (its phase must not time out under it). */
    boolean busy(String machine) {
        return busy.contains(machine);
    }

    /** Runs {@code work}; {@code done} then gets {@code null} (success) or the BMC's error, on the loop. */
    void run(PoolMachine spec, Work work, Consumer<PowerException> done) {
        busy.add(spec.name());
        workers.execute(() -> {
            PowerException error = null;
            try {
                work.run(drivers.computeIfAbsent(spec.name(), n -> factory.apply(spec)));
            } catch (PowerException e) {
                error = e;
            } catch (RuntimeException e) {
                error = new PowerException(PowerException.Kind.PROTOCOL, e.toString(), e);
            }
            PowerException failure = error;
            try {
                loop.execute(() -> {
                    busy.remove(spec.name());
                    done.accept(failure);
                });
            } catch (RejectedExecutionException stopping) {
                busy.remove(spec.name()); // the pool is closing; a restart re-runs the phase
            }
        });
    }

    @Override
    public void close() {
        Shutdown.interrupt(workers, "power commands"); // a BMC call only waits on a process or a socket
    }
}
