import Logging
import NIOCore
import NIOHTTP1
import NIOPosix

/// Answers HTTP/1.1 requests on one connection: reads each request whole (within limits),
/// has the router answer it on the blocking thread pool, writes the response.
final class HTTPConnectionHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let router: Router
    private let registry: ConnectionRegistry
    private let threadPool: NIOThreadPool
    private let limits: HTTPLimits
    private var head: HTTPRequestHead?
    private var bodyBytes = 0
    private var refused = false
    private var deadline: Scheduled<Void>?

    init(router: Router, registry: ConnectionRegistry, threadPool: NIOThreadPool, limits: HTTPLimits) {
        self.router = router
        self.registry = registry
        self.threadPool = threadPool
        self.limits = limits
    }

    func channelActive(context: ChannelHandlerContext) {
        guard registry.admit(context.channel) else {
            context.close(promise: nil)
            return
        }
        arm(context, limits.headerTimeout)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        deadline?.cancel()
        registry.remove(context.channel)
        context.fireChannelInactive()
    }

    /// Closes the connection unless a request head arrives within `timeout`.
    private func arm(_ context: ChannelHandlerContext, _ timeout: TimeAmount) {
        deadline?.cancel()
        deadline = nil
        guard context.channel.isActive else { return }
        let channel = context.channel
        deadline = context.eventLoop.scheduleTask(in: timeout) { channel.close(promise: nil) }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let h):
            deadline?.cancel()
            deadline = nil
            registry.setBusy(context.channel, true)
            head = h
            bodyBytes = 0
            refused = false
        case .body(let buffer):
            guard !refused else { return }
            bodyBytes += buffer.readableBytes
            if bodyBytes > limits.maxBodyBytes {
                refused = true
                write(context, .text(413, "Content Too Large", "Request body too large.\n"), keepAlive: false, isHead: false)
            }
        case .end:
            guard let h = head, !refused else { return }
            head = nil
            var headers: [String: String] = [:]
            for (name, value) in h.headers where headers[name.lowercased()] == nil { headers[name.lowercased()] = value }
            let request = HTTPRequest(method: h.method.rawValue, uri: h.uri, headers: headers)
            let keepAlive = h.isKeepAlive
            let isHead = h.method == .HEAD
            let router = self.router
            let channel = context.channel
            let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            threadPool.runIfActive(eventLoop: context.eventLoop) { () throws -> HTTPResponse in
                // The client may have left while this waited in the queue: nothing to answer.
                guard channel.isActive else { throw ChannelError.ioOnClosedChannel }
                return router.respond(to: request)
            }
            .whenComplete { result in
                let (handler, context) = bound.value
                switch result {
                case .success(let response):
                    handler.write(context, response, keepAlive: keepAlive, isHead: isHead)
                case .failure:
                    handler.write(context, .text(503, "Service Unavailable", "Shutting down.\n"), keepAlive: false, isHead: isHead)
                }
            }
        }
    }

    private func write(_ context: ChannelHandlerContext, _ response: HTTPResponse, keepAlive: Bool, isHead: Bool) {
        guard context.channel.isActive else { return }
        var headers = HTTPHeaders(response.headers)
        headers.replaceOrAdd(name: "Content-Length", value: String(response.body.count))
        if !keepAlive { headers.replaceOrAdd(name: "Connection", value: "close") }
        let status = HTTPResponseStatus(statusCode: response.status, reasonPhrase: response.reason)
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))), promise: nil)
        if !isHead, !response.body.isEmpty {
            var buffer = context.channel.allocator.buffer(capacity: response.body.count)
            buffer.writeBytes(response.body)
            context.write(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
        }
        let channel = context.channel
        let done = context.eventLoop.makePromise(of: Void.self)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: done)
        registry.setBusy(channel, false)
        if keepAlive {
            arm(context, limits.idleTimeout)
        } else {
            done.futureResult.whenComplete { _ in channel.close(promise: nil) }
        }
    }
}

/// Answers a request the decoder could not parse: 431 for headers over the limits, 400 for
/// anything else, then the connection closes (ByteToMessageHandler closes it).
final class HTTPParseErrorResponder: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    private var responding = false

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        guard let parseError = error as? HTTPParserError else {
            context.close(promise: nil)
            return
        }
        if !responding {
            let tooLarge = parseError == .headerOverflow
            let status: HTTPResponseStatus = tooLarge ? .requestHeaderFieldsTooLarge : .badRequest
            let headers = HTTPHeaders([("Connection", "close"), ("Content-Length", "0")])
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))), promise: nil)
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        }
        context.close(promise: nil)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head: responding = true
        case .end: responding = false
        case .body: break
        }
        context.write(data, promise: promise)
    }
}
