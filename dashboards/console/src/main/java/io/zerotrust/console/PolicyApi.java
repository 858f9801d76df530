package io.zerotrust.console;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.zerotrust.avro.DecisionMode;
import io.zerotrust.avro.PolicyRule;
import io.zerotrust.schemas.registry.RegistryClient;
import io.zerotrust.schemas.topics.Topics;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Policy management: the rules in force ({@link PolicyRules}), edits, shadow mode, would-have-fired counts
 * ({@link WouldFire}), history and rollback. Changes are for admins; each is audited (before and after) and then
 * published to {@code policy.rules} as a new, higher version of the rule, which the risk engine applies to the next
 * score without a restart.
 *
 * <ul>
 *   <li>{@code GET /api/policy}: {@code {"policyVersion","rules":[…]}} (any role);
 *   <li>{@code POST /api/policy/rules}: add or edit a rule (the given fields over the current rule; optional
 *       {@code expectedVersion}, else 409); 400 names a bad field;
 *   <li>{@code POST /api/policy/rules/{id}/mode}: {@code {"mode":"SHADOW"|"ENFORCE"}};
 *   <li>{@code GET /api/policy/rules/{id}/would-fire?hours=1|24};
 *   <li>{@code GET /api/policy/history/{id}}: every version seen, newest first, and the console's audit of the rule;
 *   <li>{@code POST /api/policy/rules/{id}/rollback}: {@code {"toVersion":n}} republishes that version's content as
 *       a new version;
 *   <li>{@code GET /api/policy/live}: Server-Sent Events, {@code policy} whenever a rule changes.
 * </ul>
 */
final class PolicyApi {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Console console;
    private final PolicyRules rules;
    private final WouldFire wouldFire;
    private final KafkaProducer<String, PolicyRule> producer;

    private PolicyApi(Console console) {
        this.console = console;
        ConsoleSettings s = console.settings();
        this.rules = new PolicyRules(s.kafkaBootstrap(), s.registryUrl());
        this.wouldFire = new WouldFire(console.clickhouseQueries(), s.clickhouseDatabase());
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, s.kafkaBootstrap());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 10_000);
        this.producer = new KafkaProducer<>(p, Topics.POLICY_RULES.keySerde().serializer(),
                Topics.POLICY_RULES.valueSerde(RegistryClient.connect(s.registryUrl())).serializer());
    }

    static void register(RoutesConfig routes, Console console) {
        PolicyApi api = new PolicyApi(console);
        // the reader follows policy.rules from now until the console closes
        console.own(api::close);
        api.rules.start();
        routes.get("/api/policy", api::list);
        routes.post("/api/policy/rules", api::save);
        routes.post("/api/policy/rules/{id}/mode", api::mode);
        routes.get("/api/policy/rules/{id}/would-fire", api::wouldFire);
        routes.get("/api/policy/history/{id}", api::history);
        routes.post("/api/policy/rules/{id}/rollback", api::rollback);
        routes.sse("/api/policy/live", client -> {
            client.keepAlive();
            Consumer<String> send = id -> {
                if (client.terminated()) {
                    throw new IllegalStateException("closed");
                }
                client.sendEvent("policy", api.change(id).toString());
            };
            client.onClose(() -> api.rules.unsubscribe(send));
            api.rules.subscribe(send);
            client.sendEvent("policy", api.change(null).toString());
        });
    }

    private void close() {
        try {
            rules.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        producer.close(Duration.ofSeconds(5));
    }

    private ObjectNode change(String id) {
        ObjectNode n = JSON.createObjectNode().put("policyVersion", PolicyRules.policyVersion(rules.inForce()));
        if (id != null) {
            rules.current(id).ifPresent(r -> n.put("ruleId", id).put("version", r.getVersion())
                    .put("updatedBy", r.getUpdatedBy()).put("updatedAt", r.getUpdatedAt()));
        }
        return n;
    }

    private void awaitRules() throws InterruptedException {
        if (!rules.awaitCaughtUp(Duration.ofSeconds(15))) {
            throw new Console.ApiError(503, "the rules on " + Topics.POLICY_RULES.name()
                    + " are still being read; try again in a moment");
        }
    }

    private ObjectNode ruleJson(PolicyRule r) {
        return RuleJson.toJson(r).put("source", PolicyRules.DEFAULTS.equals(r.getUpdatedBy()) && r.getUpdatedAt() == 0
                ? "default" : "published");
    }

    private void list(Context ctx) throws InterruptedException {
        awaitRules();
        List<PolicyRule> inForce = rules.inForce();
        ObjectNode out = JSON.createObjectNode().put("policyVersion", PolicyRules.policyVersion(inForce));
        ArrayNode list = out.putArray("rules");
        inForce.forEach(r -> list.add(ruleJson(r)));
        ctx.json(out);
    }

    private PolicyRule existing(String id) {
        return rules.current(id).orElseThrow(() -> new Console.ApiError(404, "no rule '" + id + "' in force"));
    }

    private void save(Context ctx) throws Exception {
        Sessions.Session s = Console.require(ctx, Role.ADMIN);
        JsonNode req = Console.body(ctx);
        awaitRules();
        String id = req.path("ruleId").asText("");
        synchronized (this) {
            Optional<PolicyRule> current = rules.current(id);
            if (req.has("expectedVersion") && current.isPresent()
                    && req.path("expectedVersion").asLong(-1) != current.get().getVersion()) {
                throw new Console.ApiError(409, "rule '" + id + "' is at version " + current.get().getVersion()
                        + " now (changed by " + current.get().getUpdatedBy() + "), not "
                        + req.path("expectedVersion").asText() + ": reload it and edit again");
            }
            PolicyRule next = validated(current.orElse(null), req, s);
            publish(ctx, s, current.isPresent() ? "policy.edit" : "policy.add", current.orElse(null), next);
        }
    }

    private PolicyRule validated(PolicyRule current, JsonNode req, Sessions.Session s) {
        long version = current == null ? 1 : current.getVersion() + 1;
        try {
            return RuleJson.edit(current, req, version, System.currentTimeMillis(), s.user() + " via console");
        } catch (RuleJson.Invalid e) {
            throw new Console.ApiError(400, e.getMessage());
        }
    }

    private void mode(Context ctx) throws Exception {
        Sessions.Session s = Console.require(ctx, Role.ADMIN);
        JsonNode req = Console.body(ctx);
        awaitRules();
        String mode = req.path("mode").asText("").toUpperCase(Locale.ROOT);
        if (!mode.equals(DecisionMode.SHADOW.name()) && !mode.equals(DecisionMode.ENFORCE.name())) {
            throw new Console.ApiError(400, "mode must be SHADOW or ENFORCE");
        }
        synchronized (this) {
            PolicyRule current = existing(ctx.pathParam("id"));
            PolicyRule next = validated(current, JSON.createObjectNode().put("mode", mode), s);
            publish(ctx, s, "policy.mode", current, next);
        }
    }

    private void rollback(Context ctx) throws Exception {
        Sessions.Session s = Console.require(ctx, Role.ADMIN);
        JsonNode req = Console.body(ctx);
        awaitRules();
        if (!req.path("toVersion").canConvertToLong() || !req.path("toVersion").isIntegralNumber()) {
            throw new Console.ApiError(400, "toVersion must be the whole number of an earlier version");
        }
        long to = req.path("toVersion").asLong();
        synchronized (this) {
            PolicyRule current = existing(ctx.pathParam("id"));
            PolicyRule old = rules.history(current.getRuleId()).stream().filter(r -> r.getVersion() == to)
                    .findFirst().orElseThrow(() -> new Console.ApiError(400, "toVersion " + to
                            + " is not a version of rule '" + current.getRuleId() + "' (GET /api/policy/history/"
                            + current.getRuleId() + " lists them)"));
            if (to >= current.getVersion()) {
                throw new Console.ApiError(400, "toVersion must be earlier than the version in force ("
                        + current.getVersion() + ")");
            }
            PolicyRule next = PolicyRule.newBuilder(old).setVersion(current.getVersion() + 1)
                    .setUpdatedAt(System.currentTimeMillis()).setUpdatedBy(s.user() + " via console").build();
            publish(ctx, s, "policy.rollback", current, next);
        }
    }

    /** Audits, then publishes the rule keyed by its id, then answers with it and the policy version it makes. */
    private void publish(Context ctx, Sessions.Session s, String action, PolicyRule before, PolicyRule after)
            throws Exception {
        ObjectNode afterJson = RuleJson.toJson(after);
        console.audit().record(s.user(), s.role(), action, after.getRuleId(),
                before == null ? null : RuleJson.toJson(before), afterJson);
        try {
            producer.send(new ProducerRecord<>(Topics.POLICY_RULES.name(), after.getRuleId(), after))
                    .get(15, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new Console.ApiError(503, "the rule could not be published to " + Topics.POLICY_RULES.name()
                    + ": " + e.getMessage());
        }
        rules.accept(after);
        ObjectNode out = JSON.createObjectNode().put("policyVersion", PolicyRules.policyVersion(rules.inForce()));
        out.set("rule", ruleJson(after));
        ctx.status(before == null ? 201 : 200).json(out);
    }

    private void wouldFire(Context ctx) throws InterruptedException {
        awaitRules();
        String h = ctx.queryParam("hours");
        int hours = h == null ? 1 : switch (h) {
            case "1" -> 1;
            case "24" -> 24;
            default -> throw new Console.ApiError(400, "hours must be 1 or 24");
        };
        ctx.json(wouldFire.count(existing(ctx.pathParam("id")), hours));
    }

    private void history(Context ctx) throws Exception {
        awaitRules();
        String id = ctx.pathParam("id");
        List<PolicyRule> versions = rules.history(id);
        if (versions.isEmpty()) {
            throw new Console.ApiError(404, "no rule '" + id + "'");
        }
        ObjectNode out = JSON.createObjectNode().put("ruleId", id);
        ArrayNode list = out.putArray("versions");
        for (int i = versions.size() - 1; i >= 0; i--) {
            list.add(RuleJson.toJson(versions.get(i)));
        }
        ArrayNode audit = out.putArray("changes"); // the audit, for those who may read it
        Sessions.Session s = ctx.attribute("session");
        for (JsonNode a : s.role().atLeast(Role.ANALYST) ? console.audit().newest(10_000) : List.<JsonNode>of()) {
            if (a.path("action").asText().startsWith("policy.") && id.equals(a.path("target").asText())) {
                audit.add(a);
            }
        }
        ctx.json(out);
    }
}
