package io.zerotrust.gateway.proxy;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;

/**
 * The upstream side of a client connection: passes each piece of a response to the client connection it is bound
 * to, flushing once per read, and tells it when the upstream closed while a response was owed. Between clients the
 * connection rests in the {@link UpstreamPool}, unbound. Runs on the event loop it was created on, which is its
 * clients' loop.
 */
final class BackendHandler extends ChannelInboundHandlerAdapter {

    private final InetSocketAddress upstream;
    private Channel frontend;
    private HttpFrontendHandler owner;
    private int awaiting;
    private boolean reusable = true;
    /** The response being read is an interim one (1xx other than 101): its end does not end the exchange. */
    private boolean interim;
    private boolean unflushed;

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
            self.config().setAutoRead(true);
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
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof HttpObject part) || owner == null || awaiting == 0) {
            ReferenceCountUtil.release(msg);
            ctx.close(); // something nobody asked for: this connection is out of step
            return;
        }
        if (part instanceof HttpResponse response) {
            int code = response.status().code();
            interim = response.status().codeClass() == HttpStatusClass.INFORMATIONAL && code != 101;
            if (!interim) {
                reusable &= HttpUtil.isKeepAlive(response);
            }
        }
        boolean last = part instanceof LastHttpContent && !interim;
        if (part instanceof LastHttpContent) {
            interim = false;
        }
        if (last) {
            awaiting--;
            unflushed = false;
        } else {
            unflushed = true;
        }
        owner.onResponse(frontend, part, last);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (unflushed && frontend != null) {
            unflushed = false;
            frontend.flush();
        }
        ctx.fireChannelReadComplete();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (owner != null) {
            owner.onBackendWritabilityChanged();
        }
        ctx.fireChannelWritabilityChanged();
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
