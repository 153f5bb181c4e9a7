/// What is wrong in a config file, as a sentence naming the key and what it should hold, instead
/// of a decoder's `DecodingError.typeMismatch: expected value of type Mapping …`.
public enum ConfigFileProblem {
    public static func sentence(_ error: any Error) -> String {
        guard let error = error as? DecodingError else { return "\(error)" }
        switch error {
        case .typeMismatch(let type, let context):
            if context.codingPath.isEmpty { return "it is not a mapping of settings (`key: value` lines)" }
            return "\(key(context.codingPath)) should be \(kind(type))"
        case .valueNotFound(let type, let context):
            return "\(key(context.codingPath)) has no value; it should be \(kind(type))"
        case .keyNotFound(let missing, let context):
            return "\(key(context.codingPath + [missing])) is missing"
        case .dataCorrupted(let context):
            let detail = (context.underlyingError.map { "\($0)" } ?? context.debugDescription)
            return context.codingPath.isEmpty ? "it is not YAML: \(detail)" : "\(key(context.codingPath)) is not valid: \(detail)"
        @unknown default:
            return "\(error)"
        }
    }

    /// `queues`, `logging.level`, `tags[2]`.
    static func key(_ path: [any CodingKey]) -> String {
        path.reduce("") { text, key in
            if let index = key.intValue { return text + "[\(index)]" }
            return text.isEmpty ? key.stringValue : text + "." + key.stringValue
        }
    }

    static func kind(_ type: Any.Type) -> String {
        switch "\(type)" {
        case "Int", "Int64", "UInt64", "Int32": "a whole number"
        case "Double", "Float": "a number"
        case "Bool": "true or false"
        case "String": "text"
        case let name where name.hasPrefix("Array") || name == "Sequence": "a list (`- item` lines, or [a, b])"
        case let name where name.hasPrefix("Dictionary") || name == "Mapping": "a mapping (`key: value` lines)"
        default: "a \(type)"
        }
    }
}
