import ArgumentParser
import Foundation
import NATS
import PipetteCore

struct LogsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logs",
        abstract: "Print an app's recent log lines from the log stream, or follow them live.",
        discussion: """
            Every staging's log (source STG: the seed's lines and the buildpacks' output) and
            every line an app instance prints (source APP, with its index, plus the cell's
            lines: starting, running, crashed and why) are kept in the PIPETTE_LOGS JetStream
            stream (7 days, 256 MiB), so they can be read after the fact, even when the client
            that staged or pushed was gone.

            Examples:
              pipette logs sinatra                 # the last 100 lines
              pipette logs sinatra --recent 20
              pipette logs sinatra --follow        # then every new line until Ctrl-C
              pipette logs sinatra --json          # one JSON object per line
            """)

    @Argument(help: "The app (its name, or the app_id of `pipette stage`).")
    var app: String

    @Option(help: "How many of the most recent lines to print.")
    var recent = 100

    @Flag(help: "After the recent lines, print new ones as they come, until Ctrl-C.")
    var follow = false

    @Flag(help: "Print each line as a JSON object (app, source, task_id, index, timestamp, text).")
    var json = false

    @Option(help: ArgumentHelp(BusOptions.natsHelp, valueName: "url"))
    var nats: String?

    func validate() throws {
        if recent < 0 { throw ValidationError("--recent must not be negative") }
    }

    func run() async throws {
        let connection = try await BusOptions.connect(nats)
        defer { connection.close() }
        let stream: MessageStream
        do {
            stream = try await MessageStream.ensure(connection, name: LogStream.name, subjects: LogStream.subjects,
                                                    maxAge: LogStream.maxAge, maxBytes: LogStream.maxBytes)
        } catch {
            throw CommandFailure("cannot read the log stream: \(error)")
        }
        let reader = try await stream.reader(filter: LogStream.filter(app: app))
        // Everything kept for the app, up to now; only the last `recent` lines are printed.
        var kept: [LogLine] = []
        var total = 0
        while true {
            let batch = try await reader.next(wait: .milliseconds(total == 0 ? 500 : 200))
            let lines = batch.compactMap(line)
            total += lines.count
            kept += lines
            if kept.count > recent { kept.removeFirst(kept.count - recent) }
            if batch.isEmpty || batch.last?.pending == 0 { break }
        }
        kept.forEach(print)
        if total == 0 {
            Output.status("no log lines kept for app \(app)" + (follow ? "; waiting for new ones (Ctrl-C stops)" : "")
                          + " (an app's staging logs are kept here from its first staging on)")
        }
        guard follow else { return }
        try await Interrupts.cancelling {
            while !Task.isCancelled {
                for line in try await reader.next(wait: .milliseconds(500)).compactMap(line) { print(line) }
            }
        }
    }

    private func line(_ message: MessageStreamReader.Message) -> LogLine? {
        guard let line = try? Wire.decode(LogLine.self, from: message.payload), line.app == app else { return nil }
        return line
    }

    private func print(_ line: LogLine) {
        Output.line(json ? String(decoding: Wire.encode(line), as: UTF8.self) : line.display)
    }
}
