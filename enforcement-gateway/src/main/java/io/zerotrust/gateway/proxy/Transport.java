package io.zerotrust.gateway.proxy;

import io.netty.channel.IoHandlerFactory;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringServerSocketChannel;
import io.netty.channel.uring.IoUringSocketChannel;

/**
 * The socket transport of the gateway. One choice for the whole process, since backend connections must use the
 * same kind of event loop as the client connections they serve.
 */
enum Transport {
    IO_URING, EPOLL, NIO;

    static final Transport CURRENT = choose(System.getProperty("zt.gateway.transport", "io_uring"));

    private static Transport choose(String wanted) {
        if (Boolean.getBoolean("zt.gateway.nio")) {
            return NIO;
        }
        return switch (wanted) {
            case "io_uring" -> IoUring.isAvailable() ? IO_URING : Epoll.isAvailable() ? EPOLL : NIO;
            case "epoll" -> Epoll.isAvailable() ? EPOLL : NIO;
            default -> NIO;
        };
    }

    /** Whether the transport is Linux-native (SO_REUSEPORT, TCP_NODELAY by default). */
    static boolean isNative() {
        return CURRENT != NIO;
    }

    static IoHandlerFactory ioHandlers() {
        return switch (CURRENT) {
            case IO_URING -> IoUringIoHandler.newFactory();
            case EPOLL -> EpollIoHandler.newFactory();
            case NIO -> NioIoHandler.newFactory();
        };
    }

    static Class<? extends ServerChannel> serverChannel() {
        return switch (CURRENT) {
            case IO_URING -> IoUringServerSocketChannel.class;
            case EPOLL -> EpollServerSocketChannel.class;
            case NIO -> NioServerSocketChannel.class;
        };
    }

    static Class<? extends SocketChannel> socketChannel() {
        return switch (CURRENT) {
            case IO_URING -> IoUringSocketChannel.class;
            case EPOLL -> EpollSocketChannel.class;
            case NIO -> NioSocketChannel.class;
        };
    }

    static String label() {
        return CURRENT.name().toLowerCase(java.util.Locale.ROOT);
    }
}
