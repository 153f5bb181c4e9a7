import HTTPServing
/// An app id or upload id from a URL: one name of `A-Z a-z 0-9 . _ -`, not starting with `.`,
/// so it can name a file without leaving its folder (and never clashes with `.tmp`).
struct Identifier: Sendable, Hashable, CustomStringConvertible {
    let value: String

    init(validating raw: String?, as what: String) throws(HTTPServiceError) {
        let text = raw ?? ""
        guard !text.isEmpty, text.utf8.count <= 255, !text.hasPrefix("."),
              text.unicodeScalars.allSatisfy(Self.allowed) else {
            throw HTTPServiceError(.badRequest, "invalid \(what) \"\(text)\": use 1-255 characters of A-Z a-z 0-9 . _ -, not starting with .")
        }
        value = text
    }

    var description: String { value }

    private static func allowed(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "A"..."Z", "a"..."z", "0"..."9", ".", "_", "-": true
        default: false
        }
    }
}
