package io.zerotrust.platform;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A server launched at low priority is the launched process itself, at the nice value asked, in its own session. */
class LowPriorityLaunchTest {

    @TempDir
    Path dir;

    @Test
    void theServerRunsAtTheNiceValueInItsOwnSessionUnderTheLaunchedPid() throws Exception {
        List<String> prefix = ChildProcesses.atLowPriority(7);
        assumeTrue(!prefix.isEmpty(), "setsid and nice are not on this machine's PATH");
        assertThat(prefix).containsExactly("setsid", "nice", "-n", "7");

        List<String> command = new ArrayList<>(prefix);
        command.addAll(List.of("sleep", "30"));
        Process p = ChildProcesses.launch("sleep", new ProcessBuilder(command), dir, dir.resolve("out.log"));
        try {
            ChildProcesses.lowerSessionPriority(p, 7);
            // neither setsid nor nice forks: the pid launched becomes the server's, so stopping it stops the server
            Path comm = Path.of("/proc", Long.toString(p.pid()), "comm");
            long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            while (!Files.readString(comm).trim().equals("sleep") && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertThat(Files.readString(comm).trim()).isEqualTo("sleep");
            String[] stat = stat(p.pid());
            assertThat(stat[19 - 3]).as("nice").isEqualTo("7");
            assertThat(stat[6 - 3]).as("session id").isEqualTo(Long.toString(p.pid()));
            Path autogroup = Path.of("/proc", Long.toString(p.pid()), "autogroup");
            if (Files.exists(autogroup)) {
                assertThat(Files.readString(autogroup)).endsWith("nice 7\n");
            }
        } finally {
            ChildProcesses.stop(p, Duration.ofSeconds(5), "sleep");
        }
        assertThat(p.isAlive()).isFalse();
    }

    @Test
    void noPrefixWhenNoLowerPriorityIsAsked() {
        assertThat(ChildProcesses.atLowPriority(0)).isEmpty();
    }

    /** The fields of /proc/pid/stat after the command name, which may hold spaces: index 0 is field 3 (state). */
    private static String[] stat(long pid) throws Exception {
        String s = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        return s.substring(s.lastIndexOf(')') + 2).trim().split(" ");
    }
}
