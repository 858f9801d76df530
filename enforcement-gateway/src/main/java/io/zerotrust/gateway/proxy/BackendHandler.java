package io.zerotrust.gateway.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;

/**
 * The upstream side of a client connection: relays the upstream's response bytes to the client connection it is
 * bound to as they arrive, without decoding them ({@link ResponseFramer} finds where each response ends), flushing
 * once per read, and tells it when the upstream closed while a response was owed. Between requests the connection
 * rests in the {@link UpstreamPool}, unbound. Runs on the event loop it was created on, which is its clients' loop.
 */
final class BackendHandler extends ChannelInboundHandlerAdapter implements ResponseFramer.Listener {

    private final InetSocketAddress upstream;
    private final ResponseFramer framer = new ResponseFramer(this);
    private Channel frontend;
    private HttpFrontendHandler owner;
    private int awaiting;
    private boolean reusable = true;
    private boolean unflushed;

    BackendHandler(InetSocketAddress upstream) {
        this.upstream = upstream;
    }

    void bind(Channel frontend, HttpFrontendHandler owner) {
        this.frontend = frontend;
        this.owner = owner;
    }

    /** A request was written (or is about to be); {@code head}: it is a HEAD request, whose response has no body. */
    void requestSent(boolean head) {
        awaiting++;
        framer.expectHeadResponse(head);
    }

    /** Whether another request may be sent on this connection (the upstream did not say it closes it). */
    boolean reusable() {
        return reusable;
    }

    /** Unbinds from its client and rests in the pool when it can be reused, else closes. */
    void release(Channel channel) {
        frontend = null;
        owner = null;
        if (awaiting == 0 && reusable && framer.betweenResponses()) {
            channel.config().setAutoRead(true);
            UpstreamPool.release(upstream, channel);
        } else {
            channel.close();
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        ctx.channel().closeFuture().addListener(f -> UpstreamPool.closed(upstream, ctx.channel()));
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf in)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        try {
            framer.feed(ctx.alloc(), in);
        } catch (ResponseFramer.FramingException e) {
            reusable = false;
            if (awaiting > 0 && owner != null && frontend.isActive()) {
                awaiting = 0;
                owner.onUpstreamLost(frontend, "upstream_bad_response", e.getMessage());
            }
            ctx.close(); // out of step with the upstream: nothing more from it can be trusted
        }
    }

    @Override
    public boolean expectsResponse() {
        return awaiting > 0 && owner != null;
    }

    @Override
    public void head(ByteBuf raw, int status, boolean close, boolean delimited, boolean bodyless) {
        boolean interim = status < 200 && status != 101;
        if (!interim) {
            reusable &= !close;
        }
        boolean last = bodyless && !interim;
        if (last) {
            awaiting--;
        }
        unflushed = !last;
        owner.onResponseHead(frontend, raw, status, close, delimited, interim, last);
    }

    @Override
    public void body(ByteBuf raw, boolean last) {
        if (last) {
            awaiting--;
        }
        unflushed = !last;
        owner.onResponse(frontend, raw, last);
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
        if (framer.closed() && owner != null && awaiting > 0) {
            body(Unpooled.EMPTY_BUFFER, true); // a body that ends with the connection is complete
        } else if (awaiting > 0 && owner != null && frontend.isActive()) {
            owner.onUpstreamLost(frontend, "upstream_closed", "the upstream service closed the connection");
        }
        framer.discard();
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}
