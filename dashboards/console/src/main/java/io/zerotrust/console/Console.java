package io.zerotrust.console;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.Cookie;
import io.javalin.http.HandlerType;
import io.javalin.http.SameSite;
import io.javalin.http.staticfiles.Location;
import io.zerotrust.avro.EnforcementDecision;
import io.zerotrust.avro.EntityType;
import io.zerotrust.schemas.registry.RegistryClient;
import io.zerotrust.schemas.topics.Topics;
import java.io.IOException;
import java.security.MessageDigest;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * The operator and analyst console: a Javalin (Jetty) server on loopback unless configured, static pages without a
 * build step, and a JSON API behind a session cookie.
 *
 * <ul>
 *   <li>{@code POST /api/session} signs in ({@code {"username","password"}}; rate-limited per address and per name),
 *       {@code DELETE /api/session} signs out, {@code GET /api/me} says who is signed in and gives the CSRF token;
 *   <li>{@code GET /api/live}: the live view, Server-Sent Events ({@link LiveFeed});
 *   <li>{@code /api/overrides}: manual decisions about an entity, and lifting them ({@link Overrides}).
 * </ul>
 *
 * Every API call but signing in needs a live session (else 401); every change also needs the session's CSRF token in
 * {@code X-CSRF-Token} (else 403), and a role that may make it (else 403). Every response carries security headers:
 * a Content-Security-Policy that allows only the console's own scripts, styles and connections, no framing, no
 * sniffing, no referrer.
 */
public final class Console implements AutoCloseable {

    static final String COOKIE = "zt_session";
    static final String CSRF_HEADER = "X-CSRF-Token";
    static final String CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            + "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> OPEN = Set.of("/api/session");

    private final ConsoleSettings settings;
    private final Users users;
    private final Sessions sessions;
    private final SignInLimiter limiter;
    private final Audit audit;
    private final StageLag stageLag;
    private final LiveFeed feed;
    private final KafkaProducer<String, EnforcementDecision> decisions;
    private final com.clickhouse.client.api.Client clickhouse;
    private final ClickHouseParams clickhouseQueries;
    private final Javalin app;
    private final java.util.Deque<AutoCloseable> parts = new java.util.ArrayDeque<>();

    private Console(ConsoleSettings s, Clock clock) throws IOException {
        this.settings = s;
        this.users = Users.load(s.usersFile());
        this.sessions = new Sessions(s.sessionIdle(), Duration.ofHours(12), clock);
        this.limiter = new SignInLimiter(5, Duration.ofMinutes(5), clock);
        this.audit = new Audit(s.auditFile());
        this.stageLag = new StageLag(s.kafkaBootstrap(), s.stages());
        this.feed = new LiveFeed(s.kafkaBootstrap(), s.registryUrl(), stageLag);
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, s.kafkaBootstrap());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 10_000);
        RegistryClient registry = RegistryClient.connect(s.registryUrl());
        this.decisions = new KafkaProducer<>(p, Topics.ENFORCEMENT_DECISIONS.keySerde().serializer(),
                Topics.ENFORCEMENT_DECISIONS.valueSerde(registry).serializer());
        // server-side response compression off: ClickHouse 18.16 fails to write compressed responses (TestPlatform)
        this.clickhouse = new com.clickhouse.client.api.Client.Builder().addEndpoint(s.clickhouseUrl())
                .setUsername("default").setPassword("").compressServerResponse(false).build();
        this.clickhouseQueries = new ClickHouseParams(clickhouse);
        this.app = Javalin.create(config -> {
            config.jetty.host = s.host();
            config.jetty.port = s.port();
            config.startup.showJavalinBanner = false;
            config.staticFiles.add(files -> {
                files.hostedPath = "/";
                files.directory = "/public";
                files.location = Location.CLASSPATH;
            });
            config.routes.before(this::securityHeaders);
            config.routes.before("/api/*", this::authenticate);
            config.routes.post("/api/session", this::signIn);
            config.routes.delete("/api/session", this::signOut);
            config.routes.get("/api/me", this::me);
            config.routes.get("/api/recent", ctx -> ctx.contentType("application/json").result("["
                    + String.join(",", feed.recent().stream().map(LiveFeed.Update::json).toList()) + "]"));
            config.routes.sse("/api/live", client -> LiveClient.attach(client, feed));
            Overrides.register(config.routes, this);
            config.routes.get("/api/audit", ctx -> {
                require(ctx, Role.ANALYST);
                ctx.json(audit.newest(200));
            });
            // feature routes: each feature registers its own (EntityApi, PolicyApi, ...)
            EntityApi.register(config.routes, this);
            PolicyApi.register(config.routes, this);
            config.routes.exception(ApiError.class, (e, ctx) -> ctx.status(e.status).json(JSON.createObjectNode()
                    .put("error", e.getMessage())));
        });
    }

    /** Starts the console and its live feed. */
    public static Console start(ConsoleSettings s) throws IOException {
        return start(s, Clock.systemUTC());
    }

    static Console start(ConsoleSettings s, Clock clock) throws IOException {
        Console c = new Console(s, clock);
        try {
            c.stageLag.start();
            c.feed.start();
            c.app.start();
        } catch (RuntimeException e) {
            try {
                c.close();
            } catch (Exception suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
        return c;
    }

    public int port() {
        return app.port();
    }

    public String url() {
        return "http://" + (settings.host().contains(":") ? "[" + settings.host() + "]" : settings.host()) + ":"
                + port();
    }

    public Users users() {
        return users;
    }

    /** The console's settings. */
    ConsoleSettings settings() {
        return settings;
    }

    /** ClickHouse queries with typed parameters: user input never in the SQL text. */
    ClickHouseParams clickhouseQueries() {
        return clickhouseQueries;
    }

    /** A part of the console (a feature's reader or producer) to close when the console closes, after the server. */
    void own(AutoCloseable part) {
        synchronized (parts) {
            parts.push(part);
        }
    }

    Audit audit() {
        return audit;
    }

    LiveFeed feed() {
        return feed;
    }

    /** A refusal with its HTTP status and a message for the person who made the request. */
    static final class ApiError extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final int status;

        ApiError(int status, String message) {
            super(message);
            this.status = status;
        }
    }

    private void securityHeaders(Context ctx) {
        ctx.header("Content-Security-Policy", CSP);
        ctx.header("X-Content-Type-Options", "nosniff");
        ctx.header("X-Frame-Options", "DENY");
        ctx.header("Referrer-Policy", "no-referrer");
        ctx.header("Cache-Control", "no-store");
        if (settings.secureCookies()) {
            ctx.header("Strict-Transport-Security", "max-age=31536000");
        }
    }

    private void authenticate(Context ctx) {
        if (OPEN.contains(ctx.path()) && ctx.method() == HandlerType.POST) {
            return;
        }
        Sessions.Session s = sessions.get(ctx.cookie(COOKIE)).orElseThrow(() -> new ApiError(401,
                "sign in first (POST /api/session); a session ends after "
                        + settings.sessionIdle().toMinutes() + " minutes without a request"));
        if (ctx.method() != HandlerType.GET && ctx.method() != HandlerType.HEAD) {
            String token = ctx.header(CSRF_HEADER);
            if (token == null || !MessageDigest.isEqual(token.getBytes(StandardCharsets.UTF_8),
                    s.csrf().getBytes(StandardCharsets.UTF_8))) {
                throw new ApiError(403, "this change needs the session's CSRF token in the " + CSRF_HEADER
                        + " header (GET /api/me gives it)");
            }
        }
        ctx.attribute("session", s);
    }

    /** The signed-in session of the request, if its role is at least {@code role}; else a 403 that says so. */
    static Sessions.Session require(Context ctx, Role role) {
        Sessions.Session s = ctx.attribute("session");
        if (s == null || !s.role().atLeast(role)) {
            throw new ApiError(403, "this needs the " + role + " role; " + (s == null ? "nobody" : s.user() + " is "
                    + s.role()));
        }
        return s;
    }

    private void signIn(Context ctx) throws IOException {
        JsonNode body = body(ctx);
        String name = body.path("username").asText("");
        String password = body.path("password").asText("");
        long wait = limiter.retryAfterSeconds(ctx.ip(), name);
        if (wait > 0) {
            ctx.header("Retry-After", Long.toString(wait));
            throw new ApiError(429, "too many failed sign-ins; try again in " + wait + " s");
        }
        Optional<Users.User> u = users.verify(name, password);
        if (u.isEmpty()) {
            limiter.failed(ctx.ip(), name);
            throw new ApiError(401, "wrong user name or password");
        }
        limiter.succeeded(name);
        Sessions.Session s = sessions.create(u.get().name(), u.get().role());
        Cookie cookie = new Cookie(COOKIE, s.id());
        cookie.setPath("/");
        cookie.setHttpOnly(true);
        cookie.setSameSite(SameSite.STRICT);
        cookie.setSecure(settings.secureCookies());
        ctx.cookie(cookie);
        ctx.json(whoIs(s));
    }

    private void signOut(Context ctx) {
        Sessions.Session s = ctx.attribute("session");
        sessions.end(s.id());
        Cookie cookie = new Cookie(COOKIE, "");
        cookie.setPath("/");
        cookie.setMaxAge(0);
        cookie.setHttpOnly(true);
        cookie.setSameSite(SameSite.STRICT);
        cookie.setSecure(settings.secureCookies());
        ctx.cookie(cookie);
        ctx.status(204);
    }

    private void me(Context ctx) {
        Sessions.Session s = ctx.attribute("session");
        ctx.json(whoIs(s));
    }

    private static ObjectNode whoIs(Sessions.Session s) {
        return JSON.createObjectNode().put("user", s.user()).put("role", s.role().toString()).put("csrf", s.csrf());
    }

    /** The request's JSON object body; else a 400 that says what is wrong. */
    static JsonNode body(Context ctx) {
        try {
            JsonNode n = JSON.readTree(ctx.body());
            if (n == null || !n.isObject()) {
                throw new ApiError(400, "the body must be a JSON object");
            }
            return n;
        } catch (IOException e) {
            throw new ApiError(400, "the body is not JSON: " + e.getMessage());
        }
    }

    static EntityType entityType(String entity) {
        int colon = entity.indexOf(':');
        if (colon > 0 && colon < entity.length() - 1 && entity.length() <= 256) {
            switch (entity.substring(0, colon)) {
                case "user":
                    return EntityType.USER;
                case "device":
                    return EntityType.DEVICE;
                case "ip":
                    return EntityType.IP;
                case "service":
                    return EntityType.SERVICE;
                default:
                    break;
            }
        }
        throw new ApiError(400, "entity must be a typed key: user:<name>, device:<id>, ip:<address> or "
                + "service:<name>; got '" + entity + "'");
    }

    /** Publishes a decision to {@code enforcement.decisions} and waits for Kafka to have it; else a 503. */
    void publish(EnforcementDecision d) {
        try {
            decisions.send(new ProducerRecord<>(Topics.ENFORCEMENT_DECISIONS.name(), d.getEntity(), d)).get(15,
                    TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new ApiError(503, "the decision could not be published to " + Topics.ENFORCEMENT_DECISIONS.name()
                    + ": " + e.getMessage());
        }
    }

    @Override
    public void close() throws Exception {
        feed.close(); // first: nothing is sent to a page whose response the stopping server has recycled
        app.stop();
        synchronized (parts) {
            for (AutoCloseable part : parts) {
                part.close();
            }
            parts.clear();
        }
        stageLag.close();
        decisions.close(Duration.ofSeconds(5));
        clickhouse.close();
    }
}
