import PipetteCore
import Testing

/// Loopback addresses given to other hosts: recognised, and warned about only when NATS is elsewhere.
struct LoopbackTests {
    @Test(arguments: ["127.0.0.1", "127.1.2.3", "localhost", "LOCALHOST", "web.localhost", "::1", "[::1]"])
    func loopbackAddresses(_ host: String) { #expect(Loopback.isLoopback(host)) }

    @Test(arguments: ["198.18.0.11", "pi-3", "128.0.0.1", "127.0.0", "localhost.example.com", "1270.0.0.1"])
    func otherAddresses(_ host: String) { #expect(!Loopback.isLoopback(host)) }

    @Test func aLoopbackBlobstoreIsWarnedAboutOnlyWhenNATSIsOnAnotherHost() {
        #expect(Loopback.blobstoreWarning(url: "http://127.0.0.1:8081", natsURLs: "nats://127.0.0.1:4222") == nil)
        #expect(Loopback.blobstoreWarning(url: "http://198.18.0.11:8081", natsURLs: "nats://198.18.0.11:4222") == nil)
        let warning = Loopback.blobstoreWarning(url: "http://localhost:8081", natsURLs: "nats://127.0.0.1:4222,nats://u:p@198.18.0.12:4222")
        #expect(warning?.contains("the blobstore URL http://localhost:8081 is a loopback address") == true, "\(warning ?? "")")
    }

    @Test func aCellAdvertisingLoopbackIsWarnedAboutOnlyWhenNATSIsOnAnotherHost() {
        #expect(Loopback.advertiseWarning(cell: "c1", advertise: "127.0.0.1", natsURLs: "nats://localhost:4222") == nil)
        #expect(Loopback.advertiseWarning(cell: "c1", advertise: "198.18.0.13", natsURLs: "nats://198.18.0.11:4222") == nil)
        let warning = Loopback.advertiseWarning(cell: "c1", advertise: "127.0.0.1", natsURLs: "nats://198.18.0.11:4222")
        #expect(warning?.contains("cell c1 advertises 127.0.0.1 but NATS is on another host") == true, "\(warning ?? "")")
    }
}
