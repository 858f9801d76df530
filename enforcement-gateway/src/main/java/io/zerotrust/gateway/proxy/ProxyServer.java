package io.zerotrust.gateway.proxy;

import io.micrometer.core.instrument.Counter;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.ssl.SslContext;
import io.zerotrust.gateway.routing.Route;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * The gateway's listeners: the HTTP proxy ({@link HttpFrontendHandler}, optionally behind TLS with client
 * certificates) and each TCP pass-through listener
 * ({@link TcpFrontendHandler}), on one set of event loops. Backend connections run on their client's event loop.
 */
public final class ProxyServer implements AutoCloseable {

    /** A TCP pass-through listener: connections to {@code listen} are relayed to {@code route.upstream()}. */
    public record TcpListener(String configKey, InetSocketAddress listen, Route route) {
    }

    private final EventLoopGroup boss = new MultiThreadIoEventLoopGroup(1, Transport.ioHandlers());
    private final EventLoopGroup workers = new MultiThreadIoEventLoopGroup(Transport.ioHandlers());
    private final Map<String, Channel> listeners = new LinkedHashMap<>();
    private final IdleSweeper idle;
    private final Counter accepted;

    private ProxyServer(ProxyContext context) {
        this.idle = new IdleSweeper(context.idleTimeout());
        this.accepted = context.metrics().counter("gateway_connections_accepted_total");
    }

    /** Binds every listener; fails naming the configuration key of the address that cannot be bound. */
    public static ProxyServer start(ProxyContext context, InetSocketAddress http, SslContext httpTls,
                                    List<TcpListener> tcp) {
        ProxyServer server = new ProxyServer(context);
        try {
            server.bind("http.listen", http, ch -> httpTls == null
                    ? new ChannelHandler[] {new HttpRequestDecoder(), new HttpFrontendHandler(context)}
                    : new ChannelHandler[] {httpTls.newHandler(ch.alloc()), new HttpRequestDecoder(),
                        new HttpFrontendHandler(context)},
                    true, context);
            for (TcpListener l : tcp) {
                server.bind(l.configKey(), l.listen(), ch -> new ChannelHandler[] {
                    new TcpFrontendHandler(context, l.route())}, false, context);
            }
            return server;
        } catch (RuntimeException e) {
            server.close();
            throw e;
        }
    }

    /**
     * Binds one listener. {@code autoRead}: whether Netty reads whenever data arrives (HTTP, which pauses reading
     * itself while a request waits) or only when the handler asks (TCP relays, so each side pushes back on the
     * other).
     */
    private void bind(String key, InetSocketAddress address, Function<SocketChannel, ChannelHandler[]> handlers,
                      boolean autoRead, ProxyContext context) {
        ServerBootstrap b = new ServerBootstrap()
                .group(boss, workers)
                .channel(Transport.serverChannel())
                .option(ChannelOption.SO_BACKLOG, 1024)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.AUTO_READ, autoRead)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        accepted.increment();
                        ch.pipeline().addLast(new ByteCounter(idle));
                        ch.pipeline().addLast(handlers.apply(ch));
                    }
                });
        try {
            listeners.put(key, b.bind(address.getHostString(), address.getPort()).sync().channel());
        } catch (Exception e) {
            throw new IllegalStateException("cannot listen on " + address.getHostString() + ":" + address.getPort()
                    + " (" + key + "): " + e.getMessage(), e);
        }
    }

    /** The socket transport in use: epoll or nio. */
    public String transport() {
        return Transport.name();
    }

    /** The port a listener is bound to, by its configuration key ({@code http.listen}, {@code tcp[0].listen}). */
    public int port(String key) {
        Channel ch = listeners.get(key);
        if (ch == null) {
            throw new IllegalArgumentException("no listener " + key + "; listeners: " + listeners.keySet());
        }
        return ((InetSocketAddress) ch.localAddress()).getPort();
    }

    @Override
    public void close() {
        List<Channel> all = new ArrayList<>(listeners.values());
        all.forEach(ch -> ch.close().syncUninterruptibly());
        boss.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        workers.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
