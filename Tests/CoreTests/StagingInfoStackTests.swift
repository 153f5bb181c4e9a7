import PipetteCore
import Testing

/// The sentences a cell crashes an instance with when its droplet was staged for another stack.
@Suite("Launch-time stack check")
struct StagingInfoStackTests {
    @Test func noRecordedStackMeansTheReleaseStackDecides() {
        let info = StagingInfo(detectedBuildpack: "staticfile", startCommand: "httpd")
        #expect(info.stackProblem(placedOn: "tiny-amd64", cellID: "c1", cellStacks: ["tiny-amd64"]) == nil)
    }

    @Test func theSameStackStarts() {
        let info = StagingInfo(detectedBuildpack: "staticfile", startCommand: "httpd", stack: "tiny-amd64")
        #expect(info.stackProblem(placedOn: "tiny-amd64", cellID: "c1", cellStacks: ["tiny-amd64", "bookworm-amd64"]) == nil)
    }

    @Test func anotherStackIsRefusedWithWhatToDo() {
        let info = StagingInfo(detectedBuildpack: "staticfile", startCommand: "httpd", stack: "cflinuxfs3")
        let problem = info.stackProblem(placedOn: "cflinuxfs4", cellID: "c1", cellStacks: ["cflinuxfs4"])
        #expect(problem == "the droplet was staged for stack cflinuxfs3, but this instance is for stack cflinuxfs4 and cell c1 "
            + "runs a droplet only on the stack it was staged for; restage the app for cflinuxfs4")
    }

    @Test func aStackTheCellLacksIsRefused() {
        let info = StagingInfo(detectedBuildpack: "staticfile", startCommand: "httpd", stack: "tiny-arm64")
        let problem = info.stackProblem(placedOn: "tiny-arm64", cellID: "c1", cellStacks: ["tiny-amd64"])
        #expect(problem?.hasPrefix("the droplet was staged for stack tiny-arm64, which cell c1 does not have (it has tiny-amd64)") == true)
    }

    @Test func stagingInfoWithoutStackDecodes() throws {
        let json = #"{"detected_buildpack":"staticfile","start_command":"httpd"}"#
        #expect(try Wire.decode(StagingInfo.self, from: Array(json.utf8)).stack == nil)
    }
}
