/// JSON text written by hand, for runc's `config.json` on every container start.
///
/// `JSONEncoder` instantiates a keyed container for each `Encodable` type it meets, and the Swift
/// runtime answers each first instantiation by scanning every protocol conformance record of the
/// executable: the 13 types of `OCISpec` cost about 3 ms of CPU per `pipette build` here. These
/// helpers build the same JSON from strings; `OCISpecTests` checks it against `JSONEncoder`'s.
enum JSONText {
    /// `value` as a JSON string: quoted, with `"`, `\` and control characters escaped (RFC 8259).
    static func string(_ value: String) -> String {
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

    static func strings(_ values: [String]) -> String { array(values.map(string)) }

    /// An array of values already written as JSON.
    static func array(_ items: [String]) -> String { "[" + items.joined(separator: ",") + "]" }

    /// An object of members whose values are already JSON; a nil value is left out, as
    /// `encodeIfPresent` does.
    static func object(_ members: (String, String?)...) -> String {
        var parts: [String] = []
        for (key, value) in members {
            if let value { parts.append(string(key) + ":" + value) }
        }
        return "{" + parts.joined(separator: ",") + "}"
    }
}
