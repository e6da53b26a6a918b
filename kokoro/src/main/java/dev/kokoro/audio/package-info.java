/**
 * Audio I/O and training targets at Kokoro's 24 kHz.
 *
 * <p>Frame conventions: the loss mel ({@link dev.kokoro.audio.MelSpectrogram}) uses hop 300 with a centred
 * STFT, so L samples give 1 + L/300 mel frames; {@link dev.kokoro.audio.Pitch} and
 * {@link dev.kokoro.audio.Energy} give one value per mel frame (Kokoro's F0/N curves: two values per
 * 600-sample duration frame; trim to 2·F for F duration frames). {@link dev.kokoro.audio.Durations}
 * converts a DTW path between a synthesised and a recorded mel into per-phoneme durations in 600-sample
 * frames.
 */
package dev.kokoro.audio;
