/// A coding key for any member name, for the few documents Pipette decodes on every build
/// (`result.json`, a stack's `metadata.json`). The synthesized decoders instantiate one keyed
/// container type per `CodingKeys` enum, and the Swift runtime answers each first instantiation by
/// scanning every protocol conformance record of the executable (about 0.3 ms each here,
/// BENCHMARKS.md); decoders written with this one key share a single instantiation.
public struct AnyCodingKey: CodingKey, ExpressibleByStringLiteral, Sendable {
    public let stringValue: String
    public var intValue: Int? { nil }

    public init(stringValue: String) { self.stringValue = stringValue }
    public init?(intValue: Int) { nil }
    public init(stringLiteral value: String) { stringValue = value }
}

extension KeyedDecodingContainer where Key == AnyCodingKey {
    /// The object under `key` as a dictionary of `Value`s, read through a nested container of
    /// the same key type (no new keyed container type for the runtime to look up).
    public func decodeDictionary<Value: Decodable>(_ type: Value.Type, forKey key: AnyCodingKey) throws -> [String: Value] {
        let members = try nestedContainer(keyedBy: AnyCodingKey.self, forKey: key)
        var dictionary: [String: Value] = [:]
        for member in members.allKeys { dictionary[member.stringValue] = try members.decode(Value.self, forKey: member) }
        return dictionary
    }
}
