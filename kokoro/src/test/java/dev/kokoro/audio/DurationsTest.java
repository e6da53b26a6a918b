package dev.kokoro.audio;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class DurationsTest {

    @Test
    void identityPathGivesBackTheSynthDurations() {
        int[] dur = {2, 1, 4, 3};
        int mel = 2 * 10 + 1; // centred STFT: 1 + L/300 frames
        int[][] path = new int[mel][];
        for (int i = 0; i < mel; i++) path[i] = new int[]{i, i};
        assertArrayEquals(dur, Durations.fromAlignment(path, dur));
    }

    @Test
    void aUniformTwofoldStretchDoublesEveryDuration() {
        int[] dur = {1, 3, 2};
        int synthMel = 2 * 6 + 1, recMel = 2 * 12 + 1;
        int[][] path = new int[recMel][];
        for (int j = 0; j < recMel; j++) path[j] = new int[]{Math.min(synthMel - 1, j / 2), j};
        assertArrayEquals(new int[]{2, 6, 4}, Durations.fromAlignment(path, dur));
    }

    @Test
    void durationsSumToTheRecordingLengthWithoutDrift() {
        int[] dur = {1, 1, 1, 1, 1, 1, 1};
        int synthMel = 15, recMel = 23; // odd counts: half-frame rounding everywhere
        int[][] path = new int[recMel][];
        for (int j = 0; j < recMel; j++) path[j] = new int[]{(int) ((long) j * (synthMel - 1) / (recMel - 1)), j};
        int[] out = Durations.fromAlignment(path, dur);
        int sum = 0;
        for (int d : out) sum += d;
        assertEquals(recMel / 2, sum);
    }
}
