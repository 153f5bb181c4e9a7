import Foundation
import PipetteCore
import Testing

/// `pipette stage` sends `StagingRequest.jsonText`, written by hand; it must say what
/// `JSONEncoder` says of the same request, every optional member present and absent.
@Suite("Staging request written by hand")
struct StagingRequestTextTests {
    static func full() -> StagingRequest {
        var request = StagingRequest(appID: "app \"1\"", downloadURI: "http://cc/download?a=1&b=\\2", uploadURI: "http://cc/up/1")
        request.taskID = "0b5e7f3a-1111-4222-8333-944455556666"
        request.stack = "tiny-amd64"
        request.buildpacks = ["ruby", "https://example.com/bp.zip#v1.2", ""]
        request.skipDetect = false
        request.environment = ["PATH": "/bin:/usr/bin", "QUOTE": "say \"hi\"\n\ttab", "EMPTY": "", "ÜNICODE": "ß \u{1F600} \u{1}"]
        request.startCommand = "bundle exec rackup -p $PORT"
        request.buildpackCacheDownloadURI = "http://cc/cache/down"
        request.buildpackCacheUploadURI = "http://cc/cache/up"
        request.logSubject = "staging.0b5e7f3a.logs"
        request.properties = .init(
            services: [.object(["name": .string("db"), "credentials": .object(["port": .number(5432), "ratio": .number(0.25),
                                                                              "tls": .bool(true), "none": .null,
                                                                              "tags": .array([.string("a"), .number(-1e20)])])])],
            frameworkInfo: ["name": .string("ruby"), "versions": .array([])], runtimeInfo: [:],
            resources: .init(memory: 256, disk: 1024, fds: 16384))
        return request
    }

    /// Each optional member of `full()` left out in turn, and all of them.
    static func variants() -> [StagingRequest] {
        let full = full()
        var variants = [full, StagingRequest(appID: "a", downloadURI: "http://cc/a")]
        let removals: [(inout StagingRequest) -> Void] = [
            { $0.uploadURI = nil }, { $0.properties = nil }, { $0.taskID = nil }, { $0.stack = nil }, { $0.buildpacks = nil },
            { $0.buildpacks = [] }, { $0.skipDetect = true }, { $0.skipDetect = nil }, { $0.environment = nil },
            { $0.environment = [:] }, { $0.startCommand = nil }, { $0.buildpackCacheDownloadURI = nil },
            { $0.buildpackCacheUploadURI = nil }, { $0.logSubject = nil }, { $0.properties?.services = nil },
            { $0.properties?.services = [] }, { $0.properties?.frameworkInfo = nil }, { $0.properties?.runtimeInfo = nil },
            { $0.properties?.resources = nil }, { $0.properties?.resources = .init() }, { $0.properties?.resources?.disk = nil },
            { $0.properties = .init() },
        ]
        for remove in removals {
            var request = full
            remove(&request)
            variants.append(request)
        }
        return variants
    }

    @Test func saysWhatJSONEncoderSays() throws {
        for request in Self.variants() {
            let byHand = try JSONDecoder().decode(JSONValue.self, from: Data(request.jsonText.utf8))
            let encoded = try JSONDecoder().decode(JSONValue.self, from: JSONEncoder().encode(request))
            #expect(byHand == encoded, "\(request.jsonText)")
            #expect(try JSONDecoder().decode(StagingRequest.self, from: Data(request.jsonText.utf8)) == request)
        }
    }

    @Test func theSeedsRequestReadsBackAsTheStagerReadsIt() throws {
        var request = StagingRequest(appID: "static", downloadURI: "http://127.0.0.1:9292/download_unstaged_app/static",
                                     uploadURI: "http://127.0.0.1:9292/upload_droplet/static/0b5e7f3a")
        request.taskID = "0b5e7f3a-1111-4222-8333-944455556666"
        request.logSubject = "staging.0b5e7f3a-1111-4222-8333-944455556666.logs"
        request.properties = .init(services: [], resources: .init(memory: 256, disk: 256, fds: 1024))
        #expect(try StagingRequest.decode(Array(request.jsonText.utf8)) == request)
    }
}
