import Crypto
import Foundation

extension StagingRequest {
    /// sha256 of what the request asks to build (app, stack, buildpacks, environment, start
    /// command, resources), in a canonical JSON form. URLs are left out: a client's retry may
    /// carry freshly signed ones for the same work.
    public var fingerprint: String {
        struct Canonical: Encodable {
            let app_id: String
            let stack: String?
            let buildpacks: [String]?
            let skip_detect: Bool?
            let environment: [String: String]?
            let start_command: String?
            let resources: Properties.Resources?
        }
        let canonical = Canonical(app_id: appID, stack: stack, buildpacks: buildpacks, skip_detect: skipDetect,
                                  environment: environment, start_command: startCommand, resources: properties?.resources)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = (try? encoder.encode(canonical)) ?? Data()
        return SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
    }
}
