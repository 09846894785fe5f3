import Fluent
import GridCore
import Leaf
import Vapor

/// Turns every thrown error into a page for browsers (or a login redirect) and `{error, reason}`
/// for the API. 5xx are logged with context; nobody sees a stack trace.
struct ErrorPageMiddleware: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        do {
            return try await next.respond(to: request)
        } catch {
            let (status, reason) = Self.describe(error)
            if status.code >= 500 {
                request.logger.error("request failed", metadata: [
                    "path": .string(request.url.path), "method": .string(request.method.rawValue), "error": .string(String(reflecting: error)),
                ])
            }
            // Headers the error carries (Retry-After on 429) go out with whichever body is chosen.
            let carried = (error as? any AbortError)?.headers ?? [:]
            if request.wantsJSON {
                let response = Response(status: status, headers: carried)
                try response.content.encode(ErrorBody(error: true, reason: reason), as: .json)
                return response
            }
            if status == .unauthorized {
                let next = request.url.path == "/" ? "" : "?next=" + (request.url.path.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")
                return request.redirect(to: SiteURL.login.path + next)
            }
            let page = ErrorPage(status: Int(status.code), title: Self.title(for: status), reason: reason,
                                 signedIn: request.auth.get(CurrentUser.self) != nil)
            let response = try await request.view.render("error", page).encodeResponse(for: request)
            response.status = status
            for (name, value) in carried where name.lowercased() != "content-type" { response.headers.replaceOrAdd(name: name, value: value) }
            return response
        }
    }

    struct ErrorBody: Content { let error: Bool; let reason: String }

    struct ErrorPage: Encodable { let status: Int; let title: String; let reason: String; let signedIn: Bool }

    static func describe(_ error: any Error) -> (HTTPResponseStatus, String) {
        switch error {
        case let abort as any AbortError:
            if abort.status.code >= 500 { return (abort.status, "服务器内部错误，请稍后再试") }
            // Framework errors carry the English reason phrase; say it in Chinese.
            return (abort.status, abort.reason == abort.status.reasonPhrase ? defaultReason(abort.status) : abort.reason)
        case let violation as AreaRuleViolation:
            if case .duplicateCode = violation { return (.conflict, violation.description) }
            return (.unprocessableEntity, violation.description)
        case let violation as RoleAssignmentViolation:
            return (.unprocessableEntity, violation.description)
        case let violation as GeometryError:
            return (.unprocessableEntity, violation.description)
        case let violation as CaseRuleViolation:
            if case .notPermitted = violation { return (.forbidden, violation.description) }
            return (.unprocessableEntity, violation.description)
        case let violation as WorkCalendar.CalendarError:
            return (.unprocessableEntity, violation.description)
        case let violation as SLAPolicy.PolicyError:
            return (.unprocessableEntity, violation.description)
        case let db as any DatabaseError where db.isConstraintFailure:
            return (.conflict, "数据与已有记录冲突（如编码或名称重复）")
        case is DecodingError:
            return (.badRequest, "请求内容格式不正确")
        default:
            return (.internalServerError, "服务器内部错误，请稍后再试")
        }
    }

    static func defaultReason(_ status: HTTPResponseStatus) -> String {
        switch status.code {
        case 400: "请求内容格式不正确"
        case 401: "请先登录"
        case 403: "没有权限执行此操作"
        case 404: "页面或资源不存在"
        case 405: "不支持此请求方式"
        case 413: "上传内容过大"
        case 415: "不支持此文件类型"
        default: status.reasonPhrase
        }
    }

    static func title(for status: HTTPResponseStatus) -> String {
        switch status.code {
        case 400, 422: "提交的内容有误"
        case 403: "没有权限"
        case 404: "页面不存在"
        case 409: "数据冲突"
        case 429: "操作过于频繁"
        default: status.code >= 500 ? "系统出错了" : "请求未完成"
        }
    }
}

extension Request {
    /// API paths and clients that ask for JSON get JSON errors.
    var wantsJSON: Bool {
        SiteURL.isJSONAPI(url.path) || url.path == SiteURL.health.path
            || headers.accept.first.map { $0.mediaType.type == "application" && $0.mediaType.subType == "json" } == true
    }
}
