package dev.kokoro.trainer;

import dev.kokoro.engine.AdamW;
import dev.kokoro.engine.Tensor;
import dev.kokoro.engine.backend.DeviceScope;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The optimisation loop shared by {@code train} and {@code distill}: AdamW with gradient clipping,
 * train.csv, a progress bar, atomic checkpoints every N steps and at the end, validation and samples
 * every N steps, resume, a clean stop with a checkpoint on Ctrl-C, and a stop that keeps the last good
 * checkpoint on a NaN/Inf loss.
 *
 * <p>Parameters may live on a device (move the model before constructing the loop: the optimizer's
 * moments are made beside the parameters). Each step (forward, backward, clipping, AdamW) runs inside one
 * {@link DeviceScope}, so its device temporaries and gradients are freed when it ends; the loss terms
 * come back as host numbers for logging. Validation and samples get a scope of their own.
 */
final class TrainLoop {
    static final int EXIT_NONFINITE = 3, EXIT_INTERRUPTED = 130;

    /** One step's forward and backward; returns the loss terms. Must not step the optimizer. */
    interface Step {
        Losses run(int step) throws Exception;

        /** Which data the step used, for error messages. */
        default String describe(int step) { return "step " + step; }
    }

    interface Hook {
        void at(int step) throws Exception;
    }

    record Schedule(int steps, int logEvery, int checkpointEvery, int validEvery, int sampleEvery, double clip) {}

    private final RunDir run;
    private final Map<String, Tensor> params;
    private final AdamW opt;
    private final Map<String, String> meta;
    private volatile boolean stopRequested;

    TrainLoop(RunDir run, Map<String, Tensor> params, double lr, double weightDecay, Map<String, String> meta) {
        this.run = run;
        this.params = new LinkedHashMap<>(params);
        this.opt = new AdamW(new ArrayList<>(params.values()), lr, 0.9, 0.999, 1e-8, weightDecay);
        this.meta = meta;
    }

    /** Loads parameters and optimizer state from the run's checkpoint; returns the step to continue from. */
    int resume() throws IOException {
        if (!java.nio.file.Files.exists(run.checkpoint()))
            throw new IOException(run.checkpoint() + ": nothing to resume from (no checkpoint in " + run.dir + ")");
        RunDir.Saved s = RunDir.load(run.checkpoint());
        List<Tensor> m = new ArrayList<>(), v = new ArrayList<>();
        for (var e : params.entrySet()) {
            Tensor p = s.params().get(e.getKey());
            if (p == null) throw new IOException(run.checkpoint() + ": no tensor for parameter " + e.getKey());
            e.getValue().copyFrom(p.to(e.getValue().dtype));
            m.add(s.expAvg().getOrDefault(e.getKey(), Tensor.zeros(e.getValue().dtype, e.getValue().shape())).to(e.getValue().dtype));
            v.add(s.expAvgSq().getOrDefault(e.getKey(), Tensor.zeros(e.getValue().dtype, e.getValue().shape())).to(e.getValue().dtype));
        }
        opt.restore(s.adamStep(), m, v);
        return s.step();
    }

    int run(int startStep, Schedule sch, Step step, Hook validate, Hook samples) throws Exception {
        run.startCsv(startStep);
        CountDownLatch done = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            stopRequested = true;
            System.err.println("\ninterrupted: finishing the current step and writing a checkpoint ...");
            try {
                done.await(120, TimeUnit.SECONDS);
            } catch (InterruptedException ignored) {
                Thread.currentThread().interrupt();
            }
        });
        Runtime.getRuntime().addShutdownHook(hook);
        Progress progress = new Progress("train", sch.steps());
        long t0 = System.nanoTime();
        int s = startStep;
        try {
            while (s < sch.steps()) {
                int next = s + 1;
                Losses l;
                try (DeviceScope scope = DeviceScope.open()) {
                    opt.zeroGrad();
                    l = step.run(next);
                    if (l.finite()) {
                        if (sch.clip() > 0) AdamW.clipGradNorm(new ArrayList<>(params.values()), sch.clip());
                        opt.step();
                    }
                    opt.zeroGrad();   // the gradients die with the scope
                }
                if (!l.finite()) {
                    System.err.printf("%nstopped: non-finite loss at %s (loss %s, mel %s, dur %s, f0 %s, energy %s).%n"
                                    + "The last good checkpoint is kept: %s (step %s). Lower --lr or check that item.%n",
                            step.describe(next), l.total(), l.mel(), l.dur(), l.f0(), l.energy(), run.checkpoint(),
                            java.nio.file.Files.exists(run.checkpoint()) ? RunDir.load(run.checkpoint()).step() : "none yet");
                    return EXIT_NONFINITE;
                }
                s = next;
                double secs = (System.nanoTime() - t0) / 1e9;
                if (s % sch.logEvery() == 0 || s == sch.steps()) run.logRow(s, l, opt.lr, secs);
                progress.update(s - startStep == 0 ? 0 : s, String.format("loss %.4f (mel %.4f dur %.4f)", l.total(), l.mel(), l.dur()));
                boolean last = s == sch.steps();
                if (sch.checkpointEvery() > 0 && s % sch.checkpointEvery() == 0 || last || stopRequested) run.saveCheckpoint(s, params, opt, meta);
                if (stopRequested) {
                    System.err.printf("checkpoint written at step %d: %s (continue with --resume)%n", s, run.checkpoint());
                    return EXIT_INTERRUPTED;
                }
                if (validate != null && sch.validEvery() > 0 && (s % sch.validEvery() == 0 || last)) scoped(validate, s);
                if (samples != null && sch.sampleEvery() > 0 && (s % sch.sampleEvery() == 0 || last)) scoped(samples, s);
            }
            return 0;
        } finally {
            done.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running: it is waiting for `done`, released above
            }
        }
    }

    private static void scoped(Hook h, int step) throws Exception {
        try (DeviceScope scope = DeviceScope.open()) {
            h.at(step);
        }
    }

    AdamW optimizer() { return opt; }
}
