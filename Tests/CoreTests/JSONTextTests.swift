import Foundation
import PipetteCore
import Testing

/// `JSONText` writes what `JSONEncoder` would, as JSON (each user compares whole documents too:
/// `OCISpecTests`, `StagingRequestTextTests`).
@Suite("JSON written by hand")
struct JSONTextTests {
    @Test func controlCharactersAreEscapedAsRFC8259Says() {
        #expect(JSONText.string("a\u{0}b\u{1f}\u{7f}") == "\"a\\u0000b\\u001f\u{7f}\"")
        #expect(JSONText.string("\"\\/\n\r\t") == "\"\\\"\\\\/\\n\\r\\t\"")
        #expect(JSONText.object(("a", "1"), ("b", nil), ("c", JSONText.strings([]))) == "{\"a\":1,\"c\":[]}")
        #expect(JSONText.object([("a", "1"), ("b", "[]")]) == "{\"a\":1,\"b\":[]}")
        #expect(JSONText.object([]) == "{}")
        #expect(JSONText.array(["1", "2", "3"]) == "[1,2,3]")
    }

    @Test(arguments: [0, 1, -1, 42, 0.5, -2.25, 1e14, 1e15, 1e300, Double.leastNonzeroMagnitude, 0.1, 123456789.125, -0.0])
    func numbersReadBackAsTheSameDouble(value: Double) throws {
        let text = JSONText.number(value)
        let read = try JSONDecoder().decode([Double].self, from: Data("[\(text)]".utf8))
        #expect(read == [value], "\(text)")
        if value.rounded() == value, abs(value) < 1e15 { #expect(!text.contains(".") && !text.contains("e"), "\(text)") }
    }
}
