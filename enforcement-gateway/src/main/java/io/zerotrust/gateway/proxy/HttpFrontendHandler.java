package io.zerotrust.gateway.proxy;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.ReferenceCountUtil;
import io.zerotrust.avro.Action;
import io.zerotrust.avro.ConnectionEvent;
import io.zerotrust.avro.ConnectionPhase;
import io.zerotrust.avro.EnforcementDecision;
import io.zerotrust.gateway.events.ConnectionEvents;
import io.zerotrust.gateway.identity.CertificateIdentity;
import io.zerotrust.gateway.identity.Identity;
import io.zerotrust.gateway.routing.Route;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The client side of an HTTP connection through the gateway. For each request it chooses the route (deny by
 * default), establishes the identity, applies the most severe live decision of the user, device and source IP, and
 * either answers the refusal itself or forwards the request to the route's upstream over a keep-alive backend
 * connection opened on this connection's event loop.
 *
 * <p>Messages stream: request and response bodies are passed on piece by piece as they arrive, never gathered in
 * memory, so a download or upload of any size costs a few buffers. Each side pushes back on the other: reading from
 * the client pauses while the upstream connection cannot take more (and while it connects), and reading from the
 * upstream pauses while the client cannot. One request is in flight at a time: a request that arrives while the
 * previous response is still owed (a pipelining client) waits in a short queue and reading pauses until that
 * response was written. Reading is otherwise left on, which spares two {@code epoll_ctl} calls per request compared
 * with asking for each read by hand.
 *
 * <p>Events: OPEN at the first forwarded request, CLOSE when the connection ends (bytes, duration, requests, reason),
 * REJECT for each refusal.
 */
final class HttpFrontendHandler extends ChannelInboundHandlerAdapter {

    private static final String X_FORWARDED_FOR = "X-Forwarded-For";

    private final ProxyContext ctx;
    private ChannelHandlerContext self;
    private Channel backend;
    private BackendHandler backendHandler;
    private Route backendRoute;
    /** What was forwarded while the backend connection was still being made; null when none is being made. */
    private List<ByteBuf> connecting;
    /** The current request's body is sent chunked (its own chunking was decoded, so it is framed again). */
    private boolean chunkedBody;
    private boolean clientKeepAlive;
    /** The current request's head was forwarded and its body is still arriving. */
    private boolean requestOpen;
    /** A forwarded request's response has not been completely written to the client yet. */
    private boolean responseOwed;
    /** The head of the owed response was written (a failure from now on can only close the connection). */
    private boolean responseStarted;
    /**
     * The current request when it went out on a reused upstream connection and may be sent once more on a new one:
     * complete, without a body, and idempotent. A kept-alive connection that the upstream closes as idle just as it
     * is taken is closed before any answer; this request then goes out again instead of failing with a 502 (what
     * HTTP clients and proxies do for idempotent requests, RFC 9110 section 9.2.2). Null otherwise.
     */
    private HttpRequest retryable;
    /** Whether the client connection stays open after the current response. */
    private boolean responseKeepAlive;
    /** The current request was refused: its body is dropped while the refusal closes the connection. */
    private boolean discarding;
    private long requestBodyBytes;
    /** Pieces of a request were written to the backend and not flushed yet. */
    private boolean pendingBackendFlush;
    /** What arrived while a response was owed, in order; reading is paused while anything waits. */
    private final ArrayDeque<HttpObject> waiting = new ArrayDeque<>(2);

    HttpFrontendHandler(ProxyContext context) {
        this.ctx = context;
    }

    @Override
    public void channelActive(ChannelHandlerContext c) {
        self = c;
        c.channel().attr(ConnectionState.KEY).set(new ConnectionState(c.channel(), ctx.clock().millis()));
        c.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext c, Object msg) {
        if (!(msg instanceof HttpObject o)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (!waiting.isEmpty() || (responseOwed && o instanceof HttpRequest)) {
            waiting.add(o);
            updateReading();
            return;
        }
        process(c, o);
    }

    private void process(ChannelHandlerContext c, HttpObject o) {
        if (o instanceof HttpRequest req) {
            // a request head, possibly with its whole body (then forward() passes both on)
            discarding = !onRequest(c, req);
            if (discarding) {
                ReferenceCountUtil.release(o);
            }
            return;
        }
        HttpContent content = (HttpContent) o;
        if (discarding || !requestOpen) {
            content.release();
            return;
        }
        if (!content.decoderResult().isSuccess()) {
            content.release();
            discarding = true;
            requestOpen = false;
            ctx.metrics().counter("gateway_rejects_total", "reason", "bad_request").increment();
            ConnectionState.closeBecause(c.channel(), "bad_request");
            return;
        }
        requestBodyBytes += content.content().readableBytes();
        if (requestBodyBytes > ctx.maxRequestBytes()) {
            content.release();
            ctx.metrics().counter("gateway_rejects_total", "reason", "request_too_large").increment();
            discarding = true;
            requestOpen = false;
            ConnectionState.closeBecause(c.channel(), "request_too_large");
            return;
        }
        boolean last = content instanceof LastHttpContent;
        if (last) {
            requestOpen = false;
        }
        if (content.content().isReadable()) {
            retryable = null;
        }
        toBackend(content, last);
    }

    /** What arrived while the previous response was owed, once it was written; reading resumes when none waits. */
    private void next(ChannelHandlerContext c) {
        while (!waiting.isEmpty() && c.channel().isActive()) {
            if (responseOwed && waiting.peek() instanceof HttpRequest) {
                break; // the next request waits for this one's response
            }
            process(c, waiting.poll());
        }
        updateReading();
    }

    /** Reads from the client while nothing waits, no backend connection is being made and the backend can take more. */
    private void updateReading() {
        boolean read = waiting.isEmpty() && connecting == null && (backend == null || backend.isWritable());
        if (self.channel().config().isAutoRead() != read) {
            self.channel().config().setAutoRead(read);
        }
    }

    /** Called by the backend when its connection can take more again, or cannot. */
    void onBackendWritabilityChanged() {
        updateReading();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext c) {
        if (backend != null) {
            backend.config().setAutoRead(c.channel().isWritable());
        }
        c.fireChannelWritabilityChanged();
    }

    /** Decides on a request's head; true when it was forwarded (false: refused, the connection is closing). */
    private boolean onRequest(ChannelHandlerContext c, HttpRequest req) {
        ConnectionState s = ConnectionState.of(c.channel());
        long now = ctx.clock().millis();
        if (!req.decoderResult().isSuccess()) {
            reject(c, s, req, HttpResponseStatus.BAD_REQUEST, "bad_request", null, "the request is not valid HTTP");
            return false;
        }
        if (!settleClient(c, s, req)) {
            return false;
        }
        String host = req.headers().get(HttpHeaderNames.HOST);
        String path = pathOf(req.uri());
        Optional<Route> route = ctx.routes().match(host, path);
        if (route.isEmpty()) {
            reject(c, s, req, HttpResponseStatus.FORBIDDEN, "no_route", null, "no route for this host and path");
            return false;
        }
        if (!s.opened) {
            s.route = route.get(); // so that a refusal names the service that was asked for
        }
        Identity identity = identify(c, s, req.headers().get(HttpHeaderNames.AUTHORIZATION));
        if (s.opened && !Objects.equals(identity.user(), s.identity.user())) {
            reject(c, s, req, HttpResponseStatus.UNAUTHORIZED, "identity_changed", null,
                    "a connection carries one identity; open a new connection for another");
            return false;
        }
        s.identity = identity;
        if (identity.outcome() == io.zerotrust.avro.AuthResult.FAILURE) {
            reject(c, s, req, HttpResponseStatus.UNAUTHORIZED, "auth_failed", null,
                    "invalid credentials: " + identity.failureReason());
            return false;
        }
        if (!identity.authenticated() && route.get().requireAuth()) {
            reject(c, s, req, HttpResponseStatus.UNAUTHORIZED, "missing_credentials", null,
                    "this route needs a bearer token");
            return false;
        }
        if (route.get().failClosed() && ctx.stale()) {
            reject(c, s, req, HttpResponseStatus.SERVICE_UNAVAILABLE, "stale_decisions", null,
                    "enforcement decisions are out of date; try again shortly");
            return false;
        }
        EnforcementDecision d = ctx.decisions().strongest(now, s.userKey(), s.deviceKey(), s.ipKey());
        if (d != null) {
            if (d.getAction() == Action.BLOCK) {
                reject(c, s, req, HttpResponseStatus.FORBIDDEN, "blocked", d, d.getSummary());
                return false;
            }
            if (d.getAction() == Action.STEP_UP) {
                reject(c, s, req, HttpResponseStatus.UNAUTHORIZED, "step_up_required", d, d.getSummary());
                return false;
            }
            if (d.getAction() == Action.THROTTLE && !ctx.throttle().tryAcquire(d.getEntity(),
                    d.getThrottleRatePerSecond() == null ? 1.0 : d.getThrottleRatePerSecond(), now)) {
                reject(c, s, req, HttpResponseStatus.TOO_MANY_REQUESTS, "throttled", d, d.getSummary());
                return false;
            }
        }
        if (HttpUtil.getContentLength(req, 0L) > ctx.maxRequestBytes()) {
            reject(c, s, req, HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, "request_too_large", d,
                    "the request body is larger than " + ctx.maxRequestBytes() + " bytes");
            return false;
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
        responseOwed = true;
        responseStarted = false;
        requestOpen = true;
        requestBodyBytes = 0;
        forward(c, route.get(), req);
        return true;
    }

    /**
     * Settles who the client is before anything is judged or recorded: a trusted proxy may name it in the first
     * request's {@code X-Forwarded-For}; a later request naming another client is refused (a connection carries one
     * client, as it carries one identity). False when the request was refused.
     */
    private boolean settleClient(ChannelHandlerContext c, ConnectionState s, HttpRequest req) {
        if (ctx.forwardedFor().isEmpty()) {
            return true;
        }
        String client;
        try {
            client = ctx.forwardedFor().client(s.peerIp, req.headers().getAll(X_FORWARDED_FOR));
        } catch (IllegalArgumentException e) {
            reject(c, s, req, HttpResponseStatus.BAD_REQUEST, "bad_forwarded_for", null, e.getMessage());
            return false;
        }
        if (!s.clientSettled) {
            s.peerTrusted = ctx.forwardedFor().trusts(s.peerIp);
            s.settleClient(client);
        } else if (!client.equals(s.srcIp)) {
            reject(c, s, req, HttpResponseStatus.BAD_REQUEST, "client_changed", null,
                    "a connection carries one client; open a new connection for another");
            return false;
        }
        return true;
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
        EnforcementDecision d = ctx.decisions().shadowFor(s.userKey(), now);
        if (d == null) {
            d = ctx.decisions().shadowFor(s.deviceKey(), now);
        }
        return d != null ? d : ctx.decisions().shadowFor(s.ipKey(), now);
    }

    private void forward(ChannelHandlerContext c, Route route, HttpRequest req) {
        clientKeepAlive = HttpUtil.isKeepAlive(req);
        ConnectionState s = ConnectionState.of(c.channel());
        if (s.peerTrusted) {
            req.headers().add(X_FORWARDED_FOR, s.peerIp); // the proxies' list, then the proxy itself
        } else {
            req.headers().set(X_FORWARDED_FOR, s.peerIp); // whatever the client claimed is not passed on
        }
        if (s.identity.user() != null) {
            req.headers().set("X-Authenticated-User", s.identity.user());
        } else {
            req.headers().remove("X-Authenticated-User");
        }
        HttpUtil.setKeepAlive(req, true);
        boolean last = req instanceof LastHttpContent;
        if (last) {
            requestOpen = false;
        }
        retryable = retryable(req);
        if (backend != null && backend.isActive() && backendHandler.reusable() && route.equals(backendRoute)) {
            toBackend(req, last);
            return;
        }
        releaseBackend(false); // its last request was complete: this one begins only after it
        backendRoute = route;
        Channel pooled = UpstreamPool.acquire(route.upstream());
        if (pooled != null) {
            backend = pooled;
            backendHandler = pooled.pipeline().get(BackendHandler.class);
            backendHandler.bind(c.channel(), this);
            toBackend(req, last);
            return;
        }
        retryable = null; // a new connection: a close before the answer is the upstream's own
        connect(route, req, last);
    }

    /** {@code req} when it may be sent again (its body, if any follows, must be empty too), else null. */
    private static HttpRequest retryable(HttpRequest req) {
        HttpMethod m = req.method();
        boolean idempotent = HttpMethod.GET.equals(m) || HttpMethod.HEAD.equals(m) || HttpMethod.OPTIONS.equals(m);
        boolean bodyless = !(req instanceof HttpContent content) || !content.content().isReadable();
        return idempotent && bodyless ? req : null;
    }

    /** Opens a new connection to the route's upstream and sends {@code req} on it (held until it is connected). */
    private void connect(Route route, HttpObject req, boolean last) {
        Channel frontend = self.channel();
        BackendHandler handler = new BackendHandler(route.upstream());
        handler.bind(frontend, this);
        backendHandler = handler;
        ChannelFuture connect = new Bootstrap()
                .group(frontend.eventLoop())
                .channel(Transport.socketChannel())
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 5_000)
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(handler);
                    }
                })
                .connect(route.upstream().getHostString(), route.upstream().getPort());
        backend = connect.channel();
        List<ByteBuf> held = new ArrayList<>(3);
        connecting = held;
        updateReading();
        toBackend(req, last);
        connect.addListener((ChannelFutureListener) f -> {
            if (connecting == held) {
                connecting = null;
            }
            if (backend != f.channel()) {
                // the client left (or moved on) while this connection was being made
                held.forEach(ReferenceCountUtil::release);
                f.channel().close();
            } else if (f.isSuccess()) {
                for (ByteBuf o : held) {
                    backend.write(o, backend.voidPromise());
                }
                backend.flush();
                updateReading();
            } else {
                held.forEach(ReferenceCountUtil::release);
                ctx.metrics().counter("gateway_upstream_errors_total", "route", route.name()).increment();
                ConnectionState.of(frontend).closeReason = "upstream_unreachable";
                respondAndClose(frontend, HttpResponseStatus.BAD_GATEWAY, "upstream_unreachable",
                        "the upstream service of this route does not answer", null);
            }
        });
    }

    /**
     * Passes a piece of the request on: held while the backend connection is being made, else written (and
     * flushed at the end of the request, or when the client's read is complete). A write that fails closes the
     * backend connection, which answers the client through {@link #onUpstreamLost}.
     */
    private void toBackend(HttpObject o, boolean last) {
        if (o instanceof HttpRequest req) {
            backendHandler.requestSent(HttpMethod.HEAD.equals(req.method()));
            chunkedBody = HttpUtil.isTransferEncodingChunked(req);
            send(RequestEncoding.head(backend.alloc(), req));
        }
        if (o instanceof HttpContent content) {
            ByteBuf data = content.content();
            if (!chunkedBody) {
                send(data);
            } else {
                if (data.isReadable()) {
                    send(RequestEncoding.chunkSize(backend.alloc(), data.readableBytes()));
                    send(data);
                    send(RequestEncoding.crlf());
                } else {
                    data.release();
                }
                if (last) {
                    send(RequestEncoding.lastChunk(backend.alloc(), (LastHttpContent) content));
                }
            }
        }
        if (connecting != null) {
            return;
        }
        if (last) {
            backend.flush();
        } else {
            pendingBackendFlush = true;
        }
        if (!backend.isWritable()) {
            updateReading();
        }
    }

    /** Writes bytes to the backend, or holds them while its connection is being made. */
    private void send(ByteBuf bytes) {
        if (connecting != null) {
            connecting.add(bytes);
        } else {
            backend.write(bytes, backend.voidPromise());
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext c) {
        if (pendingBackendFlush && backend != null && connecting == null) {
            pendingBackendFlush = false;
            backend.flush();
        }
        c.fireChannelReadComplete();
    }

    /**
     * Hands the current upstream connection back to the pool, or closes it when it cannot be reused: still
     * connecting, gone, or in the middle of a request whose body did not arrive completely.
     */
    private void releaseBackend() {
        releaseBackend(requestOpen);
    }

    /** As {@link #releaseBackend()}; {@code midRequest}: the request last written to it is incomplete. */
    private void releaseBackend(boolean midRequest) {
        if (backend != null) {
            if (backend.isActive() && connecting == null && !midRequest) {
                backendHandler.release(backend);
            } else {
                backend.close(); // still connecting, already gone, or owed the rest of a request body
            }
            backend = null;
            backendHandler = null;
        }
    }

    /**
     * Called by the backend with the head of the upstream's response, as the upstream sent it. The client
     * connection stays open after the response when the client wants it and the response's end can be told, whatever
     * the upstream does with its own connection; the head is rewritten only when its {@code Connection} header would
     * say otherwise ({@code close} added, or the upstream's {@code close} removed).
     */
    void onResponseHead(Channel frontend, ByteBuf head, int status, boolean upstreamCloses, boolean delimited,
                        boolean interim, boolean last) {
        if (!interim) {
            responseKeepAlive = clientKeepAlive && delimited;
            responseStarted = true;
            if (!responseKeepAlive && !upstreamCloses) {
                head = ResponseFramer.withConnectionClose(frontend.alloc(), head);
            } else if (responseKeepAlive && upstreamCloses) {
                // the upstream closes its own connection (e.g. after its N-th request); the client's stays open and
                // the next request gets another upstream connection
                head = ResponseFramer.withoutConnectionHeaders(frontend.alloc(), head);
            }
        }
        onResponse(frontend, head, last);
    }

    /**
     * Called by the backend with each piece of the upstream's response, framing included; {@code last} ends the
     * response (an interim 1xx response does not). The last piece is flushed and, once written, lets the next
     * request through.
     */
    void onResponse(Channel frontend, ByteBuf part, boolean last) {
        if (!last) {
            frontend.write(part, frontend.voidPromise());
            if (!frontend.isWritable() && backend != null) {
                backend.config().setAutoRead(false);
            }
            return;
        }
        boolean keepAlive = responseKeepAlive;
        ChannelFuture written = frontend.writeAndFlush(part);
        if (!requestOpen) {
            // the upstream connection is done with this request: back to the pool at once (the next request of this
            // client most likely takes it again), so that no client holds an idle upstream connection and a client
            // connection that is closing does not keep one from the next client on this event loop
            releaseBackend(false);
        }
        written.addListener((ChannelFutureListener) f -> {
            if (!f.isSuccess()) {
                ConnectionState.closeBecause(frontend, "client_error");
            } else if (keepAlive) {
                responseOwed = false;
                next(self);
            } else {
                ConnectionState.closeBecause(frontend, "client_closed");
            }
        });
    }

    /**
     * Called by the backend when the upstream closed while a response was owed ({@code upstream_closed}), or sent
     * bytes that are not a valid response ({@code upstream_bad_response}).
     */
    void onUpstreamLost(Channel frontend, String reason, String message) {
        if ("upstream_closed".equals(reason) && retryable != null && !requestOpen && !responseStarted
                && backendRoute != null) {
            HttpRequest req = retryable;
            retryable = null;
            ctx.metrics().counter("gateway_upstream_retries_total", "route", backendRoute.name()).increment();
            backend = null; // closed; its handler goes with it
            backendHandler = null;
            connect(backendRoute, new DefaultFullHttpRequest(req.protocolVersion(), req.method(), req.uri(),
                    Unpooled.EMPTY_BUFFER, req.headers(), EmptyHttpHeaders.INSTANCE), true);
            return;
        }
        if (!"upstream_closed".equals(reason) && backendRoute != null) {
            ctx.metrics().counter("gateway_upstream_errors_total", "route", backendRoute.name()).increment();
        }
        if (responseStarted) {
            ConnectionState.closeBecause(frontend, reason); // too late for an error response
            return;
        }
        ConnectionState.of(frontend).closeReason = reason;
        respondAndClose(frontend, HttpResponseStatus.BAD_GATEWAY, reason, message, null);
    }

    private void reject(ChannelHandlerContext c, ConnectionState s, HttpRequest req, HttpResponseStatus status,
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
        byte[] body = json.toString().getBytes(StandardCharsets.UTF_8);
        StringBuilder head = new StringBuilder(256).append("HTTP/1.1 ").append(status)
                .append("\r\nContent-Type: application/json\r\nContent-Length: ").append(body.length)
                .append("\r\nConnection: close\r\n");
        if (d != null) {
            head.append("X-ZT-Decision: ").append(headerValue(d.getDecisionId())).append("\r\n");
            if (d.getAction() == Action.STEP_UP) {
                head.append("WWW-Authenticate: Bearer error=\"insufficient_user_authentication\", zt_decision=\"")
                        .append(headerValue(d.getDecisionId())).append("\"\r\n");
            }
        }
        if (status == HttpResponseStatus.TOO_MANY_REQUESTS) {
            head.append("Retry-After: 1\r\n");
        }
        head.append("\r\n");
        ByteBuf bytes = ch.alloc().buffer(head.length() + body.length);
        bytes.writeCharSequence(head, StandardCharsets.ISO_8859_1);
        bytes.writeBytes(body);
        ch.writeAndFlush(bytes).addListener(ChannelFutureListener.CLOSE);
    }

    /** A decision id as a header value: control characters (which would end the header) become spaces. */
    private static String headerValue(String s) {
        return s == null ? "" : s.replaceAll("[\\x00-\\x1f\\x7f]", " ");
    }

    private static String escape(String s) {
        return s == null ? "" : s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", " ");
    }

    @Override
    public void channelInactive(ChannelHandlerContext c) {
        for (HttpObject o; (o = waiting.poll()) != null; ) {
            ReferenceCountUtil.release(o);
        }
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
        c.fireUserEventTriggered(evt);
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
