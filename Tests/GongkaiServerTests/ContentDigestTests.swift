import GongkaiJSON
@testable import GongkaiServer
import XCTest

/// Sealing by splicing the digest into the encoded answer must give exactly the bytes of
/// encoding the sealed answer, wherever "digest" falls in the key order.
final class ContentDigestTests: XCTestCase {
    func testSplicedBytesEqualEncodingTheSealedAnswer() throws {
        let answers: [JSONValue] = [
            [:],
            ["unit": "rsj", "asof": "2023-12-31", "known": 42, "obligations": [["id": "T01", "periods": []]], "summary": ["met": 3]],
            ["a": 1, "b": [1, 2, ["c": "d"]]],                     // every key before "digest"
            ["e": true, "z": nil],                                  // every key after
            ["digest": "stale", "deadline": "x", "digests": 1],     // a stale digest, and near neighbours
            ["d": 1, "dig": 2, "digesu": 3, "digestZ": 4],
            ["名": "非 ASCII key", "a": 1],                           // falls back to encoding twice
            ["a\"b": 1, "z": "y\n"],                                // an escaped key: falls back too
            "not an object",
        ]
        for answer in answers {
            XCTAssertEqual(String(decoding: ContentDigest.sealedBytes(answer), as: UTF8.self),
                           String(decoding: CanonicalJSON.encode(ContentDigest.sealed(answer)), as: UTF8.self), "\(answer)")
        }
    }
}
