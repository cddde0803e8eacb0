import Dispatch
import GongkaiDomain
import GongkaiJSON
import GongkaiStorage
import GongkaiProtocol
import NIOCore

/// One client connection: parses each line, answers reads in turn (off the event loop but
/// for the momentary ones) and appends when the writer has made them durable, and writes
/// the answers strictly in request order.
/// Pipelining is bounded: past `maxPipelinedRequests` unanswered requests it stops reading.
final class ConnectionHandler: ChannelDuplexHandler, @unchecked Sendable {
    typealias InboundIn = LineFrame
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private enum Slot {
        case waiting(submittedNanos: UInt64)
        case ready([UInt8])
        /// A read behind unanswered appends: run when it reaches the front, so a connection
        /// always reads its own writes.
        case deferred(Request)
        case tail(from: UInt64)
        case close
    }

    /// Answers are handed to the channel in pieces of about this size, so that writability
    /// is checked between big answers.
    private static let writeChunkBytes = 64 << 10

    private let service: LedgerService
    private let peer: PeerCredentials
    private var context: ChannelHandlerContext?
    private var slots = CircularBuffer<Slot>(initialCapacity: 16)
    private var firstSlotNumber: UInt64 = 0
    private var submissions: [AppendSubmission] = []
    private var appendLatencies: [UInt64] = []
    private var answeredCount = 0
    private var tail: TailStream?
    private var ignoreInput = false
    private var readPending = false
    private var closeWhenIdle = false
    /// `closeOnceWritten` ran: the connection closes as soon as its answers are out.
    fileprivate var closeRequested = false
    /// Bytes of answers handed to the channel so far. Less what is still unread, it is what
    /// the client has taken: that rises only when the client reads (a socket's per-write
    /// overhead can only make it fall), so a rise is proof of progress.
    private var handedBytes = 0
    /// What the client had taken when last seen taking more (or when the clock started),
    /// for the cut-off of a client that takes no answers.
    private var takenProgress: (taken: Int, since: NIODeadline)?
    /// The one pending check of that clock.
    private var takingNothingCheck: Scheduled<Void>?
    /// A line came in since that clock (re)started.
    private var linesSinceTakenProgress = false
    /// A flush is queued on the event loop: answers filled in the same task share it.
    private var flushQueued = false
    /// The peer's principal under the policy of `generation`; looked up again after a SIGHUP.
    private var cachedPrincipal: (generation: UInt64, principal: Principal?)?
    /// What the records of this connection's appends name as their author
    /// (`Principal.by(uid:)`), made once per principal rather than once per append.
    private var cachedRecordedBy: (principal: Principal, by: String)?
    /// Set once the connection's places are given back (`givePlaceBack`).
    private var placeGivenBack = false

    /// Shut at the in-flight limit: the decoder then holds further lines back, raw.
    private let gate: InputGate
    /// Bytes the client sent before finishing (half-close) that the connection could not take
    /// yet, framed here as answers drain; and their framing.
    private var rest: ByteBuffer?
    private var restFramer: LineFramer
    /// A task to hand the decoder its empty read is queued.
    private var resumeQueued = false
    /// A VERIFY or BACKUP of this connection waits for or runs on the slow-request queue.
    private var slowRequestQueued = false

    init(service: LedgerService, peer: PeerCredentials, gate: InputGate) {
        self.service = service
        self.peer = peer
        self.gate = gate
        restFramer = LineFramer(maxLineBytes: service.configuration.maxLineBytes)
    }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }
    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
        // A channel closed before it became active never sees channelInactive.
        givePlaceBack()
        // Only now: after channelInactive the handler may still take lines it holds (a
        // half-closed client's), and their principal needs the peer's groups.
        service.access.connectionClosed(peer.identity)
    }

    /// The connection's places (`--max-connections`, its uid's) are free again, once.
    private func givePlaceBack() {
        guard !placeGivenBack else { return }
        placeGivenBack = true
        service.stats.connectionClosed(uid: peer.uid)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !ignoreInput else { return }
        linesSinceTakenProgress = true
        take(unwrapInboundIn(data))
        gate.isOpen = hasRoom || ignoreInput
    }

    /// One frame, from the decoder or from `rest`.
    private func take(_ frame: LineFrame) {
        switch frame {
        case .tooLong(let bytesSeen):
            refuseTooLong(bytesSeen)
        case .line(let line):
            handle(line: line)
        case .rest(let bytes):
            precondition(rest == nil, "the decoder hands over the rest once")
            rest = bytes
            takeRest()
        }
    }

    /// Fewer than `maxPipelinedRequests` answers are owed and the client takes the answers
    /// already written: another request may be read and taken. One that sends and never
    /// reads fills its socket, then the channel stops being writable, and the daemon stops
    /// reading and taking lines instead of buffering answers without bound (an answer ready
    /// at once, an error say, is written even while the channel is not writable).
    private var hasRoom: Bool {
        slots.count < service.configuration.maxPipelinedRequests && context?.channel.isWritable == true
    }

    private func refuseTooLong(_ bytesSeen: Int) {
        answerError(ProtocolError(.tooLarge, "line of \(bytesSeen)+ bytes is over the limit of \(service.configuration.maxLineBytes); closing"))
        slots.append(.close)
        ignoreInput = true
    }

    /// Frames and handles lines of `rest` while the connection is under its in-flight limit;
    /// the rest waits for answers to drain. A partial last line is dropped, as at any EOF.
    private func takeRest() {
        let before = firstSlotNumber + UInt64(slots.count)
        while var pending = rest, hasRoom {
            guard let frame = restFramer.next(&pending) else {
                rest = nil
                break
            }
            rest = pending.readableBytes > 0 ? pending : nil
            take(frame)
            // A TAIL or a refusal ends what the connection takes.
            switch slots.last {
            case .tail?, .close?: rest = nil
            default: break
            }
        }
        submitAppends()
        // Reads taken here are answered by the next flush (none may be coming otherwise).
        if firstSlotNumber + UInt64(slots.count) != before { queueFlush() }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        submitAppends()
        flushReady()
        context.fireChannelReadComplete()
    }

    func read(context: ChannelHandlerContext) {
        if hasRoom {
            context.read()
        } else {
            readPending = true  // backpressure: resume once answers drain
            watchForTakingNothing(context: context)
        }
    }


    func channelWritabilityChanged(context: ChannelHandlerContext) {
        tail?.channelChanged()
        if tail == nil && context.channel.isWritable { flushReady() }
        if !context.channel.isWritable { watchForTakingNothing(context: context) }
        if readPending && hasRoom {
            readPending = false
            context.read()
        }
        context.fireChannelWritabilityChanged()
    }

    func channelInactive(context: ChannelHandlerContext) {
        takingNothingCheck?.cancel()
        takingNothingCheck = nil
        tail?.channelChanged()
        givePlaceBack()
        context.fireChannelInactive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let stall = event as? InputStalled {
            stalled(stall, context: context)
            return
        }
        if case ChannelEvent.inputClosed = event {
            // The client finished sending (half-close): answer what it sent, then close.
            submitAppends()
            closeWhenIdle = true
            ignoreInput = true
            flushReady()
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        service.logger.debug("connection error: \(error)")
        context.close(promise: nil)
    }

    /// A connection that owes nothing and sat too long is closed. One with answers still to
    /// give (even to a client that stopped sending mid-line: while answers wait unread the
    /// daemon holds back reading, so the half line is its own doing) is closed only when the
    /// client has taken none of them for the idle timeout. A TAIL is left alone.
    private func stalled(_ stall: InputStalled, context: ChannelHandlerContext) {
        guard tail == nil else { return }
        let unread = UnreadAnswerBytes.of(context.channel)
        // A closing connection (its input ignored) waits only for its client to take answers.
        guard !ignoreInput, slots.isEmpty, submissions.isEmpty, unread == 0, !readPending, context.channel.isWritable else {
            cutOffIfTakingNothing(unread: unread, context: context)
            return
        }
        takenProgress = nil
        service.stats.connectionTimedOut()
        if stall.partialLine {
            answerError(ProtocolError(.badRequest, "line not finished within \(stall.seconds) s; closing"))
            slots.append(.close)
            ignoreInput = true
            flushReady()
        } else {
            service.logger.debug("closing a connection idle for \(stall.seconds) s")
            closeOnceWritten(context)
        }
    }

    /// Starts the clock of `cutOffIfTakingNothing` when the daemon begins to wait on the
    /// client (it holds back reading, or the socket filled), so that the cut-off comes one
    /// idle timeout after the client last took anything, not after the next stall report.
    private func watchForTakingNothing(context: ChannelHandlerContext) {
        guard tail == nil, takenProgress == nil else { return }
        cutOffIfTakingNothing(unread: UnreadAnswerBytes.of(context.channel), context: context)
    }

    /// Closes a connection whose client has left answers unread, without taking any, for the
    /// idle timeout; answers the daemon still works on (unread 0) are not the client's wait.
    /// Until then it looks again when the timeout would be up.
    private func cutOffIfTakingNothing(unread: Int, context: ChannelHandlerContext) {
        guard unread > 0, let idle = service.configuration.idleTimeoutSeconds else {
            takenProgress = nil
            return
        }
        let now = NIODeadline.now()
        let taken = handedBytes - unread
        let timeout = TimeAmount.seconds(Int64(idle))
        guard let progress = takenProgress, taken <= progress.taken else {
            takenProgress = (taken, now)  // the clock starts, or the client took some since
            linesSinceTakenProgress = false
            checkForTakingNothing(at: now + timeout, context: context)
            return
        }
        guard now - progress.since >= timeout else {
            checkForTakingNothing(at: progress.since + timeout, context: context)
            return
        }
        service.stats.connectionTimedOut()
        service.logger.debug("closing a connection whose client took no answers for \(idle) s")
        context.close(promise: nil)
    }

    private func checkForTakingNothing(at deadline: NIODeadline, context: ChannelHandlerContext) {
        takingNothingCheck?.cancel()
        takingNothingCheck = context.eventLoop.scheduleTask(deadline: deadline) { [self] in
            takingNothingCheck = nil
            guard context.channel.isActive, tail == nil else { return }
            // Read from again and sending, the client is live: the stall watch reports it
            // if it goes quiet.
            guard readPending || ignoreInput || !context.channel.isWritable || !linesSinceTakenProgress else {
                takenProgress = nil
                return
            }
            cutOffIfTakingNothing(unread: UnreadAnswerBytes.of(context.channel), context: context)
        }
    }

    /// The daemon is stopping: close once every request already read has its answer.
    func stopWhenIdle() {
        guard let context else { return }
        context.eventLoop.preconditionInEventLoop()
        closeWhenIdle = true
        ignoreInput = true
        // Requests not yet taken get no answer, as those still unread in the socket; what
        // comes in now is dropped as it is read, not held.
        rest = nil
        gate.isOpen = true
        flushReady()
    }

    // MARK: Requests

    private func handle(line: ByteBuffer) {
        let request: Request
        do {
            request = try line.readableBytesView.withContiguousStorageIfAvailable { try Request.parse($0) }
                ?? Request.parse(Array(line.readableBytesView))
        } catch {
            answerError(error)
            return
        }
        let principal = currentPrincipal()
        if let denial = AccessPolicy.denial(principal, uid: peer.uid, request: request) {
            answerError(denial)
            return
        }
        switch request {
        case .append(let json):
            do {
                guard let principal else { throw ProtocolError(.denied, "uid \(peer.uid) may not APPEND") }
                guard !service.isStopping else { throw ProtocolError(.unavailable, "the daemon is shutting down") }
                let reading = try AppendReading(json)
                let number = firstSlotNumber + UInt64(slots.count)
                let submitted = NIODeadline.now().uptimeNanoseconds
                slots.append(.waiting(submittedNanos: submitted))
                submissions.append(AppendSubmission(reading, principal: recordedBy(principal), eventLoop: context!.eventLoop,
                                                    submittedNanos: submitted) { [self] outcome in
                    complete(number, with: outcome)
                })
            } catch {
                answerError(error)
            }
        case .verify:
            // Rehashing the whole log takes a while: it runs off the event loop, its answer
            // keeps its place in the order.
            let service = service
            answerOffLoop { output in
                do {
                    let report = try service.store.verify(head: service.head)
                    if !report.ok {
                        service.logger.critical("VERIFY found the ledger damaged at seq \(report.badSeq.map(String.init) ?? "?"): \(report.reason ?? "")")
                    }
                    AnswerEncoder.ok(VerifyAnswer.json(report), into: &output)
                } catch {
                    service.logger.critical("VERIFY could not finish: \(error)")
                    AnswerEncoder.error(ProtocolError(.storage, "\(error)"), into: &output)
                }
            }
        case .backup(let directory):
            // Copying the environment takes a while too; appends go on meanwhile.
            let service = service
            answerOffLoop { BackupRequests.answer(directory: directory, service: service, into: &$0) }
        case .tail(let from):
            slots.append(.tail(from: from))
            // The stream owns the connection from now on; input is read only to notice EOF.
            ignoreInput = true
        default:
            // Answered when it reaches the front and the client takes its answers (flushReady).
            slots.append(.deferred(request))
        }
    }

    /// The peer's principal under the access rules in force now. Its groups were looked up
    /// off the loop, when the connection opened or by the reload that brought these rules
    /// (AccessControl): a reload is when an admin expects a change of /etc/group (a clerk
    /// removed from a group) to take effect.
    private func currentPrincipal() -> Principal? {
        let (generation, policy, groups) = service.access.rules(for: peer.identity)
        if let cached = cachedPrincipal, cached.generation == generation { return cached.principal }
        let principal = policy.principal(uid: peer.uid, gid: peer.gid) {
            // Looked up before the rules need them (AccessControl); were they missing, the
            // peer would only be denied what its groups give, not stop the daemon.
            assert(groups != nil, "an open connection's groups are looked up before its rules need them")
            return groups ?? []
        }
        cachedPrincipal = (generation, principal)
        return principal
    }

    private func recordedBy(_ principal: Principal) -> String {
        if let cached = cachedRecordedBy, cached.principal == principal { return cached.by }
        let by = principal.by(uid: peer.uid)
        cachedRecordedBy = (principal, by)
        return by
    }

    /// Runs `work` on the daemon's queue of slow requests (one at a time); its answer fills a
    /// waiting slot, so it keeps its place.
    private func answerOffLoop(_ work: @escaping @Sendable (inout [UInt8]) -> Void) {
        // The slow requests of every connection share one queue: a connection may have one
        // there at a time, or a client pipelining VERIFYs would hold everyone's for hours.
        guard !slowRequestQueued else {
            answerError(ProtocolError(.unavailable, "this connection's VERIFY or BACKUP is still running; send the next once it is answered"))
            return
        }
        slowRequestQueued = true
        let number = firstSlotNumber + UInt64(slots.count)
        slots.append(.waiting(submittedNanos: NIODeadline.now().uptimeNanoseconds))
        handOff(to: service.slowRequests, number: number, work) { [self] in slowRequestQueued = false }
    }

    /// Runs `work` on `queue` and fills slot `number` with its answer back on the event loop
    /// (after `whenBack`). Skipped if the client has hung up by the time it would start; the
    /// service's `offLoopWork` counts it until its answer is handed back.
    private func handOff(to queue: DispatchQueue, number: UInt64, _ work: @escaping @Sendable (inout [UInt8]) -> Void,
                         whenBack: @escaping () -> Void = {}) {
        handOff(to: queue, number: number, count: 1, { outputs in
            var output: [UInt8] = []
            work(&output)
            outputs.append(output)
        }, whenBack: { _ in whenBack() })
    }

    /// Runs `work` on `queue` for the `count` waiting slots from `number` on: it appends one
    /// answer for each of the first (at least one), which fill their slots back on the loop,
    /// in order; `whenBack` hears how many were answered.
    private func handOff(to queue: DispatchQueue, number: UInt64, count: Int, _ work: @escaping @Sendable (inout [[UInt8]]) -> Void,
                         whenBack: @escaping (Int) -> Void) {
        precondition(count >= 1, "a hand-off answers at least one request")
        let loop = context!.eventLoop
        let channel = context!.channel
        let offLoop = service.offLoopWork
        offLoop.enter()
        queue.async {
            defer { offLoop.leave() }
            guard channel.isActive else { return }
            var outputs: [[UInt8]] = []
            outputs.reserveCapacity(count)
            work(&outputs)
            precondition((1...count).contains(outputs.count), "a hand-off answers the first of its requests, and no more than it took")
            loop.execute { [self] in
                whenBack(outputs.count)
                for (offset, output) in outputs.enumerated() { fill(number + UInt64(offset), with: output, isAppend: false) }
            }
        }
    }

    private func answerRead(_ request: Request) -> [UInt8] {
        var output: [UInt8] = []
        do {
            try ReadRequests(service: service, peer: peer, principal: currentPrincipal()).answer(request, into: &output)
        } catch {
            output.removeAll(keepingCapacity: true)
            encode(error, into: &output)
        }
        return output
    }

    private func answerError(_ error: Error) {
        var output: [UInt8] = []
        encode(error, into: &output)
        slots.append(.ready(output))
    }

    private func encode(_ error: Error, into output: inout [UInt8]) {
        Self.encode(error, counting: service.stats, into: &output)
    }

    private static func encode(_ error: Error, counting stats: ServerStats, into output: inout [UInt8]) {
        let protocolError = error as? ProtocolError ?? ProtocolError(.internal, "\(error)")
        stats.error(protocolError.code)
        AnswerEncoder.error(protocolError, into: &output)
    }

    private func submitAppends() {
        guard !submissions.isEmpty else { return }
        let batch = submissions
        submissions.removeAll(keepingCapacity: true)
        if !service.writer.submit(batch) {
            let refusal = ProtocolError(.unavailable, service.isStopping ? "the daemon is shutting down" : "the writer queue is full")
            for submission in batch { submission.deliver(.failed(refusal)) }
        }
    }

    private func complete(_ number: UInt64, with outcome: AppendOutcome) {
        var output: [UInt8] = []
        switch outcome {
        case .appended(let id, let record): AppendAnswer.encode(id: id, record: record, duplicate: false, into: &output)
        case .duplicate(let id, let record, let voidedBy):
            AppendAnswer.encode(id: id, record: record, duplicate: true, voidedBy: voidedBy, into: &output)
        case .failed(let error): encode(error, into: &output)
        }
        fill(number, with: output, isAppend: true)
    }

    /// Puts the answer of a request that finished later into its slot; a flush queued after
    /// the current task writes what is ready.
    private func fill(_ number: UInt64, with output: [UInt8], isAppend: Bool) {
        replaceWaiting(number, why: "a request is answered once") { submitted in
            if isAppend { appendLatencies.append(NIODeadline.now().uptimeNanoseconds - submitted) }
            return .ready(output)
        }
    }

    /// Replaces the waiting slot of request `number` with what `next` makes of it (given when
    /// it was submitted) and queues a flush; nothing once the connection is gone.
    private func replaceWaiting(_ number: UInt64, why: @autoclosure () -> String, _ next: (UInt64) -> Slot) {
        guard context != nil, number >= firstSlotNumber, number - firstSlotNumber < UInt64(slots.count) else { return }
        let index = slots.index(slots.startIndex, offsetBy: Int(number - firstSlotNumber))
        guard case .waiting(let submitted) = slots[index] else { preconditionFailure(why()) }
        slots[index] = next(submitted)
        queueFlush()
    }

    /// Flushes once the current event-loop task has ended. The writer answers a whole batch
    /// in one task per event loop, so a connection with 64 appends in that batch writes them
    /// with one syscall, not 64.
    private func queueFlush() {
        guard !flushQueued, let context else { return }
        flushQueued = true
        context.eventLoop.execute { [self] in
            flushQueued = false
            flushReady()
        }
    }

    /// Answers the read at the front on the service's read queue. Slicing the loop's time
    /// did not do: NIO runs every task already due before it polls again, so two
    /// connections' continuations kept a loop from its other connections indefinitely.
    private func answerOffLoopInTurn(_ requests: [Request], firstNumber: UInt64) {
        let reads = ReadRequests(service: service, peer: peer, principal: currentPrincipal())
        let stats = service.stats
        handOff(to: service.reads, number: firstNumber, count: requests.count, { outputs in
            var bytes = 0
            for request in requests where outputs.isEmpty || bytes < Self.maxRunAnswerBytes {
                var output: [UInt8] = []
                do {
                    try reads.answer(request, into: &output)
                } catch {
                    output.removeAll(keepingCapacity: true)
                    ConnectionHandler.encode(error, counting: stats, into: &output)
                }
                bytes += output.count
                outputs.append(output)
            }
        }, whenBack: { [self] answered in
            // The GETs past the bytes bound wait for their turn again.
            for offset in answered..<requests.count { putBack(firstNumber + UInt64(offset), requests[offset]) }
        })
    }

    /// Most GETs answered in one hop off the loop: a pipeline of them paid a thread hop
    /// each (30,000 took twice as long once reads left the loop).
    static let maxGetsPerHop = 32
    /// A run stops once its answers pass this (a record may be 512 KiB): what a connection
    /// holds for a client that may not read stays about what one answer could be.
    static let maxRunAnswerBytes = 64 << 10

    /// A request taken off the loop and not answered goes back to wait for its turn.
    private func putBack(_ number: UInt64, _ request: Request) {
        replaceWaiting(number, why: "only a request taken off the loop is put back") { _ in .deferred(request) }
    }

    /// `request`, the front slot's, and when it is a GET the GETs waiting right behind it.
    private func offLoopRun(startingWith request: Request) -> [Request] {
        guard case .get = request else { return [request] }
        var run = [request]
        for slot in slots.dropFirst() {
            guard run.count < Self.maxGetsPerHop, case .deferred(let next) = slot, case .get = next else { break }
            run.append(next)
        }
        return run
    }

    // MARK: Answers

    /// Writes every answer at the front that is ready, with one flush. Reads are answered
    /// only while the channel is writable: a client that does not take its answers makes the
    /// daemon wait (and stop reading), not pile answers up in memory.
    private func flushReady() {
        guard let context else { return }
        var output: [UInt8] = []
        var startTail: UInt64?
        var close = false
        var wrote = false
        drain: while let first = slots.first {
            switch first {
            case .waiting:
                break drain
            case .ready(let bytes):
                output.append(contentsOf: bytes)
                answeredCount += 1
            case .deferred(let request):
                if output.count >= Self.writeChunkBytes {
                    handedBytes += output.count
                    context.write(wrapOutboundOut(context.channel.allocator.buffer(bytes: output)), promise: nil)
                    output.removeAll(keepingCapacity: true)
                    wrote = true
                }
                guard context.channel.isWritable else { break drain }  // resumed by channelWritabilityChanged
                if !request.isMomentary {
                    // Answered off the loop, in its turn: the answers fill these slots.
                    let run = offLoopRun(startingWith: request)
                    let now = NIODeadline.now().uptimeNanoseconds
                    for offset in run.indices { slots[slots.index(slots.startIndex, offsetBy: offset)] = .waiting(submittedNanos: now) }
                    answerOffLoopInTurn(run, firstNumber: firstSlotNumber)
                    break drain
                }
                output.append(contentsOf: answerRead(request))
                answeredCount += 1
            case .tail(let from):
                startTail = from
            case .close:
                close = true
            }
            slots.removeFirst()
            firstSlotNumber += 1
            if startTail != nil || close { break drain }
        }
        if !output.isEmpty {
            handedBytes += output.count
            context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(bytes: output)), promise: nil)
        } else if wrote {
            context.flush()
        }
        if answeredCount > 0 || !appendLatencies.isEmpty {
            service.stats.answered(requests: answeredCount, appendLatencies: appendLatencies)
            answeredCount = 0
            appendLatencies.removeAll(keepingCapacity: true)
        }
        if let from = startTail {
            let stream = TailStream(service: service, channel: context.channel, from: from)
            tail = stream
            stream.start()
            return
        }
        if rest != nil && !close { takeRest() }
        if close || (closeWhenIdle && slots.isEmpty && tail == nil && rest == nil) {
            closeOnceWritten(context)
            return
        }
        // Input the connection ignores (a TAIL runs, a line was too long, the daemon stops)
        // is dropped as it is read: held back, it would pile up for as long as the client sends.
        gate.isOpen = hasRoom || ignoreInput
        if gate.isOpen && gate.holding { resumeHeldLines(context) }
        if readPending && hasRoom {
            readPending = false
            context.read()
        }
    }

    /// The decoder holds lines back that came in before the gate shut: hands it an empty
    /// read, past the stall watch (no bytes came from the client), in a task of its own so
    /// that it never runs inside a decode.
    private func resumeHeldLines(_ context: ChannelHandlerContext) {
        guard !resumeQueued else { return }
        resumeQueued = true
        context.eventLoop.execute { [self] in
            resumeQueued = false
            // Shut again meanwhile (the socket filled): the next flush that finds room resumes.
            guard let context = self.context, gate.isOpen, gate.holding,
                  let before = try? context.pipeline.syncOperations.context(handlerType: StalledInputWatch.self) else { return }
            gate.holding = false
            before.fireChannelRead(NIOAny(context.channel.allocator.buffer(capacity: 0)))
            submitAppends()
            flushReady()
        }
    }
}

extension ConnectionHandler {
    /// Closes the connection once every answer handed to the channel is in the kernel's
    /// hands. A close drops what NIO still holds, which cut the last answers (mid-line) of a
    /// client that sent many requests and then half-closed or was stopped. Meanwhile the
    /// stall watch goes on: a client that takes none of its answers for the idle timeout is
    /// cut off (`stalled`), one that reads slowly keeps the connection. (At shutdown the
    /// server's own grace period bounds the wait.)
    fileprivate func closeOnceWritten(_ context: ChannelHandlerContext) {
        guard !closeRequested else { return }
        closeRequested = true
        let written = context.eventLoop.makePromise(of: Void.self)
        // Writes complete in order: an empty one completes once all before it have.
        context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(capacity: 0)), promise: written)
        written.futureResult.whenComplete { _ in context.close(promise: nil) }
    }
}

/// The `OK` answer to an APPEND, assembled directly: it is the hottest answer there is.
enum AppendAnswer {
    static func encode(id: String, record: RecordReceipt, duplicate: Bool, voidedBy: UInt64? = nil, into output: inout [UInt8]) {
        output.reserveCapacity(output.count + id.utf8.count + 220)
        output.append(literal: "OK {")
        if duplicate { output.append(literal: #""duplicate":true,"#) }
        output.append(literal: #""id":"#)
        CanonicalJSON.appendString(id, to: &output)
        output.append(literal: #","leaf":""#)
        record.leaf.withUnsafeBytes { output.append(lowercaseHexOf: $0) }
        output.append(literal: #"","root":""#)
        record.root.withUnsafeBytes { output.append(lowercaseHexOf: $0) }
        output.append(literal: #"","seq":"#)
        output.append(decimal: record.seq)
        output.append(literal: #","size":"#)
        output.append(decimal: record.size)
        if let voidedBy {
            output.append(literal: #","voidedBy":"#)
            output.append(decimal: voidedBy)
        }
        output.append(literal: "}\n")
    }
}
