import Foundation
import PipetteCore
import Testing

/// `StagingReply` is decoded by hand (`AnyCodingKey`); it must accept and refuse what the
/// synthesized decoder of the same fields does.
@Suite("Staging reply decoded by hand")
struct StagingReplyDecodingTests {
    /// The reply's fields with synthesized decoding: the reference.
    struct Reference: Decodable, Equatable {
        struct Droplet: Decodable, Equatable {
            var sha256: String
            var size: Int64
            var blob_url: String?
        }
        var task_id: String
        var task_log: String
        var error: String?
        var detected_buildpack: String?
        var start_command: String?
        var stack: String?
        var cell_id: String?
        var droplet: Droplet?
        var durations_ms: [String: Int]
    }

    static let documents = [
        #"{"task_id":"t","task_log":"a\nb","error":null,"detected_buildpack":"staticfile","start_command":"sh boot.sh","stack":"tiny-amd64","cell_id":"c1","droplet":{"sha256":"ab","size":750,"blob_url":"http://b/1"},"durations_ms":{"download":3,"build":80}}"#,
        #"{"task_id":"t","task_log":"","error":"No buildpack detected","durations_ms":{}}"#,
        #"{"task_id":"t","task_log":"","durations_ms":{},"droplet":{"sha256":"ab","size":1},"unknown":[1,2]}"#,
        #"{"task_id":"t","task_log":"","durations_ms":{},"droplet":null,"stack":null}"#,
        #"{"task_id":"t","task_log":""}"#,
        #"{"task_log":"","durations_ms":{}}"#,
        #"{"task_id":1,"task_log":"","durations_ms":{}}"#,
        #"{"task_id":"t","task_log":"","durations_ms":{"a":"1"}}"#,
        #"{"task_id":"t","task_log":"","durations_ms":[]}"#,
        #"{"task_id":"t","task_log":"","durations_ms":null}"#,
        #"{"task_id":"t","task_log":"","durations_ms":{},"droplet":{"size":1}}"#,
        #"{"task_id":"t","task_log":"","durations_ms":{},"droplet":{"sha256":"ab","size":"big"}}"#,
        #"{"task_id":"t","task_log":"","durations_ms":{},"error":false}"#,
        #"[]"#,
        #"not json"#,
    ]

    @Test(arguments: documents)
    func acceptsAndRefusesWhatTheSynthesizedDecoderDoes(document: String) {
        let data = Data(document.utf8)
        let reference = try? JSONDecoder().decode(Reference.self, from: data)
        let reply = try? JSONDecoder().decode(StagingReply.self, from: data)
        #expect((reference == nil) == (reply == nil))
        guard let reference, let reply else { return }
        #expect(reply.taskID == reference.task_id && reply.taskLog == reference.task_log && reply.error == reference.error)
        #expect(reply.detectedBuildpack == reference.detected_buildpack && reply.startCommand == reference.start_command)
        #expect(reply.stack == reference.stack && reply.cellID == reference.cell_id && reply.durationsMs == reference.durations_ms)
        #expect(reply.droplet?.sha256 == reference.droplet?.sha256 && reply.droplet?.size == reference.droplet?.size)
        #expect(reply.droplet?.blobURL == reference.droplet?.blob_url)
    }

    @Test func aReplyReadsBackAsItWasWritten() throws {
        var reply = StagingReply(taskID: "t", taskLog: "log\n", error: nil)
        reply.detectedBuildpack = "ruby"
        reply.droplet = .init(sha256: "ab", size: 1 << 40, blobURL: nil)
        reply.durationsMs = ["build": 1234]
        #expect(try JSONDecoder().decode(StagingReply.self, from: JSONEncoder().encode(reply)) == reply)
    }
}
