package io.zerotrust.gateway.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.charset.StandardCharsets;

/**
 * Tells where each HTTP/1.x response of an upstream begins and ends in the bytes it sends, and passes those bytes on
 * untouched. It reads only what framing needs: the status line and the {@code Content-Length},
 * {@code Transfer-Encoding} and {@code Connection} headers, then the chunk sizes of a chunked body; the body itself
 * is skipped over in bulk. Relaying the upstream's own bytes instead of decoding the response into objects and
 * encoding it again is most of what a proxied request costs in user CPU.
 *
 * <p>It is strict where smuggling hides: conflicting {@code Content-Length} values, a malformed chunk size or a head
 * without a status line are errors ({@link FramingException}), and a response that has both
 * {@code Transfer-Encoding} and {@code Content-Length} is read as chunked and ends its connection.
 *
 * <p>Not thread-safe; one per upstream connection, used on its event loop.
 */
final class ResponseFramer {

    /** Longest response head accepted (status line and headers). */
    static final int MAX_HEAD_BYTES = 64 * 1024;
    /** Longest chunk-size line (with extensions) or trailer section accepted. */
    static final int MAX_FRAMING_LINE = 8 * 1024;

    /** Receives the bytes of each response, in order; ownership of every buffer passes to it. */
    interface Listener {
        /**
         * The head of a response.
         *
         * @param raw        the head's bytes, as sent, up to and including the blank line
         * @param status     the status code
         * @param close      the upstream connection cannot carry another response after this one
         * @param delimited  the end of this response can be told without the connection closing
         * @param bodyless   nothing follows the head: this response (or interim response) is complete
         */
        void head(ByteBuf raw, int status, boolean close, boolean delimited, boolean bodyless);

        /** A piece of the body, framing included; {@code last} ends the response. */
        void body(ByteBuf raw, boolean last);

        /** Whether another response may begin (a response that nobody asked for is an error). */
        boolean expectsResponse();
    }

    /** The upstream's bytes are not a valid HTTP/1.x response stream. */
    static final class FramingException extends Exception {
        FramingException(String message) {
            super(message);
        }
    }

    private enum State { HEAD, LENGTH, CHUNK_SIZE, CHUNK_EXTENSION, CHUNK_DATA, CHUNK_DATA_END, TRAILER_LINE_START,
        TRAILER_LINE, TRAILER_END, UNTIL_CLOSE, FAILED }

    private final Listener listener;
    private State state = State.HEAD;
    /** A head that arrived in pieces, gathered until it is complete. */
    private ByteBuf partialHead;
    private boolean headRequest;
    private long remaining;
    private boolean sawDigit;
    private boolean sawCr;
    private int lineLength;

    ResponseFramer(Listener listener) {
        this.listener = listener;
    }

    /** The next response answers a HEAD request (its head announces a body that does not follow). */
    void expectHeadResponse(boolean head) {
        this.headRequest = head;
    }

    /** True between responses: nothing of a response has been read that was not passed on complete. */
    boolean betweenResponses() {
        return state == State.HEAD && partialHead == null;
    }

    /** True when the body being read ends only when the upstream closes. */
    boolean readsUntilClose() {
        return state == State.UNTIL_CLOSE;
    }

    /** Releases what is held (the connection is gone). */
    void discard() {
        if (partialHead != null) {
            partialHead.release();
            partialHead = null;
        }
    }

    /** Consumes {@code in} (released here) and passes each complete part on to the listener. */
    void feed(ByteBufAllocator alloc, ByteBuf in) throws FramingException {
        ByteBuf buf = in;
        if (partialHead != null) {
            partialHead.writeBytes(in);
            in.release();
            buf = partialHead;
            partialHead = null;
        }
        try {
            process(buf);
            if (buf.isReadable()) { // an incomplete head: keep it for the next read
                if (buf.readableBytes() > MAX_HEAD_BYTES) {
                    throw fail("the response head is longer than " + MAX_HEAD_BYTES + " bytes");
                }
                partialHead = alloc.heapBuffer(Math.max(1024, buf.readableBytes() * 2)).writeBytes(buf);
            }
        } finally {
            buf.release();
        }
    }

    private void process(ByteBuf buf) throws FramingException {
        int start = buf.readerIndex();
        while (buf.isReadable()) {
            switch (state) {
                case HEAD -> {
                    if (!listener.expectsResponse()) {
                        throw fail("the upstream sent bytes while no response was owed");
                    }
                    int end = endOfHead(buf);
                    if (end < 0) {
                        return; // leave the partial head readable
                    }
                    parseHead(buf, end);
                    start = buf.readerIndex();
                }
                case LENGTH -> {
                    int n = (int) Math.min(remaining, buf.readableBytes());
                    buf.skipBytes(n);
                    remaining -= n;
                    if (remaining == 0) {
                        start = end(buf, start);
                    }
                }
                case CHUNK_DATA -> {
                    int n = (int) Math.min(remaining, buf.readableBytes());
                    buf.skipBytes(n);
                    remaining -= n;
                    if (remaining == 0) {
                        state = State.CHUNK_DATA_END;
                        sawCr = false;
                    }
                }
                case UNTIL_CLOSE -> buf.skipBytes(buf.readableBytes());
                case FAILED -> throw fail("the upstream connection is out of step");
                default -> {
                    if (framingByte(buf.readByte())) {
                        start = end(buf, start);
                    }
                }
            }
        }
        if (start < buf.readerIndex()) {
            listener.body(buf.retainedSlice(start, buf.readerIndex() - start), false);
        }
    }

    /** Passes on the response's last bytes, [start, readerIndex), and returns where the next response starts. */
    private int end(ByteBuf buf, int start) {
        state = State.HEAD;
        headRequest = false;
        listener.body(buf.retainedSlice(start, buf.readerIndex() - start), true);
        return buf.readerIndex();
    }

    /** One byte of chunked framing; true when it ends the body. */
    private boolean framingByte(byte b) throws FramingException {
        switch (state) {
            case CHUNK_SIZE -> {
                int digit = Character.digit(b, 16);
                if (digit >= 0) {
                    if (remaining > (Long.MAX_VALUE >> 5)) {
                        throw fail("a chunk size is too large");
                    }
                    remaining = remaining * 16 + digit;
                    sawDigit = true;
                } else if (sawDigit && (b == ';' || b == ' ' || b == '\t')) {
                    state = State.CHUNK_EXTENSION;
                } else if (sawDigit && (b == '\r' || b == '\n')) {
                    state = State.CHUNK_EXTENSION;
                    return framingByte(b);
                } else {
                    throw fail("a chunk size is not hexadecimal");
                }
                countLine();
            }
            case CHUNK_EXTENSION -> {
                if (b == '\n') {
                    lineLength = 0;
                    state = remaining == 0 ? State.TRAILER_LINE_START : State.CHUNK_DATA;
                } else {
                    countLine();
                }
            }
            case CHUNK_DATA_END -> {
                if (b == '\r' && !sawCr) {
                    sawCr = true;
                } else if (b == '\n') {
                    startChunk();
                } else {
                    throw fail("a chunk is longer than its size");
                }
            }
            case TRAILER_LINE_START -> {
                if (b == '\r') {
                    state = State.TRAILER_END;
                } else if (b == '\n') {
                    return true;
                } else {
                    state = State.TRAILER_LINE;
                    countLine();
                }
            }
            case TRAILER_LINE -> {
                countLine();
                if (b == '\n') {
                    state = State.TRAILER_LINE_START;
                }
            }
            case TRAILER_END -> {
                if (b == '\n') {
                    return true;
                }
                throw fail("the trailer section does not end with CRLF");
            }
            default -> throw new IllegalStateException(state.name());
        }
        return false;
    }

    private void countLine() throws FramingException {
        if (++lineLength > MAX_FRAMING_LINE) {
            throw fail("a chunk-size line or the trailers are longer than " + MAX_FRAMING_LINE + " bytes");
        }
    }

    private void startChunk() {
        state = State.CHUNK_SIZE;
        remaining = 0;
        sawDigit = false;
        lineLength = 0;
    }

    private FramingException fail(String message) {
        state = State.FAILED;
        return new FramingException(message);
    }

    /** The index just past the blank line that ends the head starting at readerIndex, or -1 if not there yet. */
    private static int endOfHead(ByteBuf buf) {
        int from = buf.readerIndex();
        int to = buf.writerIndex();
        int lineStart = from;
        while (true) {
            int lf = buf.indexOf(lineStart, to, (byte) '\n');
            if (lf < 0) {
                return -1;
            }
            int len = lf - lineStart;
            if (lineStart > from && (len == 0 || (len == 1 && buf.getByte(lineStart) == '\r'))) {
                return lf + 1;
            }
            lineStart = lf + 1;
        }
    }

    /** Reads the head in [readerIndex, end), passes it on and sets the body's state. */
    private void parseHead(ByteBuf buf, int end) throws FramingException {
        int at = buf.readerIndex();
        int lineEnd = buf.indexOf(at, end, (byte) '\n');
        // status line: HTTP/1.x SP 3DIGIT [SP reason]
        if (end - at > MAX_HEAD_BYTES) {
            throw fail("the response head is longer than " + MAX_HEAD_BYTES + " bytes");
        }
        if (lineEnd - at < 12 || !startsWith(buf, at, "HTTP/1.") || buf.getByte(at + 8) != ' '
                || !(buf.getByte(at + 12) == ' ' || buf.getByte(at + 12) == '\r' || buf.getByte(at + 12) == '\n')) {
            throw fail("the upstream's response does not start with an HTTP/1.x status line");
        }
        byte minor = buf.getByte(at + 7);
        int status = 0;
        for (int i = at + 9; i < at + 12; i++) {
            byte d = buf.getByte(i);
            if (d < '0' || d > '9') {
                throw fail("the upstream's status code is not three digits");
            }
            status = status * 10 + (d - '0');
        }
        boolean close = minor == '0'; // HTTP/1.0: closes unless it says keep-alive
        long contentLength = -1;
        boolean chunked = false;
        boolean transferEncoding = false;
        int lineStart = lineEnd + 1;
        while (lineStart < end) {
            lineEnd = buf.indexOf(lineStart, end, (byte) '\n');
            int valueEnd = lineEnd > lineStart && buf.getByte(lineEnd - 1) == '\r' ? lineEnd - 1 : lineEnd;
            if (valueEnd == lineStart) {
                break; // the blank line
            }
            int colon = buf.indexOf(lineStart, valueEnd, (byte) ':');
            byte first = buf.getByte(lineStart);
            if (colon <= lineStart || first == ' ' || first == '\t' || buf.getByte(colon - 1) == ' ') {
                throw fail("a response header line is malformed");
            }
            int nameLength = colon - lineStart;
            if (nameLength == 14 && equalsIgnoreCase(buf, lineStart, "content-length")) {
                long v = parseLength(buf, colon + 1, valueEnd);
                if (contentLength >= 0 && v != contentLength) {
                    throw fail("the response has conflicting Content-Length headers");
                }
                contentLength = v;
            } else if (nameLength == 17 && equalsIgnoreCase(buf, lineStart, "transfer-encoding")) {
                transferEncoding = true;
                chunked = lastTokenIs(buf, colon + 1, valueEnd, "chunked");
            } else if (nameLength == 10 && equalsIgnoreCase(buf, lineStart, "connection")) {
                if (hasToken(buf, colon + 1, valueEnd, "close")) {
                    close = true;
                } else if (minor == '0' && hasToken(buf, colon + 1, valueEnd, "keep-alive")) {
                    close = false;
                }
            }
            lineStart = lineEnd + 1;
        }
        ByteBuf head = buf.retainedSlice(buf.readerIndex(), end - buf.readerIndex());
        buf.readerIndex(end);
        boolean interim = status >= 100 && status < 200 && status != 101;
        boolean bodyless = interim || status == 204 || status == 304 || (headRequest && status >= 200);
        if (bodyless) {
            listener.head(head, status, close, true, true);
            state = State.HEAD;
            if (!interim) {
                headRequest = false;
            }
            return;
        }
        if (status == 101) { // switched protocols: whatever follows belongs to the other protocol
            state = State.UNTIL_CLOSE;
            listener.head(head, status, true, false, false);
        } else if (transferEncoding) {
            // Transfer-Encoding wins over Content-Length; a message that has both cannot be trusted to be
            // framed the same way by everyone, so its connection is not reused
            close |= contentLength >= 0;
            if (chunked) {
                startChunk();
                listener.head(head, status, close, true, false);
            } else {
                state = State.UNTIL_CLOSE;
                listener.head(head, status, true, false, false);
            }
        } else if (contentLength == 0) {
            listener.head(head, status, close, true, true);
        } else if (contentLength > 0) {
            state = State.LENGTH;
            remaining = contentLength;
            listener.head(head, status, close, true, false);
        } else {
            state = State.UNTIL_CLOSE;
            listener.head(head, status, true, false, false);
        }
    }

    /** The upstream closed: the end of a body read until close, or an error when a response was incomplete. */
    boolean closed() {
        if (state == State.UNTIL_CLOSE) {
            state = State.HEAD;
            return true;
        }
        return false;
    }

    private static long parseLength(ByteBuf buf, int from, int to) throws FramingException {
        long v = -1;
        for (int i = from; i < to; i++) {
            byte b = buf.getByte(i);
            if (b >= '0' && b <= '9') {
                if (v > (Long.MAX_VALUE - 9) / 10) {
                    throw new FramingException("the response's Content-Length is too large");
                }
                v = (v < 0 ? 0 : v * 10) + (b - '0');
            } else if (b != ' ' && b != '\t' || (v >= 0 && hasDigitAfter(buf, i, to))) {
                throw new FramingException("the response's Content-Length is not a number");
            }
        }
        if (v < 0) {
            throw new FramingException("the response's Content-Length is empty");
        }
        return v;
    }

    private static boolean hasDigitAfter(ByteBuf buf, int from, int to) {
        for (int i = from; i < to; i++) {
            byte b = buf.getByte(i);
            if (b != ' ' && b != '\t') {
                return true;
            }
        }
        return false;
    }

    private static boolean startsWith(ByteBuf buf, int at, String s) {
        for (int i = 0; i < s.length(); i++) {
            if (buf.getByte(at + i) != s.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    /** Compares {@code lowerCase.length()} bytes at {@code at} with an ASCII lower-case name, ignoring case. */
    private static boolean equalsIgnoreCase(ByteBuf buf, int at, String lowerCase) {
        for (int i = 0; i < lowerCase.length(); i++) {
            byte b = buf.getByte(at + i);
            if (b >= 'A' && b <= 'Z') {
                b += 'a' - 'A';
            }
            if (b != lowerCase.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    /** Whether a comma-separated header value in [from, to) holds {@code token} (ASCII lower case), ignoring case. */
    private static boolean hasToken(ByteBuf buf, int from, int to, String token) {
        int i = from;
        while (i < to) {
            int comma = buf.indexOf(i, to, (byte) ',');
            int tokenEnd = comma < 0 ? to : comma;
            if (tokenIs(buf, i, tokenEnd, token)) {
                return true;
            }
            i = tokenEnd + 1;
        }
        return false;
    }

    private static boolean lastTokenIs(ByteBuf buf, int from, int to, String token) {
        int comma = -1;
        for (int i = to - 1; i >= from; i--) {
            if (buf.getByte(i) == ',') {
                comma = i;
                break;
            }
        }
        return tokenIs(buf, comma < 0 ? from : comma + 1, to, token);
    }

    private static boolean tokenIs(ByteBuf buf, int from, int to, String token) {
        while (from < to && isSpace(buf.getByte(from))) {
            from++;
        }
        while (to > from && isSpace(buf.getByte(to - 1))) {
            to--;
        }
        return to - from == token.length() && equalsIgnoreCase(buf, from, token);
    }

    private static boolean isSpace(byte b) {
        return b == ' ' || b == '\t';
    }

    /**
     * A copy of a response head that tells the client the connection closes after it: the head's own
     * {@code Connection} and {@code Keep-Alive} lines are left out and {@code Connection: close} is added. Releases
     * {@code head}.
     */
    static ByteBuf withConnectionClose(ByteBufAllocator alloc, ByteBuf head) {
        return rewriteConnection(alloc, head, true);
    }

    /**
     * A copy of a response head without its {@code Connection} and {@code Keep-Alive} lines: the upstream closes its
     * own connection after this response, but the client's stays open (HTTP/1.1's default). Releases {@code head}.
     */
    static ByteBuf withoutConnectionHeaders(ByteBufAllocator alloc, ByteBuf head) {
        return rewriteConnection(alloc, head, false);
    }

    private static ByteBuf rewriteConnection(ByteBufAllocator alloc, ByteBuf head, boolean close) {
        ByteBuf out = alloc.buffer(head.readableBytes() + 20);
        int end = head.writerIndex();
        int lineStart = head.readerIndex();
        boolean statusLine = true;
        while (lineStart < end) {
            int lf = head.indexOf(lineStart, end, (byte) '\n');
            int next = lf < 0 ? end : lf + 1;
            int length = next - lineStart;
            boolean blank = length <= 2 && !statusLine && (length == 1 || head.getByte(lineStart) == '\r');
            if (blank) {
                if (close) {
                    out.writeCharSequence("Connection: close\r\n", StandardCharsets.US_ASCII);
                }
                out.writeBytes(head, lineStart, end - lineStart);
                break;
            }
            boolean drop = !statusLine && ((length > 11 && equalsIgnoreCase(head, lineStart, "connection:"))
                    || (length > 11 && equalsIgnoreCase(head, lineStart, "keep-alive:")));
            if (!drop) {
                out.writeBytes(head, lineStart, length);
            }
            statusLine = false;
            lineStart = next;
        }
        head.release();
        return out;
    }
}
