package io.zerotrust.gateway.proxy;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.zerotrust.avro.Action;
import io.zerotrust.avro.ConnectionPhase;
import io.zerotrust.avro.EnforcementDecision;
import io.zerotrust.gateway.events.ConnectionEvents;
import io.zerotrust.gateway.routing.Route;
import java.util.List;

/**
 * The client side of a TCP pass-through connection (SSH, a database, ...). The only identity is the source address,
 * so the decisions of {@code ip:<source>} apply: BLOCK and STEP_UP refuse the connection (a TCP client cannot answer
 * a challenge), THROTTLE limits new connections per second. An accepted connection is relayed byte for byte to the
 * upstream, reading from each side only after the other side took the previous bytes (back-pressure).
 */
final class TcpFrontendHandler extends ChannelInboundHandlerAdapter {

    private final ProxyContext ctx;
    private final Route route;
    private Channel backend;

    TcpFrontendHandler(ProxyContext context, Route route) {
        this.ctx = context;
        this.route = route;
    }

    @Override
    public void channelActive(ChannelHandlerContext c) {
        Channel frontend = c.channel();
        ConnectionState s = new ConnectionState(frontend, ctx.clock().millis());
        s.route = route;
        frontend.attr(ConnectionState.KEY).set(s);
        long now = ctx.clock().millis();
        if (route.failClosed() && ctx.stale()) {
            refuse(frontend, s, "stale_decisions", null);
            return;
        }
        EnforcementDecision d = ctx.decisions().strongest(now, null, null, s.ipKey());
        if (d != null && (d.getAction() == Action.BLOCK || d.getAction() == Action.STEP_UP)) {
            refuse(frontend, s, d.getAction() == Action.BLOCK ? "blocked" : "step_up_required", d);
            return;
        }
        if (d != null && d.getAction() == Action.THROTTLE && !ctx.throttle().tryAcquire(d.getEntity(),
                d.getThrottleRatePerSecond() == null ? 1.0 : d.getThrottleRatePerSecond(), now)) {
            refuse(frontend, s, "throttled", d);
            return;
        }
        s.decision = d != null ? d : ctx.decisions().shadowFor(s.ipKey(), now);
        ChannelFuture connect = new Bootstrap()
                .group(frontend.eventLoop())
                .channel(Transport.socketChannel())
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 5_000)
                .option(ChannelOption.AUTO_READ, false)
                .handler(new TcpBackendHandler(frontend))
                .connect(route.upstream().getHostString(), route.upstream().getPort());
        backend = connect.channel();
        connect.addListener((ChannelFutureListener) f -> {
            if (f.isSuccess()) {
                s.opened = true;
                ctx.emit().accept(event(ConnectionPhase.OPEN, s, ctx.clock().millis())
                        .setDecision(ConnectionEvents.ref(s.decision)).build());
                ctx.sessions().register(frontend, List.of(s.ipKey()));
                frontend.read();
                backend.read();
            } else {
                ctx.metrics().counter("gateway_upstream_errors_total", "route", route.name()).increment();
                refuse(frontend, s, "upstream_unreachable", null);
            }
        });
    }

    @Override
    public void channelRead(ChannelHandlerContext c, Object msg) {
        if (backend != null && backend.isActive()) {
            backend.writeAndFlush(msg).addListener((ChannelFutureListener) f -> {
                if (f.isSuccess()) {
                    c.channel().read();
                } else {
                    ConnectionState.of(c.channel()).closeReason = "upstream_error";
                    f.channel().close();
                    c.channel().close();
                }
            });
        } else {
            io.netty.util.ReferenceCountUtil.release(msg);
        }
    }

    private void refuse(Channel frontend, ConnectionState s, String reason, EnforcementDecision d) {
        ctx.metrics().counter("gateway_rejects_total", "reason", reason).increment();
        ctx.emit().accept(event(ConnectionPhase.REJECT, s, ctx.clock().millis()).setRejectReason(reason)
                .setDecision(ConnectionEvents.ref(d)).build());
        frontend.close();
    }

    @Override
    public void channelInactive(ChannelHandlerContext c) {
        if (backend != null) {
            backend.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        }
        ConnectionState s = ConnectionState.of(c.channel());
        if (s != null && s.owesClose()) {
            long now = ctx.clock().millis();
            ctx.emit().accept(s.close(c.channel(), event(ConnectionPhase.CLOSE, s, now), now, "closed"));
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext c, Throwable cause) {
        ConnectionState.closeBecause(c.channel(), "error");
    }

    private io.zerotrust.avro.ConnectionEvent.Builder event(ConnectionPhase phase, ConnectionState s, long now) {
        return ctx.events().base(phase, now, s.connectionId, s.srcIp, s.srcPort, s.identity, route.service(), null,
                route.upstream(), s.localPort, "tcp");
    }

    /** The upstream side: relays to the client with the same back-pressure, and closes the client when it ends. */
    private static final class TcpBackendHandler extends ChannelInboundHandlerAdapter {
        private final Channel frontend;

        TcpBackendHandler(Channel frontend) {
            this.frontend = frontend;
        }

        @Override
        public void channelRead(ChannelHandlerContext c, Object msg) {
            frontend.writeAndFlush(msg).addListener((ChannelFutureListener) f -> {
                if (f.isSuccess()) {
                    c.channel().read();
                } else {
                    c.channel().close();
                }
            });
        }

        @Override
        public void channelInactive(ChannelHandlerContext c) {
            if (frontend.isActive()) {
                ConnectionState s = ConnectionState.of(frontend);
                if (s.closeReason == null) {
                    s.closeReason = "upstream_closed";
                }
                frontend.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext c, Throwable cause) {
            c.close();
        }
    }
}
