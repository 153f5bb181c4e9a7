/// The droplet's `staging_info.yml`. Cloud Foundry's builder writes it as JSON (valid YAML).
public struct StagingInfo: Sendable, Equatable, Codable {
    public var detectedBuildpack: String
    public var startCommand: String

    public init(detectedBuildpack: String, startCommand: String) {
        self.detectedBuildpack = detectedBuildpack
        self.startCommand = startCommand
    }

    enum CodingKeys: String, CodingKey {
        case detectedBuildpack = "detected_buildpack"
        case startCommand = "start_command"
    }
}
