import Foundation
import Testing

/// The hashes that name buildpack and cache directories, against reference
/// values (python-xxhash / hashlib, and Cloud Controller's own spec).
@Suite("Buildpack directory hashes")
struct HashTests {
    static let xxh64Vectors: [(String, String)] = [
        ("", "ef46db3751d8e999"),
        ("a", "d24ec4f1a98c6e5b"),
        ("key", "447762562de14334"),  // Cloud Controller: /tmp/buildpacks/447762562de14334
        ("cl", "00d7b37f249a2722"),  // leading zeros are kept
        ("abc", "44bc2cf5ad770999"),
        ("always-detects", "57efcd3f67a2d921"),
        ("The quick brown fox jumps over the lazy dog", "0b242d361fda71bc"),  // > 32 bytes: the 4-lane path
        (String(repeating: "x", count: 100), "92f0de5a88a3c094"),
        ("https://github.com/cloudfoundry/ruby-buildpack.git", "05718415b7404669"),
    ]

    static let md5Vectors: [(String, String)] = [
        ("", "d41d8cd98f00b204e9800998ecf8427e"),
        ("key", "3c6e0b8a9c15224a8228b9a98ca1531d"),  // Cloud Controller's legacy path
        ("nested-buildpack", "70d137ae4ee01fbe39058ccdebf48460"),  // from CF's builder_test
        ("The quick brown fox jumps over the lazy dog", "9e107d9d372bb6826bd81d3542a419d6"),
        (String(repeating: "x", count: 100), "aed563ecafb4bcc5654c597a421547b2"),
    ]

    @Test("xxhash64 matches reference vectors", arguments: xxh64Vectors)
    func xxh64(input: String, expected: String) throws {
        let r = try run(try Lifecycle.tool(), ["xxh64", input])
        #expect(r.status == 0)
        #expect(r.stdout == expected + "\n")
    }

    @Test("md5 matches reference vectors", arguments: md5Vectors)
    func md5(input: String, expected: String) throws {
        let r = try run(try Lifecycle.tool(), ["md5", input])
        #expect(r.status == 0)
        #expect(r.stdout == expected + "\n")
    }
}
