import Foundation
import Glibc
import GongkaiJSON
import NIOPosix

/// A reason an access file cannot be used; the daemon refuses to start (or keeps its old rules
/// on SIGHUP) and logs it.
public struct AccessFileError: Error, CustomStringConvertible, Equatable, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// The pinned access file of DESIGN.md section 4:
/// `{"principals":[{"principal":"office:czj","users":["czj-clerk",1001],"groups":["czj-office"]}, …]}`.
/// Users and groups are names or numbers; names are resolved when the file is loaded.
public enum AccessFile {
    /// Turns user and group names into numbers; `system` asks the name service.
    public struct NameResolver: Sendable {
        public var user: @Sendable (String) -> UInt32?
        public var group: @Sendable (String) -> UInt32?

        public init(user: @escaping @Sendable (String) -> UInt32?, group: @escaping @Sendable (String) -> UInt32?) {
            self.user = user
            self.group = group
        }

        public static let system = NameResolver(
            user: { name in getpwnam(name).map { $0.pointee.pw_uid } },
            group: { name in getgrnam(name).map { $0.pointee.gr_gid } })
    }

    /// Reads and checks the file at `path`.
    public static func load(path: String, resolver: NameResolver = .system) throws -> AccessPolicy {
        guard let data = FileManager.default.contents(atPath: path) else {
            // Say why, and how the daemon reads it: the usual cause is a copy made by root.
            let reason = access(path, R_OK) == 0 ? "unreadable" : String(cString: strerror(errno))
            throw AccessFileError("cannot read access file \(path): \(reason); the daemon reads it as its own user " +
                                  "(under systemd, group gongkai): install -m 0640 -o root -g gongkai SOURCE \(path)")
        }
        do {
            return try parse(Array(data), resolver: resolver)
        } catch let error as AccessFileError {
            throw AccessFileError("access file \(path): \(error.description)")
        }
    }

    /// Checks a whole document: every principal known, every user and group resolvable.
    public static func parse(_ bytes: [UInt8], resolver: NameResolver = .system) throws -> AccessPolicy {
        let document: JSONValue
        do {
            document = try JSONParser.parse(bytes)
        } catch {
            throw AccessFileError("not JSON: \(error)")
        }
        guard let top = document.objectValue else { throw AccessFileError("must be an object {\"principals\":[…]}") }
        if let extra = top.keys.filter({ $0 != "principals" }).sorted().first {
            throw AccessFileError("unknown field \"\(extra)\"")
        }
        guard let entries = top["principals"]?.arrayValue else { throw AccessFileError("\"principals\" must be an array") }
        var rules: [AccessRule] = []
        for (index, entry) in entries.enumerated() {
            let place = "principals[\(index)]"
            guard let members = entry.objectValue else { throw AccessFileError("\(place) must be an object") }
            if let extra = members.keys.filter({ !["principal", "users", "groups"].contains($0) }).sorted().first {
                throw AccessFileError("\(place): unknown field \"\(extra)\"")
            }
            guard let text = members["principal"]?.stringValue else {
                throw AccessFileError("\(place): \"principal\" must be a string")
            }
            guard let principal = Principal(text) else {
                throw AccessFileError("\(place): unknown principal \"\(text)\" (admin, supervisor, auditor or office:<unit>)")
            }
            let uids = try ids(members["users"], kind: "user", place: "\(place) (\(principal))", resolve: resolver.user)
            let gids = try ids(members["groups"], kind: "group", place: "\(place) (\(principal))", resolve: resolver.group)
            rules.append(AccessRule(principal: principal, uids: uids, gids: gids))
        }
        return AccessPolicy(rules: rules)
    }

    private static func ids(_ value: JSONValue?, kind: String, place: String,
                            resolve: (String) -> UInt32?) throws -> Set<UInt32> {
        guard let value else { return [] }
        guard let items = value.arrayValue else { throw AccessFileError("\(place): \"\(kind)s\" must be an array") }
        var result: Set<UInt32> = []
        for item in items {
            if let name = item.stringValue {
                // Refused, not skipped: the first matching rule wins, so an entry can keep its
                // user from a later, stronger rule, and skipping it (a renamed account, a name
                // service down at boot) would hand that rule over.
                guard !name.isEmpty, let id = resolve(name) else {
                    throw AccessFileError("\(place): unknown \(kind) \"\(name)\" (an account deleted or renamed, or a " +
                                          "name service not answering?); correct or remove it, then restart or reload")
                }
                result.insert(id)
            } else if let number = item.integerValue, number >= 0, number < Int64(UInt32.max) {
                result.insert(UInt32(number))
            } else {
                throw AccessFileError("\(place): a \(kind) must be a name or a number 0…\(UInt32.max - 1)")
            }
        }
        return result
    }
}

/// The groups of a uid's user, for group rules: its primary group (passwd) and the groups
/// that list it (getgrouplist), plus the gid the peer connected with; empty for a uid
/// without a name. The primary group counts even when the client runs under another group
/// (`sg gongkai`, a service's `Group=`).
enum UserGroups {
    static func of(uid: UInt32, gid: UInt32) -> [UInt32] {
        // NSS may wait on a directory server: never on an event loop (AccessControl).
        assert(MultiThreadedEventLoopGroup.currentEventLoop == nil, "group look-ups never run on an event loop")
        var entry = passwd()
        var result: UnsafeMutablePointer<passwd>?
        var buffer = [CChar](repeating: 0, count: 4096)
        guard getpwuid_r(uid, &entry, &buffer, buffer.count, &result) == 0, result != nil, let name = entry.pw_name else {
            return []
        }
        var count: Int32 = 64
        while true {
            var groups = [gid_t](repeating: 0, count: Int(count))
            let previous = count
            if getgrouplist(name, entry.pw_gid, &groups, &count) >= 0 {
                let found = Array(groups.prefix(Int(count)))
                return found.contains(gid) ? found : found + [gid]
            }
            if count <= previous { count = previous * 2 }
            if count > 65_536 { return [] }
        }
    }
}
