package io.zerotrust.gateway.proxy;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.handler.timeout.IdleStateEvent;
import io.zerotrust.avro.Action;
import io.zerotrust.avro.ConnectionEvent;
import io.zerotrust.avro.ConnectionPhase;
import io.zerotrust.avro.EnforcementDecision;
import io.zerotrust.gateway.events.ConnectionEvents;
import io.zerotrust.gateway.identity.CertificateIdentity;
import io.zerotrust.gateway.identity.Identity;
import io.zerotrust.gateway.routing.Route;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The client side of an HTTP connection through the gateway. For each request it chooses the route (deny by
 * default), establishes the identity, applies the most severe live decision of the user, device and source IP, and
 * either answers the refusal itself or forwards the request to the route's upstream over a keep-alive backend
 * connection opened on this connection's event loop. Reads are driven by hand (auto-read off): the next request is
 * read only after the previous response was written, so a slow client or upstream pushes back instead of buffering.
 *
 * <p>Events: OPEN at the first forwarded request, CLOSE when the connection ends (bytes, duration, requests, reason),
 * REJECT for each refusal.
 */
final class HttpFrontendHandler extends SimpleChannelInboundHandler<FullHttpRequest> {

    private final ProxyContext ctx;
    private Channel backend;
    private Route backendRoute;
    private boolean clientKeepAlive;

    HttpFrontendHandler(ProxyContext context) {
        this.ctx = context;
    }

    @Override
    public void channelActive(ChannelHandlerContext c) {
        c.channel().attr(ConnectionState.KEY).set(new ConnectionState(c.channel(), ctx.clock().millis()));
        ctx.metrics().counter("gateway_connections_accepted_total").increment();
        c.read();
    }

    @Override
    protected void channelRead0(ChannelHandlerContext c, FullHttpRequest req) {
        ConnectionState s = ConnectionState.of(c.channel());
        long now = ctx.clock().millis();
        if (!req.decoderResult().isSuccess()) {
            reject(c, s, req, HttpResponseStatus.BAD_REQUEST, "bad_request", null, "the request is not valid HTTP");
            return;
        }
        String host = req.headers().get(HttpHeaderNames.HOST);
        String path = pathOf(req.uri());
        Optional<Route> route = ctx.routes().match(host, path);
        if (route.isEmpty()) {
            reject(c, s, req, HttpResponseStatus.FORBIDDEN, "no_route", null, "no route for this host and path");
            return;
        }
        if (!s.opened) {
            s.route = route.get(); // so that a refusal names the service that was asked for
        }
        Identity identity = identify(c, s, req.headers().get(HttpHeaderNames.AUTHORIZATION));
        if (s.opened && !Objects.equals(identity.user(), s.identity.user())) {
            reject(c, s, req, HttpResponseStatus.UNAUTHORIZED, "identity_changed", null,
                    "a connection carries one identity; open a new connection for another");
            return;
        }
        s.identity = identity;
        if (identity.outcome() == io.zerotrust.avro.AuthResult.FAILURE) {
            reject(c, s, req, HttpResponseStatus.UNAUTHORIZED, "auth_failed", null,
                    "invalid credentials: " + identity.failureReason());
            return;
        }
        if (!identity.authenticated() && route.get().requireAuth()) {
            reject(c, s, req, HttpResponseStatus.UNAUTHORIZED, "missing_credentials", null,
                    "this route needs a bearer token");
            return;
        }
        if (route.get().failClosed() && ctx.stale()) {
            reject(c, s, req, HttpResponseStatus.SERVICE_UNAVAILABLE, "stale_decisions", null,
                    "enforcement decisions are out of date; try again shortly");
            return;
        }
        EnforcementDecision d = ctx.decisions().strongest(now, s.userKey(), s.deviceKey(), s.ipKey());
        if (d != null) {
            if (d.getAction() == Action.BLOCK) {
                reject(c, s, req, HttpResponseStatus.FORBIDDEN, "blocked", d, d.getSummary());
                return;
            }
            if (d.getAction() == Action.STEP_UP) {
                reject(c, s, req, HttpResponseStatus.UNAUTHORIZED, "step_up_required", d, d.getSummary());
                return;
            }
            if (d.getAction() == Action.THROTTLE && !ctx.throttle().tryAcquire(d.getEntity(),
                    d.getThrottleRatePerSecond() == null ? 1.0 : d.getThrottleRatePerSecond(), now)) {
                reject(c, s, req, HttpResponseStatus.TOO_MANY_REQUESTS, "throttled", d, d.getSummary());
                return;
            }
        }
        if (d == null) {
            d = shadowDecision(s, now);
        }
        if (!s.opened) {
            s.opened = true;
            s.decision = d;
            ctx.emit().accept(event(ConnectionPhase.OPEN, s, now, host)
                    .setHttp(ConnectionEvents.http(req.method().name(), path, null,
                            req.headers().get(HttpHeaderNames.USER_AGENT)))
                    .setDecision(ConnectionEvents.ref(d)).build());
            ctx.sessions().register(c.channel(), entityKeys(s));
        }
        s.requests++;
        forward(c, route.get(), req);
    }

    /**
     * A bearer token wins when present (with the certificate's device when the token names none); otherwise the
     * verified client certificate; otherwise anonymous.
     */
    private Identity identify(ChannelHandlerContext c, ConnectionState s, String authorization) {
        if (s.tls == null) {
            SslHandler ssl = c.pipeline().get(SslHandler.class);
            if (ssl != null) {
                s.tls = CertificateIdentity.describe(ssl.engine().getSession());
                s.certificate = CertificateIdentity.from(ssl.engine().getSession());
            }
        }
        Identity token = ctx.jwt().authenticate(authorization);
        if (token.outcome() == io.zerotrust.avro.AuthResult.NOT_ATTEMPTED && s.certificate != null) {
            return s.certificate;
        }
        if (token.authenticated() && token.deviceId() == null && s.certificate != null
                && s.certificate.deviceId() != null) {
            return new Identity(token.user(), s.certificate.deviceId(), token.method(), token.outcome(), null,
                    token.issuer());
        }
        return token;
    }

    private EnforcementDecision shadowDecision(ConnectionState s, long now) {
        for (String key : new String[] {s.userKey(), s.deviceKey(), s.ipKey()}) {
            EnforcementDecision d = ctx.decisions().shadowFor(key, now);
            if (d != null) {
                return d;
            }
        }
        return null;
    }

    private void forward(ChannelHandlerContext c, Route route, FullHttpRequest req) {
        clientKeepAlive = HttpUtil.isKeepAlive(req);
        ConnectionState s = ConnectionState.of(c.channel());
        req.headers().add("X-Forwarded-For", s.srcIp);
        if (s.identity.user() != null) {
            req.headers().set("X-Authenticated-User", s.identity.user());
        } else {
            req.headers().remove("X-Authenticated-User");
        }
        HttpUtil.setKeepAlive(req, true);
        req.retain();
        if (backend != null && backend.isActive() && route.equals(backendRoute)) {
            writeToBackend(c, req);
            return;
        }
        releaseBackend();
        backendRoute = route;
        Channel frontend = c.channel();
        Channel pooled = UpstreamPool.acquire(route.upstream());
        if (pooled != null) {
            backend = pooled;
            pooled.pipeline().get(BackendHandler.class).bind(frontend, this);
            writeToBackend(c, req);
            return;
        }
        BackendHandler handler = new BackendHandler(route.upstream());
        handler.bind(frontend, this);
        ChannelFuture connect = new Bootstrap()
                .group(frontend.eventLoop())
                .channel(Transport.socketChannel())
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 5_000)
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(new HttpClientCodec(), new HttpObjectAggregator(ctx.maxRequestBytes()),
                                handler);
                    }
                })
                .connect(route.upstream().getHostString(), route.upstream().getPort());
        backend = connect.channel();
        connect.addListener((ChannelFutureListener) f -> {
            if (backend != f.channel()) {
                // the client left (or moved on) while this connection was being made
                req.release();
                f.channel().close();
            } else if (f.isSuccess()) {
                writeToBackend(c, req);
            } else {
                req.release();
                ctx.metrics().counter("gateway_upstream_errors_total", "route", route.name()).increment();
                ConnectionState.of(frontend).closeReason = "upstream_unreachable";
                respondAndClose(frontend, HttpResponseStatus.BAD_GATEWAY, "upstream_unreachable",
                        "the upstream service of this route does not answer", null);
            }
        });
    }

    /** Hands the current upstream connection back to the pool (or closes it if it cannot be reused). */
    private void releaseBackend() {
        if (backend != null) {
            BackendHandler handler = backend.pipeline().get(BackendHandler.class);
            if (handler != null && backend.isActive()) {
                handler.release(backend);
            } else {
                backend.close(); // still connecting, or already gone
            }
            backend = null;
        }
    }

    private void writeToBackend(ChannelHandlerContext c, FullHttpRequest req) {
        BackendHandler handler = backend.pipeline().get(BackendHandler.class);
        if (handler != null) {
            handler.requestSent();
        }
        backend.writeAndFlush(req).addListener((ChannelFutureListener) f -> {
            if (!f.isSuccess()) {
                ConnectionState.of(c.channel()).closeReason = "upstream_error";
                respondAndClose(c.channel(), HttpResponseStatus.BAD_GATEWAY, "upstream_error",
                        "the request could not be sent upstream", null);
            }
        });
    }

    /** Called by the backend with the upstream's response. */
    void onResponse(Channel frontend, FullHttpResponse response) {
        HttpUtil.setKeepAlive(response, clientKeepAlive);
        boolean keepAlive = clientKeepAlive;
        frontend.writeAndFlush(response).addListener((ChannelFutureListener) f -> {
            if (!f.isSuccess()) {
                ConnectionState.of(frontend).closeReason = "client_error";
                frontend.close();
            } else if (keepAlive) {
                frontend.read();
            } else {
                ConnectionState.of(frontend).closeReason = "client_closed";
                frontend.close();
            }
        });
    }

    /** Called by the backend when the upstream closed while a response was owed. */
    void onUpstreamLost(Channel frontend) {
        ConnectionState.of(frontend).closeReason = "upstream_closed";
        respondAndClose(frontend, HttpResponseStatus.BAD_GATEWAY, "upstream_closed",
                "the upstream service closed the connection", null);
    }

    private void reject(ChannelHandlerContext c, ConnectionState s, FullHttpRequest req, HttpResponseStatus status,
                        String reason, EnforcementDecision d, String message) {
        long now = ctx.clock().millis();
        ctx.metrics().counter("gateway_rejects_total", "reason", reason).increment();
        ConnectionEvent.Builder e = event(ConnectionPhase.REJECT, s, now, req.headers().get(HttpHeaderNames.HOST))
                .setRejectReason(reason)
                .setHttp(ConnectionEvents.http(req.method().name(), pathOf(req.uri()), status.code(),
                        req.headers().get(HttpHeaderNames.USER_AGENT)))
                .setDecision(ConnectionEvents.ref(d));
        ctx.emit().accept(e.build());
        s.closeReason = "rejected_" + reason;
        respondAndClose(c.channel(), status, reason, message, d);
    }

    private static void respondAndClose(Channel ch, HttpResponseStatus status, String reason, String message,
                                        EnforcementDecision d) {
        StringBuilder json = new StringBuilder("{\"error\":\"").append(reason).append('"');
        if (d != null) {
            json.append(",\"decision\":\"").append(escape(d.getDecisionId())).append('"');
        }
        if (message != null) {
            json.append(",\"message\":\"").append(escape(message)).append('"');
        }
        json.append("}\n");
        FullHttpResponse resp = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                Unpooled.copiedBuffer(json, StandardCharsets.UTF_8));
        resp.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)
                .setInt(HttpHeaderNames.CONTENT_LENGTH, resp.content().readableBytes())
                .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        if (d != null) {
            resp.headers().set("X-ZT-Decision", d.getDecisionId());
            if (d.getAction() == Action.STEP_UP) {
                resp.headers().set(HttpHeaderNames.WWW_AUTHENTICATE,
                        "Bearer error=\"insufficient_user_authentication\", zt_decision=\"" + d.getDecisionId() + "\"");
            }
        }
        if (status == HttpResponseStatus.TOO_MANY_REQUESTS) {
            resp.headers().set(HttpHeaderNames.RETRY_AFTER, "1");
        }
        ch.writeAndFlush(resp).addListener(ChannelFutureListener.CLOSE);
    }

    private static String escape(String s) {
        return s == null ? "" : s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", " ");
    }

    @Override
    public void channelInactive(ChannelHandlerContext c) {
        releaseBackend();
        ConnectionState s = ConnectionState.of(c.channel());
        if (s != null && s.owesClose()) {
            long now = ctx.clock().millis();
            ctx.emit().accept(s.close(c.channel(), event(ConnectionPhase.CLOSE, s, now, null), now, "client_closed"));
        }
        c.fireChannelInactive();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext c, Object evt) {
        if (evt instanceof SslHandshakeCompletionEvent hs && !hs.isSuccess()) {
            ConnectionState s = ConnectionState.of(c.channel());
            String why = hs.cause() == null ? "handshake failed" : String.valueOf(hs.cause().getMessage());
            ctx.metrics().counter("gateway_rejects_total", "reason", "tls_handshake_failed").increment();
            s.identity = Identity.failed(io.zerotrust.avro.AuthMethod.MTLS, "tls: " + (why.length() > 120
                    ? why.substring(0, 120) : why), null, null);
            ctx.emit().accept(event(ConnectionPhase.REJECT, s, ctx.clock().millis(), null)
                    .setRejectReason("tls_handshake_failed").build());
            c.close();
            return;
        }
        if (evt instanceof IdleStateEvent) {
            ConnectionState.closeBecause(c.channel(), "idle_timeout");
        } else {
            c.fireUserEventTriggered(evt);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext c, Throwable cause) {
        ConnectionState.closeBecause(c.channel(), "error");
    }

    private ConnectionEvent.Builder event(ConnectionPhase phase, ConnectionState s, long now, String host) {
        Route r = s.route;
        return ctx.events().base(phase, now, s.connectionId, s.srcIp, s.srcPort, s.identity,
                r == null ? null : r.service(), host, r == null ? null : r.upstream(), s.localPort,
                s.tls == null ? "http" : "https").setTls(s.tls);
    }

    private static List<String> entityKeys(ConnectionState s) {
        List<String> keys = new ArrayList<>(3);
        if (s.userKey() != null) {
            keys.add(s.userKey());
        }
        if (s.deviceKey() != null) {
            keys.add(s.deviceKey());
        }
        keys.add(s.ipKey());
        return keys;
    }

    private static String pathOf(String uri) {
        int q = uri.indexOf('?');
        return q >= 0 ? uri.substring(0, q) : uri;
    }
}
