/// NATS server URLs as they may be shown: `nats://user:***@host:4222`, never with the password.
public enum NATSURL {
    public static func redacted(_ urls: String) -> String {
        urls.split(separator: ",", omittingEmptySubsequences: false).map { url -> String in
            guard let scheme = url.range(of: "://"), let at = url[scheme.upperBound...].lastIndex(of: "@") else { return String(url) }
            let userinfo = url[scheme.upperBound..<at]
            guard let colon = userinfo.firstIndex(of: ":") else {
                // A lone token is the secret itself.
                return url[..<scheme.upperBound] + "***" + url[at...]
            }
            return url[..<url.index(after: colon)] + "***" + url[at...]
        }.joined(separator: ",")
    }
}
