package io.zerotrust.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JobSettingsTest {

    @Test
    void aCheckpointFolderWithASchemeIsPassedOnAsItIs() {
        assertThat(JobSettings.checkpointUri("s3://zt-flink/checkpoints/risk-engine"))
                .isEqualTo("s3://zt-flink/checkpoints/risk-engine");
        assertThat(JobSettings.checkpointUri("hdfs://nn:8020/flink/cp")).isEqualTo("hdfs://nn:8020/flink/cp");
        assertThat(JobSettings.checkpointUri("file:///var/flink/cp")).isEqualTo("file:///var/flink/cp");
    }

    @Test
    void aLocalCheckpointFolderIsCreatedAndMadeAnAbsoluteFileUri(@TempDir Path dir) {
        Path folder = dir.resolve("a/b");
        String uri = JobSettings.checkpointUri(folder.toString());
        assertThat(uri).startsWith("file:/").endsWith("/a/b/");
        assertThat(Files.isDirectory(folder)).isTrue();
    }
}
