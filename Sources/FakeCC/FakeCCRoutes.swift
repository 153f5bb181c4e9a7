import Archive
import Foundation
import Hummingbird
import Logging
import HTTPServing

/// The seed's fake cloud controller endpoints: app packages out, droplets in.
struct FakeCCRoutes: Sendable {
    let apps: URL
    let shelf: DropletShelf
    let failures: UploadFailures
    let logger: Logger
    /// Zips of app folders, made again only when a folder changes.
    let packages = PackageCache()

    static let dropletField = "upload[droplet]"

    func router() -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        router.add(middleware: PlainTextErrors(hint: "the fake cloud controller serves GET /download_unstaged_app/:id, "
            + "POST /upload_droplet/:id/:upload_id, GET /droplets and GET /healthz"))
        router.get("/healthz") { _, _ in "ok" }
        router.get("/download_unstaged_app/:id") { _, context in
            try await download(app: Identifier(validating: context.parameters.get("id"), as: "app id"))
        }
        router.post("/upload_droplet/:id/:upload_id") { request, context in
            try await upload(request, app: Identifier(validating: context.parameters.get("id"), as: "app id"),
                             upload: Identifier(validating: context.parameters.get("upload_id"), as: "upload id"))
        }
        router.get("/droplets") { _, _ in
            let json = try JSONEncoder.sorted.encode(try await shelf.list())
            return Response(status: .ok, headers: [.contentType: "application/json"],
                            body: ResponseBody(byteBuffer: ByteBuffer(bytes: json)))
        }
        return router
    }

    /// `<apps>/<id>.zip` as it is, else `<apps>/<id>/` zipped (kept while the folder is unchanged).
    func download(app: Identifier) async throws -> Response {
        let zipPath = apps.appendingPathComponent("\(app).zip").path
        if let file = try await OpenFile.open(zipPath) {
            logger.info("serving app package", metadata: ["app_id": "\(app)", "zip": "\(zipPath)"])
            return zipResponse(file)
        }
        let folder = apps.appendingPathComponent(app.value)
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isFolder), isFolder.boolValue else {
            throw HTTPServiceError(.notFound, "no app \(app) in \(apps.path) (expected \(app)/ or \(app).zip there)")
        }
        let package: PackageCache.Package
        do {
            package = try await BlockingIO.run { try packages.zip(folder) }
        } catch {
            throw HTTPServiceError(.internalServerError, "cannot zip \(folder.path): \(error)")
        }
        logger.info("serving app folder zipped", metadata: [
            "app_id": "\(app)", "folder": "\(folder.path)", "size": "\(package.digest.size)", "sha256": "\(package.digest.sha256)",
        ])
        return Response(status: .ok, headers: [.contentType: "application/zip", .contentLength: String(package.zip.count)],
                        body: ResponseBody(byteBuffer: ByteBuffer(bytes: package.zip)))
    }

    /// Streams the `upload[droplet]` part to disk while hashing it, then keeps it.
    func upload(_ request: Request, app: Identifier, upload: Identifier) async throws -> Response {
        if let failure = failures.next() {
            for try await _ in request.body {}  // read it all, as a real failing server would
            logger.warning("failing droplet upload on purpose", metadata: [
                "app_id": "\(app)", "upload_id": "\(upload)", "failure": "\(failure) of \(failures.total)",
            ])
            throw HTTPServiceError(.internalServerError, "simulated failure \(failure) of \(failures.total) (fake-cc --fail-uploads)")
        }
        let boundary = try MultipartFieldReader.boundary(contentType: request.headers[.contentType])
        let reader = MultipartFieldReader(boundary: boundary, field: Self.dropletField)
        let file = try shelf.newUpload()
        defer { file.discard() }
        for try await chunk in request.body {
            for piece in try reader.feed(chunk) { try await file.write(piece) }
        }
        guard reader.sawField else {
            throw HTTPServiceError(.badRequest, "expected multipart field \(Self.dropletField)")
        }
        guard reader.fieldComplete else {
            throw HTTPServiceError(.badRequest, "the multipart body ended inside field \(Self.dropletField) (truncated upload?)")
        }
        let written = try await file.finish()
        let record = DropletRecord(appID: app.value, uploadID: upload.value, size: written.size, sha256: written.sha256,
                                   receivedAt: Date.ISO8601FormatStyle(includingFractionalSeconds: true).format(Date()))
        try await shelf.keep(file, as: record)
        logger.info("received droplet", metadata: [
            "app_id": "\(app)", "upload_id": "\(upload)", "size": "\(written.size)", "sha256": "\(written.sha256)",
            "path": "\(shelf.dropletPath(app: app, upload: upload))",
        ])
        let json = try JSONEncoder.sorted.encode(record)
        return Response(status: .ok, headers: [.contentType: "application/json"],
                        body: ResponseBody(byteBuffer: ByteBuffer(bytes: json)))
    }

    private func zipResponse(_ file: OpenFile) -> Response {
        Response(status: .ok, headers: [.contentType: "application/zip", .contentLength: String(file.size)],
                 body: file.responseBody)
    }
}
