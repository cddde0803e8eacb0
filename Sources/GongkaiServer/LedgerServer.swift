import Dispatch
import Foundation
import GongkaiCheckpoint
import GongkaiMerkle
import GongkaiProtocol
import GongkaiStorage
import Logging
import NIOConcurrencyHelpers
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
    /// Set when the ledger stopped taking appends until a restart: the daemon then stops and
    /// exits non-zero, so that its supervisor restarts it (`Restart=on-failure`).
    private let inDoubt = NIOLockedValueBox<String?>(nil)

    public init(configuration: ServerConfiguration, logger: Logger, notifier: SystemdNotifier) {
        self.configuration = configuration
        self.logger = logger
        self.notifier = notifier
    }

    /// Runs until a stop signal; throws if the daemon cannot start.
    public func run() throws {
        logger.info("gongkaid \(GongkaiVersion.current) starting", metadata: ["state": "\(configuration.stateDirectory)"])
        // Before touching the ledger: a daemon that was asked to sign must not serve unsigned heads.
        let checkpointSigner = try loadCheckpointSigner()
        let access = AccessControl(policy: try AccessControl.load(configuration, logger: logger))
        // SIGHUP's default action would kill the daemon during a long start-up (rebuilding
        // a large ledger takes seconds): take it over at once; it announces RELOADING/READY
        // to systemd only once the daemon is ready.
        let ready = NIOLockedValueBox(false)
        access.reportSlowLookups(to: logger)
        let reloadSignal = access.installReloadSignal(configuration: configuration, logger: logger, notifier: notifier,
                                                      isReady: { ready.withLockedValue { $0 } })
        defer { reloadSignal.cancel() }
        // Under a systemd socket unit: serve its socket (fd 3) instead of binding our own.
        let activatedSocket = try SocketActivation.takeListeningSocket()
        let stateDirectory = configuration.stateDirectory
        try FileManager.default.createDirectory(atPath: stateDirectory, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o750])
        // After the state directory exists (the default socket lives in it), before the ledger.
        if activatedSocket == nil { try SocketFile.checkBindable(configuration.socketPath) }
        var owner = stat()
        if getuid() == 0, stat(stateDirectory, &owner) == 0, owner.st_uid != 0 {
            // Files made now would be root's, and the service (running as the owner) could not
            // read them at its next start.
            logger.warning("running as root on a state directory owned by uid \(owner.st_uid): files made now are root's; start gongkaid as that user (runuser -u)")
        }
        let lock = try StateDirectoryLock(directory: stateDirectory)
        let ledgerDirectory = stateDirectory + "/ledger"
        try Self.refuseUnfinishedRestore(stateDirectory: stateDirectory, ledgerDirectory: ledgerDirectory)
        try FileManager.default.createDirectory(atPath: ledgerDirectory, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        let boot = IndexMarker.currentBoot()
        if boot == nil {
            logger.warning("this machine's boot id (/proc/sys/kernel/random/boot_id) cannot be read: after any unclean stop the LMDB index is rebuilt from the append log")
        }
        let store = try LedgerStore(directory: ledgerDirectory, initialMapBytes: configuration.initialMapBytes, boot: boot,
                                    progress: IndexRebuildProgress(logger: logger, notifier: notifier).report)
        if store.staleReadersCleared > 0 { logger.notice("cleared \(store.staleReadersCleared) stale LMDB reader slots") }
        let recovery = store.recovery
        if recovery.stoppedUncleanly {
            logger.notice("the last run did not stop cleanly (killed, crashed, or a start that failed): the LMDB index was brought up to the append log; nothing acknowledged is lost")
        }
        if recovery.discardedTailBytes > 0 {
            logger.warning("cut a torn last frame of \(recovery.discardedTailBytes) bytes off the append log (a write cut short before its fsync, never acknowledged)")
        }
        if let reason = recovery.rebuildReason { logger.notice("rebuilt the LMDB index from the append log: \(reason)") }
        if recovery.logWritten && recovery.logLost {
            logger.warning("""
                the append log was missing although this ledger had one (its index-state marker was there): \
                wrote it again from the LMDB index, which was whole (closed cleanly, or left open in this boot); \
                unless it was removed on purpose, find out why, and check the ledger with VERIFY
                """)
        } else if recovery.logWritten {
            logger.notice("wrote the append log from the LMDB ledger (a ledger from before the log, or a restored backup)")
        }
        logger.info("ledger open", metadata: ["size": "\(store.head.size)", "root": "\(store.head.root.hex)", "directory": "\(ledgerDirectory)"])
        FileDescriptorLimit.raiseToHardLimit()

        let domain = DomainState()
        let rebuildStarted = Date()
        try domain.rebuild(from: store)
        store.releaseResidentPages()
        logger.info("projections rebuilt", metadata: ["records": "\(store.head.size)",
                                                      "seconds": "\(String(format: "%.3f", Date().timeIntervalSince(rebuildStarted)))"])
        let service = LedgerService(configuration: configuration, store: store, domain: domain,
                                    admission: DomainAdmission(state: domain), logger: logger,
                                    checkpointSigner: checkpointSigner, access: access)
        service.writer.start(watchdog: Watchdog(environment: ProcessInfo.processInfo.environment, notifier: notifier)) { [self] reason in
            inDoubt.withLockedValue { $0 = reason }
            stopRequested.signal()
        }
        let connections = ConnectionRegistry()
        let group = MultiThreadedEventLoopGroup(numberOfThreads: configuration.eventLoops)
        do {
            try SeedAdoption(service: service, eventLoop: group.next(), logger: logger).adopt(catalogFile: configuration.catalogFile)
        } catch {
            service.writer.stopAndWait()
            try? group.syncShutdownGracefully()
            throw error
        }
        // Once the seed (or --catalog) is in: the units the catalogs know.
        access.checkOfficeUnits(knows: { unit in
            domain.read { facts in facts.unitIdInAnyCatalog(unit, known: facts.size) != nil }
        }, logger: logger)

        // Before the socket is bound: a SIGTERM once clients can be answered (a test stopped
        // a daemon it had just PINGed) must stop it cleanly, not end it by the default action.
        let signals = installStopSignals()
        let serverChannel: Channel
        do {
            if let activatedSocket {
                serverChannel = try makeBootstrap(group: group, service: service, connections: connections)
                    .withBoundSocket(activatedSocket).wait()
            } else {
                try SocketFile.prepare(configuration.socketPath)
                do {
                    serverChannel = try SocketFile.withCreationMode {
                        try makeBootstrap(group: group, service: service, connections: connections)
                            .bind(unixDomainSocketPath: configuration.socketPath).wait()
                    }
                } catch {
                    throw ServerError("cannot listen on \(configuration.socketPath): \(error)")
                }
                try SocketFile.setMode(configuration.socketPath)
            }
        } catch {
            service.writer.stopAndWait()
            try? group.syncShutdownGracefully()
            throw error
        }
        logger.info("listening", metadata: ["socket": "\(activatedSocket.map { "fd \($0) from systemd" } ?? configuration.socketPath)", "pid": "\(getpid())", "event_loops": "\(configuration.eventLoops)"])
        ready.withLockedValue { $0 = true }
        notifier.notify("READY=1\nSTATUS=serving \(service.head.size) records")

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
        // Answers still being made off the loops go to the loops: let them land first.
        if service.offLoopWork.wait(timeout: .now() + .seconds(configuration.shutdownGraceSeconds)) == .timedOut {
            logger.warning("stopping with reads or a VERIFY/BACKUP still running off the event loops")
        }
        try? group.syncShutdownGracefully()
        do {
            try store.close()
        } catch {
            // Not fatal: the next open rebuilds the index from the log if the machine restarts.
            logger.error("could not mark the LMDB index clean: \(error)")
        }
        if activatedSocket == nil { unlink(configuration.socketPath) }  // systemd's socket is systemd's
        withExtendedLifetime(lock) {}
        logger.info("stopped", metadata: ["size": "\(service.head.size)"])
        if let reason = inDoubt.withLockedValue({ $0 }) { throw AppendsRefused(reason: reason) }
    }

    /// The signer named by `--signing-key` and the checkpoints' origin, or nil without a key.
    /// Refuses a key file that group or others may read: whoever reads it can sign heads.
    private func loadCheckpointSigner() throws -> (signer: CheckpointSigner, origin: String)? {
        guard let path = configuration.signingKey else { return nil }
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw ServerError("cannot read signing key file \(path): \(String(cString: strerror(errno)))")
        }
        let handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
        // fstat on the open file, not stat on the path: the mode checked is the file read.
        var status = stat()
        guard fstat(handle.fileDescriptor, &status) == 0 else {
            throw ServerError("cannot read signing key file \(path): \(String(cString: strerror(errno)))")
        }
        guard status.st_mode & S_IFMT == S_IFREG else { throw ServerError("signing key file \(path) is not a regular file") }
        guard let data = try? handle.readToEnd(), data.count <= 4096, var text = String(data: data, encoding: .utf8) else {
            throw ServerError("signing key file \(path) does not hold a signer key (PRIVATE+KEY+...)")
        }
        // Said before the mode: asking to lock down a public key would send the operator astray.
        guard text.hasPrefix(CheckpointKeys.signerPrefix) else {
            throw ServerError("signing key file \(path) does not hold a signer key (PRIVATE+KEY+...); " +
                              "give --signing-key the private key file keygen wrote (NAME.key), not its verifier key (NAME.pub)")
        }
        let mode = status.st_mode & 0o777
        guard mode == 0o600 || mode == 0o400 else {
            let digits = String(mode, radix: 8)
            throw ServerError("signing key file \(path) has mode \(String(repeating: "0", count: 4 - digits.count) + digits); it must be 0600 or 0400 (private to its owner)")
        }
        if text.hasSuffix("\n") { text.removeLast() }
        let signer: CheckpointSigner
        do {
            signer = try CheckpointSigner(key: text)
        } catch {
            throw ServerError("signing key file \(path): \(error)")
        }
        let origin = configuration.checkpointOrigin ?? signer.keyName
        do {
            _ = try Checkpoint(origin: origin, size: 0, root: RFC6962.emptyRoot)
        } catch {
            throw ServerError("--checkpoint-origin: \(error)")
        }
        logger.info("signing checkpoints", metadata: ["key": "\(signer.keyName)+\(signer.keyHash)", "origin": "\(origin)"])
        return (signer, origin)
    }

    /// A missing ledger directory means a new ledger, except when `scripts/restore` left its
    /// traces (the old ledger moved aside, or its copy staged) without finishing: starting an
    /// empty ledger then would serve nothing and hand out seq 1 again.
    private static func refuseUnfinishedRestore(stateDirectory: String, ledgerDirectory: String) throws {
        guard !FileManager.default.fileExists(atPath: ledgerDirectory) else { return }
        let traces = ((try? FileManager.default.contentsOfDirectory(atPath: stateDirectory)) ?? [])
            .filter { $0.hasPrefix("ledger.before-restore.") || $0.hasPrefix("ledger.restoring.") }
        guard traces.isEmpty else {
            throw ServerError("\(ledgerDirectory) is missing but \(traces.sorted().joined(separator: ", ")) is in \(stateDirectory): " +
                              "a restore did not finish; run scripts/restore again, or move the ledger meant to be served to \(ledgerDirectory)")
        }
    }

    /// Stops the daemon as SIGTERM would (used by tests that embed the server).
    public func requestStop() { stopRequested.signal() }

    private func makeBootstrap(group: EventLoopGroup, service: LedgerService, connections: ConnectionRegistry) -> ServerBootstrap {
        let maxConnections = configuration.maxConnections
        let maxPerUid = configuration.maxConnectionsPerUid
        let maxLineBytes = configuration.maxLineBytes
        let lineTimeout = configuration.lineTimeoutSeconds.map { TimeAmount.seconds(Int64($0)) }
        let idleTimeout = configuration.idleTimeoutSeconds.map { TimeAmount.seconds(Int64($0)) }
        return ServerBootstrap(group: group)
            .serverChannelOption(ChannelOptions.backlog, value: 1024)
            .childChannelOption(ChannelOptions.allowRemoteHalfClosure, value: true)
            .childChannelInitializer { channel in
                guard service.stats.connectionOpened(limit: maxConnections) else {
                    return channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(RefusedConnection(maxConnections: maxConnections))
                    }
                }
                return PeerCredentials.of(channel).flatMap { peer -> EventLoopFuture<PeerCredentials?> in
                    guard service.stats.connectionOfUid(peer.uid, limit: maxPerUid) else {
                        // Counted refused already: a pipeline gone meanwhile (the channel
                        // closed) must not count it closed as well.
                        try? channel.pipeline.syncOperations.addHandler(RefusedConnection(uid: peer.uid, maxConnectionsPerUid: maxPerUid))
                        return channel.eventLoop.makeSucceededFuture(nil)
                    }
                    // Its groups, if the access rules need them, are looked up off the loop first.
                    return service.access.connectionOpening(peer.identity, on: channel.eventLoop).map { peer }.flatMapError { error in
                        guard let timedOut = error as? GroupLookupTimedOut else {
                            // Counted closed below, as any failed opening: its uid's place too.
                            service.stats.givePlaceBack(uid: peer.uid)
                            return channel.eventLoop.makeFailedFuture(error)
                        }
                        // Never counted open by the rules: refused, with its places given back
                        // (AccessControl logs it, at most once a minute).
                        service.stats.connectionRefused(uid: peer.uid)
                        try? channel.pipeline.syncOperations.addHandler(RefusedConnection(timedOut))
                        return channel.eventLoop.makeSucceededFuture(nil)
                    }
                }.flatMapThrowing { peer in
                    guard let peer else { return }
                    do {
                        let gate = InputGate()
                        let handler = ConnectionHandler(service: service, peer: peer, gate: gate)
                        try channel.pipeline.syncOperations.addHandler(StalledInputWatch(lineTimeout: lineTimeout, idleTimeout: idleTimeout))
                        try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(LineFrameDecoder(maxLineBytes: maxLineBytes, gate: gate)))
                        try channel.pipeline.syncOperations.addHandler(handler)
                        connections.add(channel, handler)
                    } catch {
                        service.access.connectionClosed(peer.identity)
                        service.stats.givePlaceBack(uid: peer.uid)  // counted closed below
                        throw error
                    }
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
