import NIOCore
import NIOPosix

/// Why a Redis command did not get an answer.
public struct RedisError: Error, Sendable, Equatable, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}

/// One connection to Redis. Commands may be pipelined: replies are matched to them in order.
/// A command that outlives the timeout closes the connection, failing what is pending.
final class RedisConnection: Sendable {
    let channel: any Channel
    let timeout: Duration

    private init(channel: any Channel, timeout: Duration) {
        self.channel = channel
        self.timeout = timeout
    }

    /// Connects, then authenticates and selects the database when the settings ask for it.
    static func connect(_ settings: RedisSettings, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) async throws -> RedisConnection {
        let channel = try await ClientBootstrap(group: group)
            .connectTimeout(TimeAmount(settings.timeout))
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(RESPReplyHandler()) }
            }
            .connect(host: settings.host, port: settings.port).get()
        let connection = RedisConnection(channel: channel, timeout: settings.timeout)
        var setup: [[String]] = []
        if let password = settings.password {
            setup.append(["AUTH"] + (settings.username.map { [$0] } ?? []) + [password])
        }
        if settings.database != 0 { setup.append(["SELECT", String(settings.database)]) }
        do {
            for reply in try await connection.pipeline(setup) {
                if case .error(let message) = reply { throw RedisError(message: message) }
            }
        } catch {
            connection.close()
            throw error
        }
        return connection
    }

    var isActive: Bool { channel.isActive }

    func send(_ command: [String]) async throws -> RESPValue {
        try await pipeline([command])[0]
    }

    /// Writes every command with one flush and returns their replies in order.
    ///
    /// Every reply ends: a write that fails (the connection closed under it) fails its reply,
    /// and at the timeout every reply still pending fails and the connection closes.
    func pipeline(_ commands: [[String]]) async throws -> [RESPValue] {
        guard !commands.isEmpty else { return [] }
        let loop = channel.eventLoop
        let promises = commands.map { _ in loop.makePromise(of: RESPValue.self) }
        for (command, reply) in zip(commands, promises) {
            let written = loop.makePromise(of: Void.self)
            written.futureResult.whenFailure { reply.fail(RedisError(message: "cannot write to Redis: \($0)")) }
            channel.write(RESPRequest(bytes: RESPCodec.encodeCommand(command), reply: reply), promise: written)
        }
        channel.flush()
        let (channel, timeout) = (channel, timeout)
        let deadline = loop.scheduleTask(in: TimeAmount(timeout)) {
            let error = RedisError(message: "Redis did not answer within \(timeout)")
            for reply in promises { reply.fail(error) }  // a reply already in is left as it is
            channel.close(promise: nil)
        }
        defer { deadline.cancel() }
        var replies: [RESPValue] = []
        for promise in promises { replies.append(try await promise.futureResult.get()) }
        return replies
    }

    func close() {
        channel.close(promise: nil)
    }
}

/// A command's bytes and the promise its reply fulfils.
struct RESPRequest {
    let bytes: [UInt8]
    let reply: EventLoopPromise<RESPValue>
}

/// Writes commands, decodes replies and fulfils waiting promises first in, first out.
final class RESPReplyHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = RESPRequest
    typealias OutboundOut = ByteBuffer

    private var pending = CircularBuffer<EventLoopPromise<RESPValue>>()
    private var buffer: [UInt8] = []

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let request = unwrapOutboundIn(data)
        pending.append(request.reply)
        context.write(wrapOutboundOut(context.channel.allocator.buffer(bytes: request.bytes)), promise: promise)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var incoming = unwrapInboundIn(data)
        buffer.append(contentsOf: incoming.readBytes(length: incoming.readableBytes) ?? [])
        var offset = 0
        do {
            while let (value, used) = try RESPCodec.decode(buffer[offset...]) {
                offset += used
                guard let promise = pending.popFirst() else {
                    failAll(RedisError(message: "Redis sent a reply nobody asked for"))
                    context.close(promise: nil)
                    return
                }
                promise.succeed(value)
            }
            buffer.removeFirst(offset)
        } catch {
            failAll(RedisError(message: "Redis sent bytes that are not RESP: \(error)"))
            context.close(promise: nil)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        failAll(RedisError(message: "the Redis connection closed"))
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        failAll(RedisError(message: "the Redis connection failed: \(error)"))
        context.close(promise: nil)
    }

    private func failAll(_ error: RedisError) {
        while let promise = pending.popFirst() { promise.fail(error) }
    }
}
