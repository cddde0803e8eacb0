import ArgumentParser
import Foundation
import GongkaiCheckpoint

/// `gongkai keygen`: an Ed25519 key pair for gongkaid's signed checkpoints.
struct Keygen: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a new Ed25519 key pair for signed checkpoints.",
        discussion: """
            Writes PREFIX.key (the signer key for gongkaid --signing-key, mode 0600) and \
            PREFIX.pub (the verifier key to give to auditors, mode 0644), each one line in \
            the C2SP signed-note encoding. Never overwrites an existing file.
            """)

    @Option(name: .long, help: "Key name, also the default checkpoint origin: no whitespace, no '+'.")
    var name: String

    @Option(name: .long, help: ArgumentHelp("Path prefix of the two files.", valueName: "prefix"))
    var out: String

    func validate() throws {
        guard CheckpointKeys.isValidName(name) else { throw ValidationError("--name must be non-empty, without whitespace or '+'") }
        guard !out.isEmpty else { throw ValidationError("--out must name a path prefix") }
    }

    func run() throws {
        let keyPath = out + ".key", pubPath = out + ".pub"
        // Checked up front so that a refusal leaves no half-written pair behind.
        for path in [keyPath, pubPath] where FileManager.default.fileExists(atPath: path) {
            Output.note("error: \(path) already exists; not overwriting it")
            throw ExitCode(1)
        }
        let keys = try CheckpointKeys.generate(name: name)
        try Self.create(keyPath, contents: keys.signer, mode: 0o600)
        do {
            try Self.create(pubPath, contents: keys.verifier, mode: 0o644)
        } catch {
            unlink(keyPath)
            throw error
        }
        let output = Output(readable: true)
        output.line("signer key:   \(keyPath)")
        output.line("verifier key: \(pubPath)")
    }

    /// Creates `path` exclusively (O_EXCL: never follows or replaces an existing file) with
    /// exactly `mode`, whatever the umask, and writes one line.
    private static func create(_ path: String, contents: String, mode: mode_t) throws {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard descriptor >= 0 else {
            Output.note("error: cannot create \(path): \(String(cString: strerror(errno)))")
            throw ExitCode(1)
        }
        let handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
        do {
            guard fchmod(descriptor, mode) == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
            try handle.write(contentsOf: Data((contents + "\n").utf8))
            try handle.synchronize()
        } catch {
            Output.note("error: cannot write \(path): \(error)")
            unlink(path)
            throw ExitCode(1)
        }
    }
}
