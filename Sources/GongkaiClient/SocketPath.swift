import Foundation

/// The socket the client talks to when none is given: `$GONGKAI_SOCKET` if set and
/// non-empty, else the daemon's development default `./var/gongkai.sock`.
public func defaultSocketPath() -> String {
    if let path = ProcessInfo.processInfo.environment["GONGKAI_SOCKET"], !path.isEmpty {
        return path
    }
    return "./var/gongkai.sock"
}
