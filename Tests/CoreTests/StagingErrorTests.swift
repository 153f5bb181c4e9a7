import Foundation
import PipetteCore
import Testing

@Suite("Staging errors")
struct StagingErrorTests {
    @Test(arguments: [
        (Int32(222), "No buildpack detected this app (tried: ruby, python)"),
        (Int32(223), "Buildpack compile failed (builder exit status 223)"),
        (Int32(224), "Buildpack release failed (builder exit status 224)"),
        (Int32(225), "A buildpack's supply step failed (builder exit status 225)"),
        (Int32(1), "The builder failed (exit status 1)"),
        (Int32(137), "The builder failed (exit status 137: killed (SIGKILL), by the staging's memory limit or from outside)"),
    ])
    func builderExitCodesMapToSentences(status: Int32, prefix: String) {
        let error = StagingError.fromBuilder(status: status, tried: ["ruby", "python"], lastLines: ["boom"])
        #expect(error.description.hasPrefix(prefix))
        if status != 222 { #expect(error.description.hasSuffix("last output:\n  boom")) }
    }

    @Test func timeoutNamesThePhase() {
        #expect(StagingError.timedOut(seconds: 120, phase: "compile").description
            == "Staging timed out after 120 seconds (during: compile)")
    }

    @Test func resultJSONGivesTheStartCommand() throws {
        let json = #"""
        {"lifecycle_type":"buildpack","lifecycle_metadata":{"detected_buildpack":"ruby","buildpack_key":"ruby",
         "buildpacks":[{"key":"ruby","name":"ruby"}]},"process_types":{"web":"ruby app.rb"},"execution_metadata":""}
        """#
        let result = try JSONDecoder().decode(BuilderResult.self, from: Data(json.utf8))
        #expect(result.startCommand == "ruby app.rb")
        #expect(result.lifecycleMetadata.detectedBuildpack == "ruby")
        #expect(result.lifecycleMetadata.buildpackKey == "ruby")
        #expect(result.lifecycleType == "buildpack")
    }

    /// Decoded by hand (`AnyCodingKey`): every process type kept, the required members required.
    @Test func resultJSONKeepsEveryProcessTypeAndRefusesAMissingPart() throws {
        let json = #"{"lifecycle_metadata":{},"process_types":{"web":"a","worker":"b"}}"#
        let result = try JSONDecoder().decode(BuilderResult.self, from: Data(json.utf8))
        #expect(result.processTypes == ["web": "a", "worker": "b"])
        #expect(result.lifecycleMetadata.detectedBuildpack == nil && result.lifecycleType == nil)
        for broken in [#"{"process_types":{}}"#, #"{"lifecycle_metadata":{}}"#, #"{"lifecycle_metadata":{},"process_types":{"web":1}}"#] {
            #expect(throws: DecodingError.self) { try JSONDecoder().decode(BuilderResult.self, from: Data(broken.utf8)) }
        }
    }
}
