/// JSON text written by hand, for what is written on every staging: runc's `config.json` on every
/// container start, the staging request `pipette stage` sends.
///
/// `JSONEncoder` instantiates a keyed container for each `Encodable` type it meets, and the Swift
/// runtime answers each first instantiation by scanning every protocol conformance record of the
/// executable: the 13 types of `OCISpec` cost about 3 ms of CPU per `pipette build` here. These
/// helpers build the same JSON from strings; `OCISpecTests` and `StagingRequestTextTests` check
/// it against `JSONEncoder`'s.
public enum JSONText {
    /// `value` as a JSON string: quoted, with `"`, `\` and control characters escaped (RFC 8259).
    public static func string(_ value: String) -> String {
        var text = "\""
        text.reserveCapacity(value.utf8.count + 2)
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": text += "\\\""
            case "\\": text += "\\\\"
            case "\n": text += "\\n"
            case "\r": text += "\\r"
            case "\t": text += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                text += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: text.unicodeScalars.append(scalar)
            }
        }
        return text + "\""
    }

    public static func strings(_ values: [String]) -> String { array(values.map(string)) }

    /// An array of values already written as JSON.
    public static func array(_ items: [String]) -> String { "[" + commaSeparated(items) + "]" }

    /// An object of members whose values are already JSON; a nil value is left out, as
    /// `encodeIfPresent` does.
    public static func object(_ members: (String, String?)...) -> String {
        var parts: [String] = []
        for (key, value) in members {
            if let value { parts.append(string(key) + ":" + value) }
        }
        return "{" + commaSeparated(parts) + "}"
    }

    /// An object of members whose values are already JSON, in the order given.
    public static func object(_ members: [(String, String)]) -> String {
        "{" + commaSeparated(members.map { string($0.0) + ":" + $0.1 }) + "}"
    }

    /// `joined(separator: ",")` by hand: its first use costs a conformance scan.
    private static func commaSeparated(_ parts: [String]) -> String {
        var text = ""
        for (index, part) in parts.enumerated() {
            if index > 0 { text += "," }
            text += part
        }
        return text
    }

    /// A number as JSON writes it: whole numbers without a fraction, others in Swift's shortest
    /// form that reads back as the same `Double` (finite: JSON has no infinity or NaN, and a value
    /// decoded from JSON is never one).
    public static func number(_ value: Double) -> String {
        if value.rounded() == value, abs(value) < 1e15 { return String(Int64(value)) }
        return "\(value)"
    }
}
