package dev.kokoro.trainer;

import java.io.PrintStream;

/** A one-line progress bar on stderr: step, loss, steps/s, ETA; plain lines when not a terminal. */
final class Progress {
    private final String label;
    private final int total;
    private final long start = System.nanoTime();
    private final PrintStream out = System.err;
    private final boolean tty = System.console() != null;
    private long lastPrint;

    Progress(String label, int total) {
        this.label = label;
        this.total = total;
    }

    void update(int done, String status) {
        long now = System.nanoTime();
        boolean last = done >= total;
        if (!last && now - lastPrint < (tty ? 200_000_000L : 5_000_000_000L)) return;
        lastPrint = now;
        double secs = (now - start) / 1e9;
        double rate = done / Math.max(secs, 1e-9);
        double eta = rate > 0 ? (total - done) / rate : 0;
        int width = 24, filled = total == 0 ? width : (int) ((long) width * done / total);
        String bar = "#".repeat(filled) + "-".repeat(width - filled);
        String line = String.format("%s [%s] %d/%d %s %.2f it/s ETA %s", label, bar, done, total, status, rate, clock(eta));
        if (tty) out.print("\r" + line + (last ? "\n" : ""));
        else out.println(line);
        out.flush();
    }

    static String clock(double seconds) {
        long s = Math.round(seconds);
        return s >= 3600 ? String.format("%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String.format("%d:%02d", s / 60, s % 60);
    }
}
