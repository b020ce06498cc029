package io.streamstack.flink.common.testing;

import java.io.IOException;
import java.io.OutputStream;
import java.util.concurrent.TimeUnit;

/**
 * Helper processes the tests start (the emulator, the fare front), which exit when their stdin
 * closes.
 */
public final class ChildProcesses {
    private ChildProcesses() {}

    /**
     * Closes the process's stdin, which tells it to exit, and waits up to {@code graceSeconds};
     * then destroys it (forcibly if the wait is interrupted).
     */
    public static void stop(Process process, OutputStream stdin, long graceSeconds) {
        try {
            stdin.close();
        } catch (IOException e) {
            // already closed
        }
        try {
            if (!process.waitFor(graceSeconds, TimeUnit.SECONDS)) {
                process.destroy();
                process.waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
