package io.zerotrust.gateway.proxy;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import java.net.InetSocketAddress;

/**
 * The upstream side of a client connection: hands each response to the client connection it is bound to, and tells
 * it when the upstream closed while a response was owed. Between clients the connection rests in the
 * {@link UpstreamPool}, unbound. Runs on the event loop it was created on, which is its clients' loop.
 */
final class BackendHandler extends SimpleChannelInboundHandler<FullHttpResponse> {

    private final InetSocketAddress upstream;
    private Channel frontend;
    private HttpFrontendHandler owner;
    private int awaiting;
    private boolean reusable = true;

    BackendHandler(InetSocketAddress upstream) {
        this.upstream = upstream;
    }

    void bind(Channel frontend, HttpFrontendHandler owner) {
        this.frontend = frontend;
        this.owner = owner;
    }

    void requestSent() {
        awaiting++;
    }

    /** Unbinds from its client and rests in the pool when it can be reused, else closes. */
    void release(Channel self) {
        frontend = null;
        owner = null;
        if (awaiting == 0 && reusable) {
            UpstreamPool.release(upstream, self);
        } else {
            self.close();
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        ctx.channel().closeFuture().addListener(f -> UpstreamPool.closed(upstream, ctx.channel()));
        ctx.fireChannelActive();
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpResponse response) {
        awaiting = Math.max(0, awaiting - 1);
        reusable &= HttpUtil.isKeepAlive(response);
        if (owner == null) {
            ctx.close(); // a response nobody asked for: this connection is out of step
            return;
        }
        owner.onResponse(frontend, response.retain());
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (awaiting > 0 && owner != null && frontend.isActive()) {
            owner.onUpstreamLost(frontend);
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}
