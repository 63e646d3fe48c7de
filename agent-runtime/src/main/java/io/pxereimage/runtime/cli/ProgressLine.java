package io.pxereimage.runtime.cli;

import java.util.Locale;

/** Renders deploy progress as one line: bar, percent, MB/s, ETA. Pure formatting. */
final class ProgressLine {
    static final int WIDTH = 30;

    private ProgressLine() {
    }

    static String render(String jobId, int percent, long bytesPerSecond, long etaSeconds) {
        int p = Math.max(0, Math.min(100, percent));
        int filled = p * WIDTH / 100;
        String bar = "#".repeat(filled) + ".".repeat(WIDTH - filled);
        return String.format(Locale.ROOT, "%s [%s] %3d%% %6.1f MB/s ETA %s", jobId, bar, p, bytesPerSecond / 1e6,
                eta(etaSeconds));
    }

    static String eta(long seconds) {
        if (seconds < 0) {
            return "--:--";
        }
        return seconds >= 3600 ? String.format(Locale.ROOT, "%d:%02d:%02d", seconds / 3600, seconds / 60 % 60,
                seconds % 60) : String.format(Locale.ROOT, "%d:%02d", seconds / 60, seconds % 60);
    }
}
