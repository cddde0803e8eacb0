import Dispatch
import Foundation
import GongkaiStorage
import Logging
import NIOCore
import NIOPosix

/// The daemon: opens the ledger, serves the socket, and stops cleanly on SIGTERM/SIGINT —
/// no new connections, every queued append committed and answered, TAILs ended with
/// `END {"reason":"shutdown"}`, then exit.
public final class LedgerServer {
    private let configuration: ServerConfiguration
    private let logger: Logger
    private let notifier: SystemdNotifier
    private let stopRequested = DispatchSemaphore(value: 0)

    public init(configuration: ServerConfiguration, logger: Logger, notifier: SystemdNotifier) {
        self.configuration = configuration
        self.logger = logger
        self.notifier = notifier
    }

    /// Runs until a stop signal; throws if the daemon cannot start.
    public func run() throws {
        let stateDirectory = configuration.stateDirectory
        try FileManager.default.createDirectory(atPath: stateDirectory, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o750])
        let lock = try StateDirectoryLock(directory: stateDirectory)
        let ledgerDirectory = stateDirectory + "/ledger"
        try FileManager.default.createDirectory(atPath: ledgerDirectory, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        let store = try LedgerStore(directory: ledgerDirectory, initialMapBytes: configuration.initialMapBytes)
        if store.staleReadersCleared > 0 { logger.notice("cleared \(store.staleReadersCleared) stale LMDB reader slots") }
        logger.info("ledger open", metadata: ["size": "\(store.head.size)", "root": "\(store.head.root.hex)", "directory": "\(ledgerDirectory)"])
        FileDescriptorLimit.raiseToHardLimit()

        let domain = DomainState()
        let rebuildStarted = Date()
        try domain.rebuild(from: store)
        logger.info("projections rebuilt", metadata: ["records": "\(store.head.size)",
                                                      "seconds": "\(String(format: "%.3f", Date().timeIntervalSince(rebuildStarted)))"])
        let service = LedgerService(configuration: configuration, store: store, domain: domain,
                                    admission: DomainAdmission(state: domain), logger: logger)
        service.writer.start()
        let connections = ConnectionRegistry()
        let group = MultiThreadedEventLoopGroup(numberOfThreads: System.coreCount)
        do {
            try SeedAdoption(service: service, eventLoop: group.next(), logger: logger).adopt(catalogFile: configuration.catalogFile)
        } catch {
            service.writer.stopAndWait()
            try? group.syncShutdownGracefully()
            throw error
        }

        let serverChannel: Channel
        do {
            try SocketFile.prepare(configuration.socketPath)
            serverChannel = try makeBootstrap(group: group, service: service, connections: connections)
                .bind(unixDomainSocketPath: configuration.socketPath).wait()
            try SocketFile.setMode(configuration.socketPath)
        } catch {
            service.writer.stopAndWait()
            try? group.syncShutdownGracefully()
            throw error
        }
        logger.info("listening", metadata: ["socket": "\(configuration.socketPath)", "pid": "\(getpid())"])
        notifier.notify("READY=1\nSTATUS=serving \(store.head.size) records")

        let signals = installStopSignals()
        stopRequested.wait()
        signals.forEach { $0.cancel() }

        logger.info("stopping")
        notifier.notify("STOPPING=1")
        service.beginStopping()
        try? serverChannel.close().wait()
        service.writer.stopAndWait()
        service.tails.serverStopping()
        connections.stopAllWhenIdle()
        let deadline = Date().addingTimeInterval(Double(configuration.shutdownGraceSeconds))
        while connections.count > 0 && Date() < deadline { usleep(10_000) }
        if connections.count > 0 {
            logger.warning("closing \(connections.count) connections that did not take their answers in time")
            connections.closeAll()
        }
        try? group.syncShutdownGracefully()
        unlink(configuration.socketPath)
        withExtendedLifetime(lock) {}
        logger.info("stopped", metadata: ["size": "\(service.head.size)"])
    }

    /// Stops the daemon as SIGTERM would (used by tests that embed the server).
    public func requestStop() { stopRequested.signal() }

    private func makeBootstrap(group: EventLoopGroup, service: LedgerService, connections: ConnectionRegistry) -> ServerBootstrap {
        let maxConnections = configuration.maxConnections
        let maxLineBytes = configuration.maxLineBytes
        return ServerBootstrap(group: group)
            .serverChannelOption(ChannelOptions.backlog, value: 1024)
            .childChannelOption(ChannelOptions.allowRemoteHalfClosure, value: true)
            .childChannelInitializer { channel in
                guard service.stats.connectionOpened(limit: maxConnections) else {
                    let refusal = channel.allocator.buffer(string: "ERR unavailable too many connections (\(maxConnections))\n")
                    return channel.writeAndFlush(refusal).flatMap { channel.close() }
                }
                return PeerCredentials.of(channel).flatMapThrowing { peer in
                    let handler = ConnectionHandler(service: service, peer: peer)
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(LineFrameDecoder(maxLineBytes: maxLineBytes)))
                    try channel.pipeline.syncOperations.addHandler(handler)
                    connections.add(channel, handler)
                }.flatMapErrorThrowing { error in
                    service.stats.connectionClosed()
                    throw error
                }
            }
    }

    private func installStopSignals() -> [DispatchSourceSignal] {
        [SIGTERM, SIGINT].map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { [stopRequested] in stopRequested.signal() }
            source.resume()
            return source
        }
    }
}
