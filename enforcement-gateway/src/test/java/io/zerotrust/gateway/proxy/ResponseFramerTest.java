package io.zerotrust.gateway.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Where responses begin and end in an upstream's byte stream, whatever the read boundaries: every response is fed
 * whole, byte by byte and in two arbitrary pieces, and must come out as the same bytes with the same framing.
 */
class ResponseFramerTest {

    /** What the framer reported, as text: "H200 close delimited bodyless|<head>", "B|<bytes>", "E|<bytes>". */
    private static final class Recorder implements ResponseFramer.Listener {
        final List<String> parts = new ArrayList<>();
        int owed = 1;

        @Override
        public void head(ByteBuf raw, int status, boolean close, boolean delimited, boolean bodyless) {
            parts.add("H" + status + (close ? " close" : "") + (delimited ? " delimited" : "")
                    + (bodyless ? " bodyless" : "") + "|" + text(raw));
            if (bodyless && status >= 200) {
                owed--;
            }
        }

        @Override
        public void body(ByteBuf raw, boolean last) {
            String s = text(raw);
            if (last) {
                owed--;
                parts.add("E|" + s);
            } else if (!s.isEmpty()) {
                parts.add("B|" + s);
            }
        }

        @Override
        public boolean expectsResponse() {
            return owed > 0;
        }

        /** The parts with consecutive body pieces joined (read boundaries differ between feeds). */
        List<String> merged() {
            List<String> out = new ArrayList<>();
            StringBuilder body = new StringBuilder();
            for (String p : parts) {
                if (p.startsWith("B|")) {
                    body.append(p.substring(2));
                } else if (p.startsWith("E|")) {
                    out.add("E|" + body + p.substring(2));
                    body.setLength(0);
                } else {
                    if (body.length() > 0) {
                        out.add("B|" + body);
                        body.setLength(0);
                    }
                    out.add(p);
                }
            }
            if (body.length() > 0) {
                out.add("B|" + body);
            }
            return out;
        }
    }

    private static String text(ByteBuf b) {
        String s = b.toString(StandardCharsets.ISO_8859_1);
        b.release();
        return s;
    }

    private static ByteBuf bytes(String s) {
        return Unpooled.copiedBuffer(s, StandardCharsets.ISO_8859_1);
    }

    /** Feeds the stream whole, then byte by byte, then split at every point; all must agree. */
    private static List<String> frame(String stream, int owed, boolean head) throws Exception {
        List<String> whole = null;
        List<List<Integer>> splits = new ArrayList<>();
        splits.add(List.of());
        List<Integer> each = new ArrayList<>();
        for (int i = 1; i < stream.length(); i++) {
            each.add(i);
            splits.add(List.of(i));
        }
        splits.add(each);
        for (List<Integer> cuts : splits) {
            Recorder r = new Recorder();
            r.owed = owed;
            ResponseFramer f = new ResponseFramer(r);
            f.expectHeadResponse(head);
            int from = 0;
            for (int cut : cuts) {
                f.feed(ByteBufAllocator.DEFAULT, bytes(stream.substring(from, cut)));
                from = cut;
            }
            f.feed(ByteBufAllocator.DEFAULT, bytes(stream.substring(from)));
            if (f.closed()) {
                r.body(Unpooled.EMPTY_BUFFER, true);
            }
            f.discard();
            List<String> got = r.merged();
            if (whole == null) {
                whole = got;
            } else {
                assertThat(got).as("fed in pieces at %s", cuts).isEqualTo(whole);
            }
        }
        return whole;
    }

    @Test
    void aContentLengthBodyEndsAfterItsLength() throws Exception {
        String head = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nServer: x\r\n\r\n";
        assertThat(frame(head + "hello", 1, false)).containsExactly("H200 delimited|" + head, "E|hello");
    }

    @Test
    void aChunkedBodyEndsAfterTheLastChunkAndTrailers() throws Exception {
        String head = "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n";
        String body = "5;ext=1\r\nhello\r\nA\r\n0123456789\r\n0\r\nX-Trailer: y\r\n\r\n";
        assertThat(frame(head + body, 1, false)).containsExactly("H200 delimited|" + head, "E|" + body);
        String bare = "3\nabc\n0\n\n"; // bare LF line ends are tolerated
        assertThat(frame(head + bare, 1, false)).containsExactly("H200 delimited|" + head, "E|" + bare);
    }

    @Test
    void responsesWithoutABodyEndWithTheirHead() throws Exception {
        String noContent = "HTTP/1.1 204 No Content\r\nContent-Length: 10\r\n\r\n";
        assertThat(frame(noContent, 1, false)).containsExactly("H204 delimited bodyless|" + noContent);
        String zero = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
        assertThat(frame(zero, 1, false)).containsExactly("H200 delimited bodyless|" + zero);
        String toHead = "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n";
        assertThat(frame(toHead, 1, true)).as("the answer to HEAD").containsExactly(
                "H200 delimited bodyless|" + toHead);
    }

    @Test
    void anInterimResponseComesBeforeTheFinalOne() throws Exception {
        String cont = "HTTP/1.1 100 Continue\r\n\r\n";
        String fin = "HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\n";
        assertThat(frame(cont + fin + "ok", 1, false)).containsExactly(
                "H100 delimited bodyless|" + cont, "H201 delimited|" + fin, "E|ok");
    }

    @Test
    void aBodyWithoutLengthLastsUntilTheUpstreamCloses() throws Exception {
        String head = "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\n";
        assertThat(frame(head + "all of it", 1, false)).containsExactly("H200 close|" + head, "E|all of it");
    }

    @Test
    void closingAndKeepAliveFollowTheVersionAndConnectionHeader() throws Exception {
        String close = "HTTP/1.1 200 OK\r\nConnection: Close\r\nContent-Length: 1\r\n\r\n";
        assertThat(frame(close + "x", 1, false)).containsExactly("H200 close delimited|" + close, "E|x");
        String old = "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 1\r\n\r\n";
        assertThat(frame(old + "x", 1, false)).containsExactly("H200 delimited|" + old, "E|x");
        String both = "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n";
        assertThat(frame(both + "1\r\nx\r\n0\r\n\r\n", 1, false)).as("both framings: chunked, then closed")
                .containsExactly("H200 close delimited|" + both, "E|1\r\nx\r\n0\r\n\r\n");
    }

    @Test
    void twoResponsesInOneReadAreSeparated() throws Exception {
        String a = "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n";
        String b = "HTTP/1.1 404 Not Found\r\nContent-Length: 2\r\n\r\n";
        assertThat(frame(a + "1" + b + "22", 2, false)).containsExactly(
                "H200 delimited|" + a, "E|1", "H404 delimited|" + b, "E|22");
    }

    @Test
    void whatCannotBeFramedSafelyIsAnError() {
        assertThatThrownBy(() -> frame("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", 1,
                false)).hasMessageContaining("conflicting Content-Length");
        assertThatThrownBy(() -> frame("HTTP/1.1 200 OK\r\nContent-Length: 1x\r\n\r\n", 1, false))
                .hasMessageContaining("not a number");
        assertThatThrownBy(() -> frame("SSH-2.0-OpenSSH\r\n\r\n", 1, false))
                .hasMessageContaining("status line");
        assertThatThrownBy(() -> frame("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 1, false))
                .hasMessageContaining("not hexadecimal");
        assertThatThrownBy(() -> frame("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nab\r\n", 1,
                false)).hasMessageContaining("longer than its size");
        assertThatThrownBy(() -> frame("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nxHTTP/1.1", 1, false))
                .hasMessageContaining("no response was owed");
        assertThatThrownBy(() -> frame("HTTP/1.1 200 OK\r\n Folded: x\r\n\r\n", 1, false))
                .hasMessageContaining("malformed");
    }

    @Test
    void aHeadThatNeverEndsIsRefused() {
        String endless = "HTTP/1.1 200 OK\r\n" + "X-Pad: 0123456789abcdef\r\n".repeat(3000);
        assertThatThrownBy(() -> {
            ResponseFramer f = new ResponseFramer(new Recorder());
            try {
                f.feed(ByteBufAllocator.DEFAULT, bytes(endless));
            } finally {
                f.discard();
            }
        }).hasMessageContaining("longer than " + ResponseFramer.MAX_HEAD_BYTES);
    }

    @Test
    void aHeadCanBeRewrittenToSayTheConnectionCloses() {
        ByteBuf head = bytes("HTTP/1.1 200 OK\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\n"
                + "Content-Length: 2\r\n\r\n");
        assertThat(text(ResponseFramer.withConnectionClose(ByteBufAllocator.DEFAULT, head)))
                .isEqualTo("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\n");
        assertThat(head.refCnt()).isZero();
        ByteBuf closing = bytes("HTTP/1.1 200 OK\r\nconnection: close\r\nContent-Length: 2\r\n\r\n");
        assertThat(text(ResponseFramer.withoutConnectionHeaders(ByteBufAllocator.DEFAULT, closing)))
                .as("the upstream's close is its own business").isEqualTo("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n");
    }
}
