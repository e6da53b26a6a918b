package dev.kokoro.trainer;

/** One step's loss terms (already weighted into {@code total}). */
public record Losses(double total, double mel, double dur, double f0, double energy) {
    public boolean finite() {
        return Double.isFinite(total) && Double.isFinite(mel) && Double.isFinite(dur) && Double.isFinite(f0) && Double.isFinite(energy);
    }
}
