package io.zerotrust.gateway.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
import java.util.Iterator;
import java.util.Map;

/**
 * The bytes of a decoded request as it goes to the upstream: the head written straight from the decoded headers
 * (values keep their original bytes: the decoder maps each byte to one character), and the framing of a chunked
 * body, whose chunks the decoder took apart.
 */
final class RequestEncoding {

    private static final ByteBuf CRLF = Unpooled.unreleasableBuffer(
            Unpooled.directBuffer(2).writeByte('\r').writeByte('\n')).asReadOnly();

    private RequestEncoding() {
    }

    /** The request line and headers, up to and including the blank line. */
    static ByteBuf head(ByteBufAllocator alloc, HttpRequest req) {
        ByteBuf out = alloc.buffer(256);
        ByteBufUtil.writeAscii(out, req.method().name());
        out.writeByte(' ');
        ByteBufUtil.writeAscii(out, req.uri());
        out.writeByte(' ');
        ByteBufUtil.writeAscii(out, req.protocolVersion().text());
        out.writeShort(0x0d0a);
        Iterator<Map.Entry<CharSequence, CharSequence>> it = req.headers().iteratorCharSequence();
        while (it.hasNext()) {
            Map.Entry<CharSequence, CharSequence> h = it.next();
            ByteBufUtil.writeAscii(out, h.getKey());
            out.writeShort(0x3a20); // ": "
            ByteBufUtil.writeAscii(out, h.getValue());
            out.writeShort(0x0d0a);
        }
        out.writeShort(0x0d0a);
        return out;
    }

    /** The size line of a chunk of {@code size} bytes. */
    static ByteBuf chunkSize(ByteBufAllocator alloc, int size) {
        ByteBuf out = alloc.buffer(10);
        ByteBufUtil.writeAscii(out, Integer.toHexString(size));
        out.writeShort(0x0d0a);
        return out;
    }

    /** The CRLF that ends a chunk's data. */
    static ByteBuf crlf() {
        return CRLF.duplicate();
    }

    /** The last chunk, the trailers (if any) and the blank line that ends a chunked body. */
    static ByteBuf lastChunk(ByteBufAllocator alloc, LastHttpContent last) {
        ByteBuf out = alloc.buffer(16);
        out.writeByte('0');
        out.writeShort(0x0d0a);
        Iterator<Map.Entry<CharSequence, CharSequence>> it = last.trailingHeaders().iteratorCharSequence();
        while (it.hasNext()) {
            Map.Entry<CharSequence, CharSequence> h = it.next();
            ByteBufUtil.writeAscii(out, h.getKey());
            out.writeShort(0x3a20);
            ByteBufUtil.writeAscii(out, h.getValue());
            out.writeShort(0x0d0a);
        }
        out.writeShort(0x0d0a);
        return out;
    }
}
