import Foundation
import Glibc
@testable import GongkaiServer
import XCTest

/// The socket is created with mode 0660, whatever the process's file-creation mask: it must
/// never accept a stranger's connection between its bind and its chmod.
final class SocketFileTests: XCTestCase {
    func testASocketBoundUnderAnOpenMaskIsCreated0660AndTheMaskRestored() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gongkai-socketfile-\(getpid())").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/s.sock"
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        XCTAssertGreaterThanOrEqual(fd, 0)
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(path.utf8)) }

        let outer = umask(0)  // the most open mask a daemon could inherit
        defer { umask(outer) }
        let bound = SocketFile.withCreationMode {
            withUnsafePointer(to: &address) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
            }
        }
        XCTAssertEqual(bound, 0, String(cString: strerror(errno)))
        var info = stat()
        XCTAssertEqual(lstat(path, &info), 0)
        XCTAssertEqual(info.st_mode & 0o777, SocketFile.mode, "created with the socket's mode, before any chmod")
        XCTAssertEqual(umask(0), 0, "the process's mask is given back")
    }
}
