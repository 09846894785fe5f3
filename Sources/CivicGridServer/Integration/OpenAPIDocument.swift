import GridCore
import Vapor

/// The OpenAPI 3.1 document of the JSON API, served at `/openapi.json` and rendered at `/api-docs`.
/// A test compares its paths with the registered routes, so the two cannot drift apart.
enum OpenAPIDocument {
    typealias JSON = [String: Any]

    struct Operation {
        let method: String
        let path: String
        let summary: String
        let tag: String
        var parameters: [JSON] = []
        var body: String? = nil
        var response: JSON? = nil
        var status = "200"
        var auth = true
    }

    static func ref(_ name: String) -> JSON { ["$ref": "#/components/schemas/\(name)"] }
    static func array(_ item: JSON) -> JSON { ["type": "array", "items": item] }
    static func object(_ properties: [String: JSON], required: [String] = []) -> JSON {
        var o: JSON = ["type": "object", "properties": properties]
        if !required.isEmpty { o["required"] = required }
        return o
    }
    static var string: JSON { ["type": "string"] }
    static var uuid: JSON { ["type": "string", "format": "uuid"] }
    static var int: JSON { ["type": "integer"] }
    static var number: JSON { ["type": "number"] }
    static var bool: JSON { ["type": "boolean"] }
    static var dateTime: JSON { ["type": "string", "format": "date-time"] }
    static func nullable(_ s: JSON) -> JSON { ["anyOf": [s, ["type": "null"]]] }
    static func enumeration<E: CaseIterable & RawRepresentable>(_ type: E.Type) -> JSON where E.RawValue == String {
        ["type": "string", "enum": E.allCases.map(\.rawValue)]
    }
    static func pathParam(_ name: String, _ schema: JSON) -> JSON { ["name": name, "in": "path", "required": true, "schema": schema] }
    static func query(_ name: String, _ schema: JSON, _ description: String, required: Bool = false) -> JSON {
        ["name": name, "in": "query", "required": required, "schema": schema, "description": description]
    }

    static var operations: [Operation] { [
        Operation(method: "post", path: "/api/v1/auth/token", summary: "登录，换取 Bearer 令牌（30 天）", tag: "auth", body: "TokenRequest", response: ref("TokenResponse"), auth: false),
        Operation(method: "delete", path: "/api/v1/auth/token", summary: "吊销当前令牌", tag: "auth", status: "204"),
        Operation(method: "get", path: "/api/v1/me", summary: "当前用户及其岗位", tag: "auth", response: ref("Me")),
        Operation(method: "get", path: "/api/v1/areas", summary: "管辖范围内的顶级区域，或 parent 的下级区域", tag: "areas",
                  parameters: [query("parent", int, "上级区域 id")], response: array(ref("Area"))),
        Operation(method: "post", path: "/api/v1/areas", summary: "新建区域（管理员）", tag: "areas", body: "AreaInput", response: ref("Area"), status: "201"),
        Operation(method: "get", path: "/api/v1/areas/{id}", summary: "区域详情（范围外为 404）", tag: "areas", parameters: [pathParam("id", int)], response: ref("Area")),
        Operation(method: "patch", path: "/api/v1/areas/{id}", summary: "修改名称、编码、边界、第一责任人", tag: "areas", parameters: [pathParam("id", int)], body: "AreaInput", response: ref("Area")),
        Operation(method: "delete", path: "/api/v1/areas/{id}", summary: "删除空区域", tag: "areas", parameters: [pathParam("id", int)], status: "204"),
        Operation(method: "post", path: "/api/v1/areas/{id}/move", summary: "移动子树（路径与编码同步更新）", tag: "areas", parameters: [pathParam("id", int)], body: "MoveInput", response: ref("Area")),
        Operation(method: "get", path: "/api/v1/areas/{id}/geojson", summary: "下级区域边界 FeatureCollection", tag: "areas", parameters: [pathParam("id", int)],
                  response: ["type": "object", "description": "GeoJSON FeatureCollection"]),
        Operation(method: "get", path: "/api/v1/users", summary: "人员列表（管理员，按范围）", tag: "staff",
                  parameters: [query("q", string, "姓名或账号"), query("role", enumeration(Role.self), "岗位"), query("page", int, "页码")], response: ref("StaffPage")),
        Operation(method: "post", path: "/api/v1/users", summary: "新增人员", tag: "staff", body: "StaffInput", response: ref("Staff"), status: "201"),
        Operation(method: "get", path: "/api/v1/users/{id}", summary: "人员详情（手机号掩码）", tag: "staff", parameters: [pathParam("id", uuid)], response: ref("Staff")),
        Operation(method: "post", path: "/api/v1/users/{id}/roles", summary: "添加岗位", tag: "staff", parameters: [pathParam("id", uuid)], body: "RoleInput", response: ref("RoleAssignment"), status: "201"),
        Operation(method: "delete", path: "/api/v1/users/{id}/roles/{role}", summary: "移除岗位", tag: "staff", parameters: [pathParam("id", uuid), pathParam("role", uuid)], status: "204"),
        Operation(method: "get", path: "/api/v1/departments", summary: "职能部门及职责清单", tag: "departments", response: array(ref("Department"))),
        Operation(method: "post", path: "/api/v1/departments", summary: "新增部门（系统管理员）", tag: "departments", body: "DepartmentInput", response: ref("Department"), status: "201"),
        Operation(method: "get", path: "/api/v1/cases", summary: "事件队列与筛选", tag: "cases", parameters: [
            query("tab", ["type": "string", "enum": ["approval", "pending", "triage", "sign", "working", "soon", "overdue", "verify", "mine", "all"]], "队列"),
            query("status", enumeration(CaseStatus.self), "状态"), query("category", uuid, "类别"), query("channel", enumeration(CaseChannel.self), "渠道"),
            query("department", uuid, "当前承办部门"), query("area", string, "区域编码前缀"), query("from", ["type": "string", "format": "date"], "上报日期起"),
            query("to", ["type": "string", "format": "date"], "上报日期止"), query("q", string, "标题或编号"), query("page", int, "页码"), query("pageSize", int, "每页条数（≤100）"),
        ], response: ref("CasePage")),
        Operation(method: "post", path: "/api/v1/cases", summary: "上报事件", tag: "cases", body: "ReportInput", response: ref("Case"), status: "201"),
        Operation(method: "get", path: "/api/v1/cases/{id}", summary: "事件详情：时限、流转记录、当前用户可执行的操作", tag: "cases", parameters: [pathParam("id", uuid)], response: ref("CaseDetail")),
        Operation(method: "post", path: "/api/v1/cases/{id}/actions", summary: "执行操作（由状态机判定是否允许）", tag: "cases", parameters: [pathParam("id", uuid)], body: "ActionInput", response: ref("CaseDetail")),
        Operation(method: "get", path: "/api/v1/cases/{id}/duplicates", summary: "疑似重复事件：同类别、附近、时间窗口内、未办结（任何渠道），近者在前", tag: "map",
                  parameters: [pathParam("id", uuid)], response: array(ref("DuplicateMatch"))),
        Operation(method: "post", path: "/api/v1/cases/{id}/merge", summary: "将本事件作为重复诉求并入主事件（不予受理·重复诉求，进度随主事件）", tag: "map",
                  parameters: [pathParam("id", uuid)], body: "MergeInput", response: ref("Case")),
        Operation(method: "get", path: "/api/v1/map/layers/{layer}", summary: "地图图层 GeoJSON：areas（含事件数）、cases、buildings、components", tag: "map",
                  parameters: [pathParam("layer", ["type": "string", "enum": ["areas", "cases", "buildings", "components"]]), query("area", int, "区域（默认管辖范围的顶层）"),
                               query("days", int, "事件统计的天数（默认 30）")],
                  response: ref("FeatureCollection")),
        Operation(method: "get", path: "/api/v1/map/locate", summary: "坐标所在的网格（自动落格）", tag: "map",
                  parameters: [query("lat", number, "纬度", required: true), query("lon", number, "经度", required: true),
                               query("datum", ["type": "string", "enum": ["wgs84", "gcj02"]], "坐标系（默认 wgs84）")], response: ref("Located")),
        Operation(method: "get", path: "/api/v1/boundaries", summary: "导出区域树边界（GeoJSON FeatureCollection，含编码、名称、层级、上级编码）", tag: "map",
                  parameters: [query("area", int, "区域（默认管辖范围的顶层）")], response: ref("FeatureCollection")),
        Operation(method: "post", path: "/api/v1/hotline/orders", summary: "热线工单推送（12345/市长热线/96361；请求头 X-Api-Key；同一工单重复推送返回原事件，200）", tag: "cases",
                  body: "HotlineOrder", response: ref("HotlineReceipt"), status: "201"),
        Operation(method: "get", path: "/api/v1/categories", summary: "事件分类清单及时限", tag: "cases", response: array(ref("Category"))),
        Operation(method: "get", path: "/api/v1/people", summary: "查找人口（姓名前缀、身份证号或后四位、手机号或后四位；证件号码和电话掩码返回）", tag: "registry",
                  parameters: [query("q", string, "查询条件", required: true)], response: array(ref("Person"))),
        Operation(method: "get", path: "/api/v1/calendar/{year}", summary: "某年放假与调休安排", tag: "cases", parameters: [pathParam("year", int)], response: array(ref("CalendarDay"))),
    ] }

    static var schemas: [String: JSON] {
        let policy = object(["acceptHours": int, "onSiteHours": nullable(int), "resolveWorkingDays": int, "inquiryAfterWorkingDays": int, "inquiryAnswerWorkingDays": int])
        let polygon = object(["type": ["type": "string", "enum": ["Polygon", "MultiPolygon"]],
                              "coordinates": ["oneOf": [array(array(array(number))), array(array(array(array(number))))]]], required: ["type", "coordinates"])
        let role = object(["id": uuid, "role": enumeration(Role.self), "areaID": nullable(int), "departmentID": nullable(uuid), "employment": nullable(enumeration(Employment.self))])
        let caseSchema = object([
            "id": uuid, "code": string, "title": string, "description": string, "status": enumeration(CaseStatus.self), "statusName": string,
            "publicStatus": string, "overdue": bool, "channel": enumeration(CaseChannel.self), "categoryID": uuid, "gridID": int, "holderAreaID": nullable(int),
            "holderDepartmentID": nullable(uuid), "coHandlerIDs": array(uuid), "resolution": nullable(["type": "string"]), "satisfaction": nullable(enumeration(Satisfaction.self)),
            "latitude": nullable(number), "longitude": nullable(number), "address": nullable(string), "reportedAt": dateTime, "acceptedAt": nullable(dateTime), "closedAt": nullable(dateTime),
            "mergedIntoID": nullable(uuid),
        ])
        return [
            "Error": object(["error": bool, "reason": string], required: ["error", "reason"]),
            "TokenRequest": object(["username": string, "password": string], required: ["username", "password"]),
            "TokenResponse": object(["token": string, "expiresInDays": int, "user": ref("Me")]),
            "Me": object(["id": uuid, "username": string, "displayName": string, "kind": ["type": "string", "enum": ["staff", "resident"]],
                          "roles": array(object(["role": enumeration(Role.self), "roleName": string, "areaID": nullable(int), "areaName": nullable(string),
                                                 "departmentName": nullable(string), "employment": nullable(enumeration(Employment.self))]))]),
            "Polygon": polygon,
            "Area": object(["id": int, "code": string, "name": string, "level": enumeration(AreaLevel.self), "levelName": string, "parentID": nullable(int),
                            "path": string, "responsibleID": nullable(uuid), "boundary": nullable(ref("Polygon"))]),
            "AreaInput": object(["parentID": nullable(int), "name": string, "code": string, "responsibleUsername": string, "boundary": ref("Polygon")]),
            "MoveInput": object(["parent": int], required: ["parent"]),
            "Staff": object(["id": uuid, "username": string, "displayName": string, "phoneMasked": nullable(string), "active": bool, "roles": array(ref("RoleAssignment"))]),
            "StaffPage": object(["items": array(ref("Staff")), "total": int, "page": int, "pageSize": int]),
            "StaffInput": object(["username": string, "displayName": string, "phone": string, "password": string, "role": enumeration(Role.self),
                                  "areaCode": string, "departmentCode": string, "employment": enumeration(Employment.self)], required: ["username", "displayName", "password"]),
            "RoleAssignment": role,
            "RoleInput": object(["role": enumeration(Role.self), "areaCode": string, "departmentCode": string, "employment": enumeration(Employment.self)], required: ["role"]),
            "Department": object(["id": uuid, "code": string, "name": string, "responsibilities": string, "active": bool]),
            "DepartmentInput": object(["code": string, "name": string, "responsibilities": string], required: ["code", "name", "responsibilities"]),
            "Case": caseSchema,
            "CasePage": object(["items": array(ref("Case")), "total": int, "page": int, "pageSize": int]),
            "ReportInput": object(["categoryID": uuid, "title": string, "description": string, "channel": enumeration(CaseChannel.self),
                                   "urgency": enumeration(Urgency.self), "gridID": int, "latitude": number, "longitude": number, "address": string,
                                   "reporterName": string, "reporterPhone": string, "externalRef": string, "onSiteNote": string, "needsApproval": bool,
                                   "datum": ["type": "string", "enum": ["wgs84", "gcj02"]]],
                                  required: ["categoryID", "title", "channel"]),
            "ActionInput": object(["action": enumeration(ActionKind.self), "comment": string, "reason": enumeration(RejectReason.self), "department": uuid,
                                   "coHandlers": array(uuid), "workingDays": int, "passed": bool, "satisfaction": enumeration(Satisfaction.self)], required: ["action"]),
            "Deadline": object(["kind": enumeration(DeadlineKind.self), "dueAt": dateTime, "metAt": nullable(dateTime), "endedAt": nullable(dateTime),
                                "overdueAt": nullable(dateTime), "areaID": nullable(int), "departmentID": nullable(uuid)]),
            "TimelineEntry": object(["seq": int, "at": dateTime, "actorName": string, "role": string, "level": string, "action": string, "fromStatus": string,
                                     "toStatus": string, "comment": string, "hash": string, "prevHash": string]),
            "CaseDetail": object(["case": ref("Case"), "deadlines": array(ref("Deadline")), "timeline": array(ref("TimelineEntry")),
                                  "allowedActions": array(enumeration(ActionKind.self))]),
            "Category": object(["id": uuid, "code": string, "name": string, "parentID": nullable(uuid), "policy": policy, "departmentID": nullable(uuid), "stabilityRisk": bool]),
            "Person": object(["id": uuid, "name": string, "idNumberMasked": string, "phoneMasked": nullable(string), "gender": enumeration(Gender.self),
                              "birthYear": nullable(int), "kind": enumeration(PersonKind.self), "gridID": int, "householdID": nullable(uuid)]),
            "HotlineOrder": object(["source": ["type": "string", "enum": ["12345", "mayor", "96361"]], "orderNo": string, "caller": string, "phone": string,
                                    "content": string, "address": string, "categoryText": string, "receivedAt": dateTime, "latitude": number, "longitude": number,
                                    "gridCode": string, "datum": ["type": "string", "enum": ["wgs84", "gcj02"]]],
                                   required: ["source", "orderNo", "content", "categoryText"]),
            "HotlineReceipt": object(["caseID": uuid, "code": string, "duplicate": bool, "mapped": bool, "category": string]),
            "DuplicateMatch": object(["case": ref("Case"), "distanceMetres": number, "hoursApart": number]),
            "MergeInput": object(["masterID": uuid], required: ["masterID"]),
            "FeatureCollection": object(["type": ["type": "string", "const": "FeatureCollection"], "features": array(["type": "object"])], required: ["type", "features"]),
            "Located": object(["gridID": int, "code": string, "name": string, "latitude": number, "longitude": number]),
            "CalendarDay": object(["date": ["type": "string", "format": "date"], "kind": enumeration(WorkCalendar.DayKind.self), "name": string]),
        ]
    }

    static func document(serverURL: String) -> JSON {
        var paths: [String: JSON] = [:]
        for op in operations {
            var operation: JSON = ["summary": op.summary, "tags": [op.tag], "operationId": op.method + op.path.replacingOccurrences(of: "/", with: "_")]
            if !op.parameters.isEmpty { operation["parameters"] = op.parameters }
            if let body = op.body { operation["requestBody"] = ["required": true, "content": ["application/json": ["schema": ref(body)]]] }
            var responses: JSON = [:]
            responses[op.status] = op.response.map { ["description": "OK", "content": ["application/json": ["schema": $0]]] } ?? ["description": "No content"]
            let error: JSON = ["description": "错误：{error, reason}", "content": ["application/json": ["schema": ref("Error")]]]
            for code in ["400", "401", "403", "404", "409", "422"] { responses[code] = error }
            operation["responses"] = responses
            operation["security"] = op.auth ? [["bearer": [String]()]] : [JSON]()
            var item = paths[op.path] ?? [:]
            item[op.method] = operation
            paths[op.path] = item
        }
        return [
            "openapi": "3.1.0",
            "info": ["title": "CivicGrid 网格通 API", "version": "1.0.0",
                     "description": "网格化社会管理服务平台的 JSON 接口。先用 POST /api/v1/auth/token 换取令牌，再以 Authorization: Bearer 调用。所有查询按调用者的管辖范围过滤；范围外的资源返回 404。Open311 GeoReport v2 接口见 /open311/v2/discovery.json。"],
            "servers": [["url": serverURL]],
            "paths": paths,
            "components": ["schemas": schemas, "securitySchemes": ["bearer": ["type": "http", "scheme": "bearer"]]],
        ]
    }

    @Sendable static func serve(req: Request) async throws -> Response {
        let base = req.headers.first(name: .host).map { "http://\($0)" } ?? "http://localhost:8080"
        let data = try JSONSerialization.data(withJSONObject: document(serverURL: base), options: [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes])
        var headers = HTTPHeaders()
        headers.contentType = .json
        return Response(status: .ok, headers: headers, body: .init(data: data))
    }

    struct DocsPage: Encodable {
        let layout: PageLayout
        let groups: [Group]
        struct Group: Encodable { let tag: String; let operations: [Op] }
        struct Op: Encodable { let method: String; let path: String; let summary: String; let body: String?; let status: String }
    }

    @Sendable static func page(req: Request) async throws -> View {
        let tags = ["auth": "认证", "areas": "网格层级", "staff": "人员岗位", "departments": "职能部门", "cases": "事件", "registry": "基础信息", "map": "地图与重复事件"]
        let groups = ["auth", "areas", "staff", "departments", "cases", "map", "registry"].map { tag in
            DocsPage.Group(tag: tags[tag]!, operations: operations.filter { $0.tag == tag }.map {
                DocsPage.Op(method: $0.method.uppercased(), path: $0.path, summary: $0.summary, body: $0.body, status: $0.status)
            })
        }
        return try await req.view.render("api-docs", DocsPage(layout: PageLayout(req, title: "接口文档", section: "api"), groups: groups))
    }
}
