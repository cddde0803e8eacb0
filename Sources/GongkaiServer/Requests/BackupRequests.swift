import GongkaiJSON
import GongkaiProtocol
import GongkaiStorage

/// BACKUP: a compacting hot copy of the ledger, run off the event loop (it takes as long as
/// the copy) while appends go on. `size`/`root` are the head of the snapshot copied, read back
/// from the copy itself; `bytes` is the size of its `data.mdb`.
enum BackupRequests {
    static func answer(directory: String, service: LedgerService, into output: inout [UInt8]) {
        do {
            guard !service.isStopping else { throw ProtocolError(.unavailable, "the daemon is shutting down") }
            if directory.hasPrefix("/"), let place = BackupPlace.resolved(directory),
               let refusal = BackupPlace.refusal(directory: place, stateDirectory: BackupPlace.resolved(service.configuration.stateDirectory)
                                                    ?? service.configuration.stateDirectory,
                                                 mountInfo: BackupPlace.currentMountInfo()) {
                throw ProtocolError(.badRequest, refusal)
            }
            let result = try service.store.backup(to: directory) { copied in
                // The snapshot may hold batches still waiting for their fdatasync.
                guard service.writer.waitUntilDurable(size: copied.size) else {
                    throw ProtocolError(.storage, "the ledger could not make the records of the copy durable, " +
                                        "so the copy was removed; no append is taken before a restart")
                }
            }
            service.logger.info("backup written", metadata: [
                "directory": "\(result.directory)", "size": "\(result.head.size)", "bytes": "\(result.bytes)",
            ])
            AnswerEncoder.ok([
                "directory": .string(result.directory), "size": .number(Double(result.head.size)),
                "root": .string(result.head.root.hex), "bytes": .number(Double(result.bytes)),
            ], into: &output)
        } catch let error as ProtocolError {
            AnswerEncoder.error(error, into: &output)
        } catch let refusal as BackupRefusal {
            AnswerEncoder.error(ProtocolError(.badRequest, refusal.description), into: &output)
        } catch {
            service.logger.error("backup to \(directory) failed: \(error)")
            AnswerEncoder.error(ProtocolError(.storage, "backup to \(directory) failed: \(error)"), into: &output)
        }
    }
}
