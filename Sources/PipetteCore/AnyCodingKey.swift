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
