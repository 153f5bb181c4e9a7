import HTTPServing
/// A blob's name: `/`-separated segments of `A-Z a-z 0-9 . _ -`, none of them `.` or `..`,
/// so it always names a file inside the store (e.g. `droplets/app-1/abc.tgz`).
struct BlobKey: Sendable, Hashable, CustomStringConvertible {
    let value: String

    static let maxLength = 1024

    init(validating raw: some StringProtocol) throws(HTTPServiceError) {
        let key = String(raw)
        func refuse(_ why: String) -> HTTPServiceError {
            HTTPServiceError(.badRequest, "invalid blob key \"\(key)\": \(why) "
                + "(keys are /-separated segments of A-Z a-z 0-9 . _ -, without . or .. segments)")
        }
        guard !key.isEmpty else { throw refuse("it is empty") }
        guard key.utf8.count <= Self.maxLength else { throw refuse("longer than \(Self.maxLength) bytes") }
        for segment in key.split(separator: "/", omittingEmptySubsequences: false) {
            if segment.isEmpty { throw refuse("empty segment") }
            if segment == "." || segment == ".." { throw refuse("segment \"\(segment)\" is not allowed") }
            if let bad = segment.unicodeScalars.first(where: { !Self.allowed($0) }) {
                throw refuse("character \"\(bad.escaped(asASCII: true))\" is not allowed")
            }
        }
        value = key
    }

    var description: String { value }

    private static func allowed(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "A"..."Z", "a"..."z", "0"..."9", ".", "_", "-": true
        default: false
        }
    }
}
