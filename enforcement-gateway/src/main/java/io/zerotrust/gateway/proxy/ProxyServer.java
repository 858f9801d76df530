package io.zerotrust.gateway.proxy;

import io.micrometer.core.instrument.Counter;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.unix.UnixChannelOption;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.ssl.SslContext;
import io.zerotrust.gateway.routing.Route;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
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

    /** NIO only: the loop that accepts and hands connections to the workers. */
    private static final boolean PER_LOOP = Transport.isNative() && !Boolean.getBoolean("zt.gateway.singleAcceptor");
    private final EventLoopGroup boss = PER_LOOP ? null
            : new MultiThreadIoEventLoopGroup(1, Transport.ioHandlers());
    private final EventLoopGroup workers = new MultiThreadIoEventLoopGroup(Transport.ioHandlers());
    /** Each listener's sockets, by configuration key: one per event loop with io_uring or epoll, one with NIO. */
    private final Map<String, List<Channel>> listeners = new LinkedHashMap<>();
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
     *
     * <p>With a native transport (io_uring, epoll) every event loop accepts on its own socket bound to the same
     * address ({@code SO_REUSEPORT}; the kernel spreads new connections over them), and serves what it accepted: no
     * acceptor thread hands each connection to another thread, which cost a thread wake-up per connection. With NIO
     * one acceptor loop hands connections to the workers.
     */
    private void bind(String key, InetSocketAddress address, Function<SocketChannel, ChannelHandler[]> handlers,
                      boolean autoRead, ProxyContext context) {
        ChannelInitializer<SocketChannel> init = new ChannelInitializer<>() {
            @Override
            protected void initChannel(SocketChannel ch) {
                accepted.increment();
                ch.pipeline().addLast(new ByteCounter(idle));
                ch.pipeline().addLast(handlers.apply(ch));
            }
        };
        List<Channel> bound = new ArrayList<>();
        listeners.put(key, bound);
        int port = address.getPort();
        List<EventLoopGroup> acceptors = new ArrayList<>();
        if (PER_LOOP) {
            workers.forEach(loop -> acceptors.add((EventLoop) loop));
        } else {
            acceptors.add(boss);
        }
        if (PER_LOOP && port != 0) {
            refuseIfTaken(key, address); // SO_REUSEPORT would otherwise share the port with another gateway
        }
        for (EventLoopGroup acceptor : acceptors) {
            ServerBootstrap b = new ServerBootstrap()
                    .group(acceptor, PER_LOOP ? acceptor : workers)
                    .channel(Transport.serverChannel())
                    .option(ChannelOption.SO_BACKLOG, 1024)
                    .childOption(ChannelOption.AUTO_READ, autoRead)
                    .childHandler(init);
            if (PER_LOOP) {
                b.option(UnixChannelOption.SO_REUSEPORT, true); // both native transports set TCP_NODELAY on children
            } else {
                b.childOption(ChannelOption.TCP_NODELAY, true);
            }
            try {
                Channel ch = b.bind(address.getHostString(), port).sync().channel();
                bound.add(ch);
                port = ((InetSocketAddress) ch.localAddress()).getPort(); // port 0: the others take the same one
            } catch (Exception e) {
                throw new IllegalStateException("cannot listen on " + address.getHostString() + ":" + port
                        + " (" + key + "): " + e.getMessage(), e);
            }
        }
    }

    private static void refuseIfTaken(String key, InetSocketAddress address) {
        try (ServerSocket probe = new ServerSocket()) {
            probe.setReuseAddress(true);
            probe.bind(new InetSocketAddress(address.getHostString(), address.getPort()));
        } catch (IOException e) {
            throw new IllegalStateException("cannot listen on " + address.getHostString() + ":" + address.getPort()
                    + " (" + key + "): " + e.getMessage() + " (is another process, or another gateway, on it?)", e);
        }
    }

    /** The socket transport in use: io_uring, epoll or nio. */
    public String transport() {
        return Transport.label();
    }

    /** The port a listener is bound to, by its configuration key ({@code http.listen}, {@code tcp[0].listen}). */
    public int port(String key) {
        List<Channel> channels = listeners.get(key);
        if (channels == null || channels.isEmpty()) {
            throw new IllegalArgumentException("no listener " + key + "; listeners: " + listeners.keySet());
        }
        return ((InetSocketAddress) channels.get(0).localAddress()).getPort();
    }

    @Override
    public void close() {
        listeners.values().forEach(channels -> channels.forEach(ch -> ch.close().syncUninterruptibly()));
        if (boss != null) {
            boss.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        }
        workers.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
