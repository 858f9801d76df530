package io.zerotrust.gateway.proxy;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.FullHttpResponse;

/**
 * The upstream side of one client connection: hands each response to the frontend, and tells it when the upstream
 * closed while a response was still owed. Runs on the client connection's event loop.
 */
final class BackendHandler extends SimpleChannelInboundHandler<FullHttpResponse> {

    private final Channel frontend;
    private final HttpFrontendHandler owner;
    private int awaiting;

    BackendHandler(Channel frontend, HttpFrontendHandler owner) {
        this.frontend = frontend;
        this.owner = owner;
    }

    void requestSent() {
        awaiting++;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpResponse response) {
        awaiting = Math.max(0, awaiting - 1);
        owner.onResponse(frontend, response.retain());
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (awaiting > 0 && frontend.isActive()) {
            owner.onUpstreamLost(frontend);
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}
