package io.zerotrust.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.zerotrust.schemas.topics.Topic;
import io.zerotrust.schemas.topics.Topics;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The platform creates every topic of the registry with its partitions, cleanup policy and retention. */
@ExtendWith(PlatformExtension.class)
class TopicsProvisionedITCase {

    @Test
    void everyTopicExistsAsTheRegistryDescribesIt(TestPlatform platform) throws Exception {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, platform.kafkaBootstrap());
        try (Admin admin = Admin.create(p)) {
            List<String> names = Topics.all().stream().map(Topic::name).toList();
            Map<String, TopicDescription> described = admin.describeTopics(names).allTopicNames()
                    .get(30, TimeUnit.SECONDS);
            Map<ConfigResource, Config> configs = admin.describeConfigs(names.stream()
                    .map(n -> new ConfigResource(ConfigResource.Type.TOPIC, n)).toList()).all()
                    .get(30, TimeUnit.SECONDS);
            for (Topic<?, ?> t : Topics.all()) {
                assertThat(described.get(t.name()).partitions()).as(t.name()).hasSize(t.partitions());
                Config c = configs.get(new ConfigResource(ConfigResource.Type.TOPIC, t.name()));
                assertThat(c.get("cleanup.policy").value()).as(t.name()).isEqualTo(t.cleanupPolicy().config());
                t.retention().ifPresent(r -> assertThat(c.get("retention.ms").value()).as(t.name())
                        .isEqualTo(Long.toString(r.toMillis())));
            }
        }
    }
}
