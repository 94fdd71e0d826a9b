import Hummingbird
import NIOCore

/// `GET /openapi.json` (the OpenAPI 3.1 document) and `GET /docs` (one HTML page that
/// renders it in the browser, with no CDN, for offline deployments). Both are open.
struct DocsController {
    func register(on router: Router<ParleyContext>) {
        router.get("/openapi.json") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"],
                     body: .init(byteBuffer: ByteBuffer(bytes: PackageResources.openapi_json)))
        }
        router.get("/docs") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8"],
                     body: .init(byteBuffer: ByteBuffer(bytes: PackageResources.docs_html)))
        }
    }
}
