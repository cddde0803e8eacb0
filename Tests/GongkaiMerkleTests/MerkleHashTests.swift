import Foundation
import GongkaiMerkle
import XCTest

final class MerkleHashTests: XCTestCase {
    private let sample = MerkleHash(bytes: Array(0..<32))

    func testHexRoundTripsLowercase() {
        XCTAssertEqual(sample.hex, "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f")
        XCTAssertEqual(MerkleHash(hex: sample.hex), sample)
        XCTAssertEqual(MerkleHash(hex: sample.hex.uppercased()), sample)
        XCTAssertEqual(sample.description, sample.hex)
    }

    func testHexRejectsWrongLengthAndNonHex() {
        XCTAssertNil(MerkleHash(hex: ""))
        XCTAssertNil(MerkleHash(hex: String(sample.hex.dropLast(2))))
        XCTAssertNil(MerkleHash(hex: sample.hex + "00"))
        XCTAssertNil(MerkleHash(hex: "g" + sample.hex.dropFirst()))
        XCTAssertNil(MerkleHash(hex: " " + sample.hex.dropFirst()))
    }

    func testBase64RoundTrips() {
        XCTAssertEqual(sample.base64, Data(Array(0..<32)).base64EncodedString())
        XCTAssertEqual(MerkleHash(base64: sample.base64), sample)
        XCTAssertEqual(MerkleHash(base64: "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="), RFC6962.emptyRoot)
    }

    func testBase64RejectsWrongLengthAndGarbage() {
        XCTAssertNil(MerkleHash(base64: ""))
        XCTAssertNil(MerkleHash(base64: "V3JvbmdMZWFm"))  // "WrongLeaf"
        XCTAssertNil(MerkleHash(base64: Data(Array(0..<33)).base64EncodedString()))
        XCTAssertNil(MerkleHash(base64: "not base64!"))
    }

    func testBytesAreMutableButStay32Long() {
        var hash = sample
        hash.bytes[0] ^= 1
        XCTAssertNotEqual(hash, sample)
        XCTAssertEqual(hash.bytes.count, 32)
    }
}
