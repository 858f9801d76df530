package io.zerotrust.schemas;

import io.zerotrust.avro.Action;
import io.zerotrust.avro.Anomaly;
import io.zerotrust.avro.AppliedDecisionRef;
import io.zerotrust.avro.ApplyOutcome;
import io.zerotrust.avro.AuthInfo;
import io.zerotrust.avro.AuthMethod;
import io.zerotrust.avro.AuthResult;
import io.zerotrust.avro.ConnectionEvent;
import io.zerotrust.avro.ConnectionPhase;
import io.zerotrust.avro.Contribution;
import io.zerotrust.avro.DeadLetter;
import io.zerotrust.avro.DecisionApplied;
import io.zerotrust.avro.DecisionIssuer;
import io.zerotrust.avro.DecisionMode;
import io.zerotrust.avro.DecisionReason;
import io.zerotrust.avro.DestinationEndpoint;
import io.zerotrust.avro.EnforcementDecision;
import io.zerotrust.avro.EntityType;
import io.zerotrust.avro.HttpInfo;
import io.zerotrust.avro.PolicyRule;
import io.zerotrust.avro.RiskLevel;
import io.zerotrust.avro.RiskScore;
import io.zerotrust.avro.RuleKind;
import io.zerotrust.avro.Severity;
import io.zerotrust.avro.SourceEndpoint;
import io.zerotrust.avro.TlsInfo;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;

/**
 * Deterministic, fully populated sample records of every contract, for round-trip tests. The same seed gives the
 * same records; every optional field is set so that a serde that drops one is caught.
 */
public final class ContractSamples {

    private ContractSamples() {
    }

    public static ConnectionEvent connectionEvent(long seed) {
        Random r = new Random(seed);
        String user = "user" + r.nextInt(1000);
        return ConnectionEvent.newBuilder()
                .setEventId(new UUID(seed, r.nextLong()).toString())
                .setEventTime(1_790_000_000_000L + seed * 1000)
                .setOrigin("gateway")
                .setGatewayId("gw-" + r.nextInt(4))
                .setConnectionId("c-" + seed)
                .setPhase(ConnectionPhase.values()[(int) (seed % 3)])
                .setUser(user)
                .setDeviceId("dev-" + Long.toHexString(r.nextLong()))
                .setAuth(AuthInfo.newBuilder().setMethod(AuthMethod.JWT).setOutcome(AuthResult.FAILURE)
                        .setFailureReason("expired").setIssuer("https://idp.example").build())
                .setSrc(SourceEndpoint.newBuilder().setIp("203.0.113." + r.nextInt(255)).setPort(40000 + r.nextInt(20000))
                        .setCountry("DE").setAsn(64500L + r.nextInt(10)).setHost("laptop-" + user).build())
                .setDst(DestinationEndpoint.newBuilder().setService("payments").setHost("payments.internal")
                        .setIp("10.0.0." + r.nextInt(255)).setPort(443).build())
                .setProtocol("http")
                .setTls(TlsInfo.newBuilder().setVersion("TLSv1.3").setCipher("TLS_AES_128_GCM_SHA256")
                        .setSni("payments.internal").setClientCertSubject("CN=" + user)
                        .setClientCertFingerprint("ab".repeat(32)).build())
                .setHttp(HttpInfo.newBuilder().setMethod("GET").setPath("/api/v1/x").setStatus(200)
                        .setUserAgent("curl/8").build())
                .setBytesIn(r.nextInt(100_000))
                .setBytesOut(r.nextInt(10_000_000))
                .setDurationMs(r.nextInt(60_000))
                .setRequestCount(r.nextInt(50))
                .setCloseReason("client_closed")
                .setRejectReason(null)
                .setDecision(AppliedDecisionRef.newBuilder().setDecisionId("d-" + seed).setEntity("user:" + user)
                        .setAction(Action.THROTTLE).setMode(DecisionMode.SHADOW).build())
                .setAttributes(Map.of("route", "payments-api", "seed", Long.toString(seed)))
                .build();
    }

    public static DeadLetter deadLetter(long seed) {
        return DeadLetter.newBuilder()
                .setId("dlq-" + seed)
                .setFailedAt(1_790_000_000_000L + seed)
                .setStage("ingest")
                .setSource("zeek")
                .setTopic("telemetry.raw.zeek")
                .setPartition((int) (seed % 3))
                .setOffset(seed * 7)
                .setReason("field ts is not a number: \"abc\"")
                .setErrorType("parse_error")
                .setPayload(ByteBuffer.wrap(("{\"ts\":\"abc\",\"seed\":" + seed + "}").getBytes(StandardCharsets.UTF_8)))
                .build();
    }

    public static RiskScore riskScore(long seed) {
        return RiskScore.newBuilder()
                .setEntity("user:user" + seed)
                .setEntityType(EntityType.USER)
                .setScore(72.5)
                .setLevel(RiskLevel.HIGH)
                .setEventTime(1_790_000_000_000L + seed)
                .setComputedAt(1_790_000_000_050L + seed)
                .setTriggerEventId("e-" + seed)
                .setHalfLifeMs(3_600_000L)
                .setContributions(List.of(Contribution.newBuilder().setDetector("brute_force").setPoints(40.0)
                        .setAnomalyId("a-" + seed).setExplanation("25 failures in 5 min, baseline 1")
                        .setEvidenceEventIds(List.of("e-1", "e-2")).build()))
                .build();
    }

    public static Anomaly anomaly(long seed) {
        return Anomaly.newBuilder()
                .setAnomalyId("a-" + seed)
                .setDetector("password_spray")
                .setEntity("ip:198.51.100." + (seed % 255))
                .setEntityType(EntityType.IP)
                .setSeverity(Severity.HIGH)
                .setScore(35.0)
                .setEventTime(1_790_000_000_000L + seed)
                .setDetectedAt(1_790_000_000_010L + seed)
                .setWindowStart(1_790_000_000_000L - 300_000)
                .setWindowEnd(1_790_000_000_000L)
                .setExplanation("failed against 31 distinct users in 5 min; baseline 2")
                .setObserved(31.0)
                .setBaseline(2.0)
                .setEvidenceEventIds(List.of("e-3", "e-4", "e-5"))
                .setAttributes(Map.of("window", "5m"))
                .build();
    }

    public static EnforcementDecision decision(long seed) {
        return EnforcementDecision.newBuilder()
                .setDecisionId("d-" + seed)
                .setEntity("user:user" + seed)
                .setEntityType(EntityType.USER)
                .setAction(Action.BLOCK)
                .setMode(DecisionMode.ENFORCE)
                .setIssuedAt(1_790_000_000_000L + seed)
                .setExpiresAt(1_790_000_900_000L + seed)
                .setEventTime(1_790_000_000_000L + seed - 40)
                .setIssuer(DecisionIssuer.ENGINE)
                .setIssuedBy("risk-engine")
                .setPolicyVersion("policy-7")
                .setRuleId("critical-block")
                .setRiskScore(91.0)
                .setRiskLevel(RiskLevel.CRITICAL)
                .setThrottleRatePerSecond(null)
                .setSummary("impossible travel Berlin to Sydney in 20 minutes, then a new device")
                .setReasons(List.of(DecisionReason.newBuilder().setDetector("impossible_travel").setContribution(60.0)
                        .setAnomalyId("a-9").setExplanation("16,000 km in 20 min").setEvidenceEventIds(List.of("e-8", "e-9"))
                        .build()))
                .setSupersedes("d-" + (seed - 1))
                .build();
    }

    public static DecisionApplied decisionApplied(long seed) {
        return DecisionApplied.newBuilder()
                .setDecisionId("d-" + seed)
                .setEntity("user:user" + seed)
                .setAction(Action.BLOCK)
                .setMode(DecisionMode.ENFORCE)
                .setGatewayId("gw-1")
                .setOutcome(ApplyOutcome.APPLIED)
                .setDecisionIssuedAt(1_790_000_000_000L + seed)
                .setReceivedAt(1_790_000_000_004L + seed)
                .setAppliedAt(1_790_000_000_006L + seed)
                .setSessionsRevoked(2)
                .setDetail("closed 2 keep-alive connections")
                .build();
    }

    public static PolicyRule policyRule(long seed) {
        return PolicyRule.newBuilder()
                .setRuleId("rule-" + seed)
                .setVersion(seed)
                .setEnabled(true)
                .setDescription("block critical users")
                .setKind(RuleKind.THRESHOLD)
                .setPriority(10)
                .setEntityTypes(List.of(EntityType.USER, EntityType.DEVICE))
                .setMinLevel(RiskLevel.CRITICAL)
                .setMinScore(85.0)
                .setDetectors(List.of("impossible_travel"))
                .setEntities(List.of("ip:10.0.0.0/8"))
                .setAction(Action.BLOCK)
                .setTtlMs(900_000L)
                .setMode(DecisionMode.SHADOW)
                .setReleaseBelowScore(50.0)
                .setMinHoldMs(300_000L)
                .setThrottleRatePerSecond(5.0)
                .setParameters(Map.of("brute_force.failures", 10.0))
                .setUpdatedAt(1_790_000_000_000L)
                .setUpdatedBy("secops")
                .build();
    }
}
