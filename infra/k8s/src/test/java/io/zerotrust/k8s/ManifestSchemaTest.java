package io.zerotrust.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** Every document of every manifest file against the published schema of its kind. */
class ManifestSchemaTest {

    @Test
    void everyManifestMatchesThePublishedSchemaOfItsKind() {
        Manifests.root();
        List<Manifests.Doc> docs = Manifests.all();
        List<String> problems = new ManifestValidator().problems(docs);
        assertThat(problems).as("manifests that do not match their schema:" + StrictModel.describe(problems)).isEmpty();

        Set<String> kinds = new TreeSet<>();
        docs.forEach(d -> kinds.add(d.kind()));
        assertThat(kinds).as("the kinds the manifests were expected to hold").containsExactlyInAnyOrder(
                "Namespace", "KafkaNodePool", "Kafka", "KafkaTopic", "ServiceAccount", "Role", "RoleBinding",
                "FlinkDeployment", "ConfigMap", "Deployment", "Service", "PodDisruptionBudget");
    }
}
