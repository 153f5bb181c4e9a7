import NATS
import Testing

/// A URL that cannot be a NATS server's is refused before any wait, with what to write instead
/// (it was tried for 30 s and then called "No server available").
@Suite("NATS URLs")
struct NATSURLTests {
    @Test(arguments: ["nats://127.0.0.1:4222", "tls://nats.example.com:4222", "nats://u:p@h:4222", "nats://h",
                      "h:4222", "nats://[::1]:4222", "nats://a:4222,tls://b:4223,c:4224", "NATS://h:4222",
                      " nats://a:4222 ,\tnats://b:4222\t", "\u{A0}nats://h:4222\u{2003}"])
    func goodURLs(url: String) {
        #expect(NATSURL.problem(url) == nil)
    }

    @Test(arguments: [
        ("http://x:4222", "http://x:4222 is not a NATS URL; use nats://HOST:4222"),
        ("nats://u:secret@h:4222,https://u:secret@h", "https://u:***@h is not a NATS URL"),
        ("nats://:4222", "nats://:4222 names no host"),
        ("", "an empty URL names no host"),
        ("nats://a:4222,", "an empty URL names no host"),
        ("nats://h:99999", "nats://h:99999 has port 99999, which is not 1 to 65535"),
        ("nats://h:port", "has port port"),
    ])
    func badURLs(url: String, sentence: String) {
        let problem = NATSURL.problem(url)
        #expect(problem?.contains(sentence) == true, "\(String(describing: problem))")
        #expect(problem?.contains("secret") != true)
    }

    /// Passwords and lone tokens are starred out of each URL of a list; the rest is kept as given.
    @Test(arguments: [
        ("nats://u:secret@h:4222", "nats://u:***@h:4222"),
        ("nats://secret@h:4222", "nats://***@h:4222"),
        ("nats://a:4222, tls://u:p:q@b:4223,h:4222", "nats://a:4222, tls://u:***@b:4223,h:4222"),
        ("nats://u@x:secret@h", "nats://u@x:***@h"),
        ("", ""),
        (",", ","),
        ("no-scheme@h:4222", "no-scheme@h:4222"),
    ])
    func redaction(url: String, shown: String) {
        #expect(NATSURL.redacted(url) == shown)
    }

    @Test func connectRefusesABadURLAtOnce() async {
        await #expect(throws: NATSError.invalidURL(problem: "http://127.0.0.1:1 is not a NATS URL; use nats://HOST:4222 "
                                                       + "(tls://HOST:4222 for TLS; comma-separate several)")) {
            _ = try await NATSConnection.connect("http://127.0.0.1:1", patience: .seconds(30)) { _ in }
        }
    }
}
