import ArgumentParser
import FakeCC
import Foundation
import HTTPServing
import Logging
import ServiceLifecycle
import Staging

struct FakeCCCommand: ServiceCommand {
    static let configuration = CommandConfiguration(
        commandName: "fake-cc",
        abstract: "Run the seed's fake cloud controller: serves app packages, keeps uploaded droplets.",
        discussion: """
              GET  /download_unstaged_app/<id>       <apps>/<id>.zip, or the
                                                     folder <apps>/<id>/ zipped
              POST /upload_droplet/<id>/<upload_id>  multipart field
                                                     upload[droplet], kept as
                                                     <droplets>/<id>/<upload_id>.tgz
              GET  /droplets                         the droplets received (JSON)
              GET  /healthz                          "ok"

            Example (the seed's staging request points here):
              pipette fake-cc --port 9292 --apps apps/
              curl -o app.zip http://127.0.0.1:9292/download_unstaged_app/sinatra
            """)

    @Option(help: "The port to listen on (0 picks a free one).")
    var port = 9292

    @Option(help: "The address to listen on.")
    var host = "127.0.0.1"

    @Option(help: "The folder of apps: <id>/ folders and/or <id>.zip files.")
    var apps = "apps"

    @Option(help: "Where to keep received droplets (default: $PIPETTE_CACHE/fake-cc, i.e. ~/.cache/pipette/fake-cc).")
    var droplets: String?

    @Option(help: "Answer the first N droplet uploads with HTTP 500 (to test uploaders' retries).")
    var failUploads = 0

    @Option(help: ArgumentHelp("Serve HTTPS with this certificate (PEM, with its chain); needs --tls-key.", valueName: "file"))
    var tlsCert: String?

    @Option(help: ArgumentHelp("The certificate's private key (PEM).", valueName: "file"))
    var tlsKey: String?

    @Option(help: "Log level (default: info; the seed's debug2 is trace).")
    var logLevel: LogLevel?

    func validate() throws {
        if !(0...65535).contains(port) { throw ValidationError("--port must be between 0 and 65535") }
        if (tlsCert == nil) != (tlsKey == nil) { throw ValidationError("--tls-cert and --tls-key go together: give both or neither") }
        if failUploads < 0 { throw ValidationError("--fail-uploads must be 0 or more") }
        var isFolder: ObjCBool = false
        if !FileManager.default.fileExists(atPath: apps, isDirectory: &isFolder) || !isFolder.boolValue {
            throw ValidationError("--apps \(apps) is not a folder (it should hold app folders or <id>.zip files)")
        }
    }

    func makeService() async throws -> any Service {
        let logger = LogSetup.logger("pipette.fake-cc", level: logLevel)
        let appsURL = URL(fileURLWithPath: apps).standardizedFileURL
        let dropletsURL = droplets.map { URL(fileURLWithPath: $0).standardizedFileURL }
            ?? PipetteHome.locate().cache.appendingPathComponent("fake-cc")
        var config = FakeCCConfig(appsDirectory: appsURL, dropletsDirectory: dropletsURL, host: host, port: port,
                                  failUploads: failUploads)
        config.tls = tlsCert.map { ServerTLS(certificateFile: $0, keyFile: tlsKey ?? "") }
        let host = self.host
        let scheme = config.tls == nil ? "http" : "https"
        let service = FakeCCService(config: config, logger: logger) { port in
            Output.line("fake-cc listening on \(scheme)://\(host):\(port) (apps \(appsURL.path), droplets \(dropletsURL.path))")
        }
        return service
    }
}
