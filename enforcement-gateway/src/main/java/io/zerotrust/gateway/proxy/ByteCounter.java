package io.zerotrust.gateway.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;

/**
 * Counts the raw bytes a client connection carries each way, before HTTP parsing and after encoding, and stamps its
 * last activity for the {@link IdleSweeper} (with the sweep's own clock, so no clock is read per message).
 */
final class ByteCounter extends ChannelDuplexHandler {

    private final IdleSweeper sweeper;
    private IdleSweeper.Loop loop;

    ByteCounter(IdleSweeper sweeper) {
        this.sweeper = sweeper;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        loop = sweeper.loopOf(ctx.channel());
        loop.add(ctx.channel());
        ctx.fireChannelActive();
        ConnectionState s = ConnectionState.of(ctx.channel());
        if (s != null) {
            s.lastActiveNanos = loop.now;
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (loop != null) {
            loop.remove(ctx.channel());
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof ByteBuf buf) {
            ConnectionState s = ConnectionState.of(ctx.channel());
            if (s != null) {
                s.bytesIn += buf.readableBytes();
                s.lastActiveNanos = loop.now;
            }
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof ByteBuf buf) {
            ConnectionState s = ConnectionState.of(ctx.channel());
            if (s != null) {
                s.bytesOut += buf.readableBytes();
                if (loop != null) {
                    s.lastActiveNanos = loop.now;
                }
            }
        }
        ctx.write(msg, promise);
    }
}
