import Foundation
import GongkaiClient
import GongkaiJSON
import GongkaiMerkle
import XCTest

/// Events, pipelining and an independent Merkle root for the integration tests.
enum LedgerFixtures {
    static func event(id: String, unit: String = "czj", title: String = "2023年5月财政预算执行情况") -> String {
        #"{"id":"\#(id)","type":"publication.recorded","unit":"\#(unit)","at":"2023-05-06","obligation":"T01","title":"\#(title)"}"#
    }

    /// Sends every line from a second thread while this thread reads the answers, so the
    /// daemon sees real pipelining; returns one answer line per request, in order.
    static func pipeline(_ connection: LineConnection, _ lines: [String]) throws -> [String] {
        let sender = Thread {
            var chunk: [UInt8] = []
            for line in lines {
                chunk.append(contentsOf: line.utf8)
                chunk.append(0x0A)
                if chunk.count > 32 << 10 {
                    try? connection.sendRaw(chunk)
                    chunk.removeAll(keepingCapacity: true)
                }
            }
            try? connection.sendRaw(chunk)
        }
        sender.start()
        var answers: [String] = []
        answers.reserveCapacity(lines.count)
        while answers.count < lines.count, let line = try connection.readLine() {
            SentEvents.record(request: lines[answers.count], answer: line)
            answers.append(line)
        }
        return answers
    }

    /// Every record from seq 1 on, as the bytes READ returned.
    static func readAll(_ connection: LineConnection) throws -> [[UInt8]] {
        var records: [[UInt8]] = []
        var from = 1
        while true {
            var batch = 0
            let end = try connection.stream("READ \(from) 10000") { records.append($0); batch += 1 }
            guard case .end(let json) = end else { throw TestFailure("READ ended with \(end)") }
            let next = try JSONParser.parse(json)["next"]!.integerValue!
            if batch == 0 { return records }
            from = Int(next)
        }
    }

    /// RFC 6962 MTH computed the slow, obvious way — independent of the daemon's frontier.
    static func merkleRoot(of records: [[UInt8]]) -> MerkleHash {
        func root(_ leaves: ArraySlice<MerkleHash>) -> MerkleHash {
            if leaves.count == 1 { return leaves.first! }
            var split = 1
            while split * 2 < leaves.count { split *= 2 }
            return RFC6962.nodeHash(root(leaves.prefix(split)), root(leaves.dropFirst(split)))
        }
        if records.isEmpty { return RFC6962.emptyRoot }
        return root(ArraySlice(records.map { RFC6962.leafHash($0) }))
    }

    static func json(_ text: String) throws -> JSONValue { try JSONParser.parse(text) }

    static func okJSON(_ answer: String, file: StaticString = #filePath, line: UInt = #line) throws -> JSONValue {
        guard answer.hasPrefix("OK ") else {
            XCTFail("expected OK, got \(answer)", file: file, line: line)
            throw TestFailure(answer)
        }
        return try JSONParser.parse(String(answer.dropFirst(3)))
    }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

extension LedgerFixtures {
    static func leafHex(_ record: [UInt8]) -> String { RFC6962.leafHash(record).hex }
}
