import Foundation

/// The rules every URL taken from a request must pass before anything connects to it: http or
/// https, a host, a port from 1 to 65535, a bounded length, no whitespace or control characters.
/// (An out-of-range port once crashed the whole stager inside the HTTP client.)
public enum URLRules {
    public static let maxLength = 4096

    /// Why `text` is not a usable http(s) URL, or nil when it is.
    public static func problem(in text: String) -> String? {
        if text.utf8.count > maxLength { return "is longer than \(maxLength) characters" }
        if let bad = text.unicodeScalars.first(where: SubjectRules.isForbidden) {
            return "contains \(SubjectRules.describe(bad))"
        }
        guard let parts = URLComponents(string: text) else { return "is not a URL" }
        guard let scheme = parts.scheme?.lowercased(), scheme == "http" || scheme == "https" else {
            return "must be an http or https URL"
        }
        guard let host = parts.host, !host.isEmpty else { return "has no host" }
        if let port = parts.port, !(1...65535).contains(port) { return "has port \(port), outside 1–65535" }
        if parts.port == nil, Self.hasEmptyOrBadPort(text) { return "has an invalid port" }
        return nil
    }

    /// `http://host:/x` or a port that is not a number: URLComponents gives no port for those.
    private static func hasEmptyOrBadPort(_ text: String) -> Bool {
        guard let schemeEnd = text.range(of: "://") else { return false }
        let rest = text[schemeEnd.upperBound...]
        let authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        let hostPort = authority.split(separator: "@").last.map(String.init) ?? String(authority)
        let afterHost = hostPort.hasPrefix("[") ? String(hostPort.drop { $0 != "]" }.dropFirst()) : hostPort
        guard let colon = afterHost.firstIndex(of: ":") else { return false }
        let port = afterHost[afterHost.index(after: colon)...]
        return port.isEmpty || !port.allSatisfy(\.isNumber)
    }
}
