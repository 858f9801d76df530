package io.zerotrust.gateway.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;

/** Counts the raw bytes a client connection carries each way, before HTTP parsing and after encoding. */
final class ByteCounter extends ChannelDuplexHandler {

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof ByteBuf buf) {
            ConnectionState s = ConnectionState.of(ctx.channel());
            if (s != null) {
                s.bytesIn += buf.readableBytes();
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
            }
        }
        ctx.write(msg, promise);
    }
}
