/// The droplet's `staging_info.yml`. Cloud Foundry's builder writes it as JSON (valid YAML).
public struct StagingInfo: Sendable, Equatable, Codable {
    public var detectedBuildpack: String
    public var startCommand: String
    /// The stack the droplet was staged on, when the builder that made it recorded one
    /// (Pipette's lifecycle does not; droplets from elsewhere may).
    public var stack: String?

    public init(detectedBuildpack: String, startCommand: String, stack: String? = nil) {
        self.detectedBuildpack = detectedBuildpack
        self.startCommand = startCommand
        self.stack = stack
    }

    enum CodingKeys: String, CodingKey {
        case stack
        case detectedBuildpack = "detected_buildpack"
        case startCommand = "start_command"
    }

    /// Why a cell must not start this droplet (cloud_controller_ng#3239: droplets started on
    /// the wrong stack), or nil: the stack it was staged for must be the one the instance was
    /// placed for (`placedOn`, the release's stack) and one the cell has.
    public func stackProblem(placedOn: String, cellID: String, cellStacks: [String]) -> String? {
        guard let staged = stack, !staged.isEmpty else { return nil }
        if staged != placedOn {
            return "the droplet was staged for stack \(staged), but this instance is for stack \(placedOn) and cell \(cellID) "
                + "runs a droplet only on the stack it was staged for; restage the app for \(placedOn)"
        }
        if !cellStacks.contains(staged) {
            return "the droplet was staged for stack \(staged), which cell \(cellID) does not have "
                + "(it has \(cellStacks.joined(separator: ", "))); restage the app for one of them"
        }
        return nil
    }
}
