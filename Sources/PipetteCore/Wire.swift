import Foundation

/// JSON on the bus: every message between stagers, the auctioneer and cells.
public enum Wire {
    public static func encode(_ value: some Encodable) -> [UInt8] {
        // Encoding our own Codable values cannot fail (no floats that are NaN, no custom throws).
        (try? Array(JSONEncoder().encode(value))) ?? Array("{}".utf8)
    }

    /// Decodes a message; the error says what was expected and what was wrong.
    public static func decode<Value: Decodable>(_ type: Value.Type, from bytes: [UInt8]) throws(WireError) -> Value {
        do {
            return try JSONDecoder().decode(type, from: Data(bytes))
        } catch {
            throw WireError(expected: String(describing: type), reason: "\(error)")
        }
    }
}
