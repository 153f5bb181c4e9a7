import Foundation
import PipetteCore
import Testing

/// gorouter's own cases for its NATS messages, ported from cloudfoundry/gorouter `mbus/
/// registry_message_test.go` (the JSON payloads, verbatim) and `mbus/subscriber_test.go` (its
/// `mbus.RegistryMessage{…}` literals, with the JSON Go's `json.Marshal` writes for them: every
/// field of the struct, nil maps and slices as `null`).
@Suite("Route registration in gorouter's format")
struct RouteRegistrationTests {
    /// registry_message_test.go: `Describe("ValidateMessage")`.
    @Test(arguments: [
        (#"{"dea":"dea1","app":"app1","uris":["test.com"],"host":"1.2.3.4","port":1234,"tags":{},"private_instance_id":"private_instance_id"}"#, true),
        (#"{"dea":"dea1","app":"app1","uris":["test.com"],"host":"1.2.3.4","port":1234,"tags":{},"route_service_url":"","private_instance_id":"private_instance_id"}"#, true),
        (#"{"dea":"dea1","app":"app1","uris":["test.com"],"host":"1.2.3.4","port":1234,"tags":{},"route_service_url":"https://www.my-route.me","private_instance_id":"private_instance_id"}"#, true),
        (#"{"dea":"dea1","app":"app1","uris":["test.com"],"host":"1.2.3.4","port":1234,"tags":{},"route_service_url":"http://www.my-insecure-route.com","private_instance_id":"private_instance_id"}"#, false),
    ])
    func validateMessage(payload: String, valid: Bool) throws {
        let message = try Wire.decode(RouteRegistration.self, from: Array(payload.utf8))
        #expect(message.isValid == valid)
        #expect(message.app == "app1" && message.host == "1.2.3.4" && message.port == 1234)
        #expect(message.uris == ["test.com"] && message.privateInstanceID == "private_instance_id")
        #expect(message.address == "1.2.3.4:1234")
    }

    /// subscriber_test.go: "endpoint is constructed with tls port instead of http".
    @Test func tlsPortWins() throws {
        let message = RouteRegistration(
            app: "app", host: "host", privateInstanceID: "id", privateInstanceIndex: "index", serverCertDomainSAN: "san",
            staleThresholdInSeconds: 120, tlsPort: 1999, tags: ["key": "value"], uris: ["test.example.com"])
        let go = #"{"app":"app","availability_zone":"","endpoint_updated_at_ns":0,"host":"host","isolation_segment":"","port":0,"private_instance_id":"id","private_instance_index":"index","protocol":"","route_service_url":"","server_cert_domain_san":"san","stale_threshold_in_seconds":120,"tls_port":1999,"tags":{"key":"value"},"uris":["test.example.com"],"options":{"loadbalancing":""}}"#
        try expectSameJSON(Wire.encode(message), go)
        #expect(try Wire.decode(RouteRegistration.self, from: Array(go.utf8)) == message)
        #expect(message.endpointPort == (1999, true))
    }

    /// subscriber_test.go: "endpoint is constructed with the regular port and useTls set to false".
    @Test func regularPort() throws {
        let message = RouteRegistration(
            app: "app", host: "host", port: 1111, privateInstanceID: "id", privateInstanceIndex: "index",
            serverCertDomainSAN: "san", staleThresholdInSeconds: 120, tags: ["key": "value"], uris: ["test.example.com"])
        let go = #"{"app":"app","availability_zone":"","endpoint_updated_at_ns":0,"host":"host","isolation_segment":"","port":1111,"private_instance_id":"id","private_instance_index":"index","protocol":"","route_service_url":"","server_cert_domain_san":"san","stale_threshold_in_seconds":120,"tls_port":0,"tags":{"key":"value"},"uris":["test.example.com"],"options":{"loadbalancing":""}}"#
        try expectSameJSON(Wire.encode(message), go)
        #expect(try Wire.decode(RouteRegistration.self, from: Array(go.utf8)) == message)
        #expect(message.endpointPort == (1111, false))
    }

    /// subscriber_test.go: "converts endpoint_updated_at_ns" (nil tags: `"tags":null`).
    @Test func endpointUpdatedAt() throws {
        let go = #"{"app":"","availability_zone":"","endpoint_updated_at_ns":1234,"host":"host","isolation_segment":"","port":1111,"private_instance_id":"","private_instance_index":"","protocol":"","route_service_url":"","server_cert_domain_san":"","stale_threshold_in_seconds":0,"tls_port":0,"tags":null,"uris":["test.example.com"],"options":{"loadbalancing":""}}"#
        let message = try Wire.decode(RouteRegistration.self, from: Array(go.utf8))
        #expect(message == RouteRegistration(endpointUpdatedAtNs: 1234, host: "host", port: 1111, uris: ["test.example.com"]))
        #expect(message.tags.isEmpty)
    }

    /// subscriber_test.go: availability_zone, isolation_segment and options are carried.
    @Test func availabilityZoneIsolationSegmentAndLoadBalancing() throws {
        let go = #"{"app":"app","availability_zone":"zone-meow","host":"host","isolation_segment":"abc-iso-seg","uris":["test.example.com"],"options":{"loadbalancing":"least-connection"}}"#
        let message = try Wire.decode(RouteRegistration.self, from: Array(go.utf8))
        #expect(message.availabilityZone == "zone-meow")
        #expect(message.isolationSegment == "abc-iso-seg")
        #expect(message.options.loadBalancing == "least-connection")
    }

    /// subscriber_test.go: "when the message contains an http url for route services": not
    /// registered; an https one is.
    @Test func routeServiceURLMustBeHTTPS() {
        var message = RouteRegistration(app: "app", host: "host", port: 1111, routeServiceURL: "url",
                                        uris: ["test.example.com", "test2.example.com"])
        #expect(!message.isValid)
        #expect(message.problem?.contains("route_service_url must be https") == true)
        message.routeServiceURL = "https://url.example.com"
        #expect(message.isValid && message.problem == nil)
    }

    /// subscriber_test.go: "when the message cannot be unmarshaled" (a payload of one space).
    @Test func malformedPayloadIsRefused() {
        #expect(throws: WireError.self) { try Wire.decode(RouteRegistration.self, from: Array(" ".utf8)) }
        #expect(throws: WireError.self) { try Wire.decode(RouteRegistration.self, from: Array(#"{"port":70000}"#.utf8)) }
    }

    /// Encoding writes exactly the fields of gorouter's struct, with its JSON names.
    @Test func encodesEveryFieldOfGorouterStruct() throws {
        let object = try #require(try JSONSerialization.jsonObject(with: Data(Wire.encode(RouteRegistration()))) as? [String: Any])
        #expect(Set(object.keys) == [
            "app", "availability_zone", "endpoint_updated_at_ns", "host", "isolation_segment", "port", "private_instance_id",
            "private_instance_index", "protocol", "route_service_url", "server_cert_domain_san", "stale_threshold_in_seconds",
            "tls_port", "tags", "uris", "options",
        ])
    }

    /// gorouter's `common.RouterStart`, sent on router.start and as the reply to router.greet
    /// (subscriber_test.go: "sends a start message", "when a greeting message is received").
    @Test func routerStart() throws {
        let start = RouterStart(id: "4321-6c2b7a1e", hosts: ["10.0.0.5"], minimumRegisterIntervalInSeconds: 60,
                                pruneThresholdInSeconds: 120)
        let go = #"{"id":"4321-6c2b7a1e","hosts":["10.0.0.5"],"minimumRegisterIntervalInSeconds":60,"pruneThresholdInSeconds":120}"#
        try expectSameJSON(Wire.encode(start), go)
        #expect(try Wire.decode(RouterStart.self, from: Array(go.utf8)) == start)
        #expect(try Wire.decode(RouterStart.self, from: Array("{}".utf8)).minimumRegisterIntervalInSeconds == 0)
        // Pipette's router also says where it serves apps; gorouter's clients ignore the field.
        var ours = start
        ours.appURL = "http://{app}.apps.example.com:8080/"
        #expect(try Wire.decode(RouterStart.self, from: Wire.encode(ours)).url(app: "web") == "http://web.apps.example.com:8080/")
        #expect(start.url(app: "web") == nil)
    }

    private func expectSameJSON(_ ours: [UInt8], _ theirs: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let a = try JSONSerialization.jsonObject(with: Data(ours)) as? NSDictionary
        let b = try JSONSerialization.jsonObject(with: Data(theirs.utf8)) as? NSDictionary
        #expect(a != nil && a == b, "ours: \(String(decoding: ours, as: UTF8.self))", sourceLocation: sourceLocation)
    }
}
