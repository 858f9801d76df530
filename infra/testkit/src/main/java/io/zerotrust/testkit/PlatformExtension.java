package io.zerotrust.testkit;

import io.zerotrust.platform.Platform;
import io.zerotrust.platform.PlatformConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * JUnit 5 extension that gives tests the real platform: a Kafka broker, the schema registry and ClickHouse on
 * loopback. It starts the platform once per test JVM, on free ports with a fresh data folder, and stops it when the
 * JVM's tests are done. When {@code ZT_KAFKA_BOOTSTRAP}, {@code ZT_REGISTRY_URL} or {@code ZT_CLICKHOUSE_URL} are
 * set (for example to a platform started with {@code ./pipeline up}), those servers are used instead of starting
 * new ones. Tests receive a {@link TestPlatform} parameter.
 *
 * <pre>{@code
 * @ExtendWith(PlatformExtension.class)
 * class MyITCase {
 *     @Test void roundTrip(TestPlatform platform) { ... }
 * }
 * }</pre>
 */
public final class PlatformExtension implements BeforeAllCallback, ParameterResolver {

    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(
            PlatformExtension.class);

    @Override
    public void beforeAll(ExtensionContext context) {
        running(context);
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext extension) {
        return parameter.getParameter().getType() == TestPlatform.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext extension)
            throws ParameterResolutionException {
        return running(extension).testPlatform;
    }

    private static Running running(ExtensionContext context) {
        return context.getRoot().getStore(NAMESPACE).getOrComputeIfAbsent(Running.class, k -> Running.start(),
                Running.class);
    }

    /** The platform of this JVM; closed by JUnit when the root context closes, after the last test. */
    static final class Running implements AutoCloseable {
        final Platform platform;
        final TestPlatform testPlatform;
        final Path dataDir;

        private Running(Platform platform, Path dataDir) {
            this.platform = platform;
            this.dataDir = dataDir;
            this.testPlatform = new TestPlatform(platform.endpoints());
        }

        static Running start() {
            Path dataDir;
            try {
                dataDir = Files.createTempDirectory("zt-test-platform-");
            } catch (IOException e) {
                throw new IllegalStateException("cannot create a data folder for the test platform", e);
            }
            List<String> args = new ArrayList<>(List.of(
                    "--" + PlatformConfig.DATA_DIR + "=" + dataDir,
                    "--" + PlatformConfig.KAFKA_PORT + "=0",
                    "--" + PlatformConfig.KAFKA_CONTROLLER_PORT + "=0",
                    "--" + PlatformConfig.REGISTRY_PORT + "=0",
                    "--" + PlatformConfig.CLICKHOUSE_HTTP_PORT + "=0",
                    "--" + PlatformConfig.CLICKHOUSE_TCP_PORT + "=0"));
            PlatformConfig config = PlatformConfig.fromArgs(args, System.getenv());
            Platform platform = Platform.start(config, line -> System.out.println("[test platform] " + line));
            return new Running(platform, dataDir);
        }

        @Override
        public void close() throws IOException {
            testPlatform.close();
            platform.close();
            try (Stream<Path> files = Files.walk(dataDir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }
}
