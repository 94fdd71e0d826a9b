import HTTPTypes
import Hummingbird
import ParleyCore

/// Caps the request bodies the API holds in memory at once: a route that reads its whole
/// body (job creation, the synchronous audio endpoints) first reserves its declared length
/// (or its limit, when no length is declared) from one budget, and gets 503 `server_busy`
/// with `Retry-After` when it does not fit; streamed uploads never hold a whole body and
/// do not count. The reservation lasts until the handler answers.
struct BodyBudgetMiddleware: RouterMiddleware {
    typealias Context = ParleyContext

    let budget: AdmissionBudget
    let configuration: APIConfiguration

    /// What a request reserves, or nil for one that holds no whole body.
    func reservation(_ request: Request) -> Int? {
        guard request.method == .post else { return nil }
        let limit: Int
        switch request.uri.path {
        case "/v1/jobs": limit = configuration.maxBodyBytes
        case "/v1/audio/transcriptions", "/v1/audio/translations": limit = configuration.maxItemBytes + 1024 * 1024
        default: return nil
        }
        return min(limit, request.headers[.contentLength].flatMap(Int.init) ?? limit)
    }

    func handle(_ request: Request, context: ParleyContext, next: (Request, ParleyContext) async throws -> Response) async throws -> Response {
        guard let bytes = reservation(request) else { return try await next(request, context) }
        guard budget.reserve(bytes) else {
            return JSONResponse.error(.serverBusy("the server holds as many request bodies as it may; retry shortly"), headers: [.retryAfter: "1"])
        }
        defer { budget.release(bytes) }
        return try await next(request, context)
    }
}
