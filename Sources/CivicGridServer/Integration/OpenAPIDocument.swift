import GridCore
import OpenAPIKit
import Vapor

/// The OpenAPI 3.1 document of the JSON API, served at `/openapi.json` and rendered at `/api-docs`, built from
/// OpenAPIKit's typed values. Each operation names its `SiteURL` case, so a documented path is a route's path;
/// `OpenAPITests` checks that every API route is documented and that responses carry exactly the documented keys.
enum OpenAPIDocument {
    struct Operation {
        let method: OpenAPI.HttpMethod
        let route: SiteURL
        let summary: String
        let tag: String
        let parameters: [OpenAPI.Parameter]
        let body: String?
        let response: JSONSchema?
        let status: Int
        let auth: Bool

        init(_ method: OpenAPI.HttpMethod, _ route: SiteURL, summary: String, tag: String, parameters: [OpenAPI.Parameter] = [],
             body: String? = nil, response: JSONSchema? = nil, status: Int = 200, auth: Bool = true) {
            self.method = method
            self.route = route
            self.summary = summary
            self.tag = tag
            self.parameters = parameters
            self.body = body
            self.response = response
            self.status = status
            self.auth = auth
        }

        var path: String { route.openAPIPath }
    }

    static func ref(_ name: String) -> JSONSchema { .reference(.component(named: name)) }
    static func array(_ item: JSONSchema) -> JSONSchema { .array(items: item) }
    /// An object whose listed properties are required; the others may be left out.
    static func object(_ properties: KeyValuePairs<String, JSONSchema>, required: [String] = []) -> JSONSchema {
        .object(properties: OrderedDictionary(properties.map { key, schema in
            (key, required.contains(key) ? schema : schema.optionalSchemaObject())
        }, uniquingKeysWith: { first, _ in first }))
    }
    static var string: JSONSchema { .string }
    static var uuid: JSONSchema { .string(format: .uuid) }
    static var int: JSONSchema { .integer }
    static var number: JSONSchema { .number }
    static var bool: JSONSchema { .boolean }
    static var dateTime: JSONSchema { .string(format: .dateTime) }
    static var date: JSONSchema { .string(format: .date) }
    static var datum: JSONSchema { oneOf(["wgs84", "gcj02"]) }
    /// The value, or JSON null.
    static func nullable(_ schema: JSONSchema) -> JSONSchema { .any(of: [schema, .null()]) }
    static func oneOf(_ values: [String]) -> JSONSchema { .string(allowedValues: values.map { AnyCodable($0) }) }
    static func enumeration<E: CaseIterable & RawRepresentable>(_ type: E.Type) -> JSONSchema where E.RawValue == String {
        oneOf(E.allCases.map(\.rawValue))
    }
    static func pathParam(_ name: String, _ schema: JSONSchema) -> OpenAPI.Parameter { .path(name: name, schema: schema) }
    static func query(_ name: String, _ schema: JSONSchema, _ description: String, required: Bool = false) -> OpenAPI.Parameter {
        .query(name: name, required: required, schema: schema, description: description)
    }

    static var operations: [Operation] { [
        Operation(.post, .apiToken, summary: "登录，换取 Bearer 令牌（30 天）", tag: "auth", body: "TokenRequest", response: ref("TokenResponse"), auth: false),
        Operation(.delete, .apiToken, summary: "吊销当前令牌", tag: "auth", status: 204),
        Operation(.get, .apiMe, summary: "当前用户及其岗位", tag: "auth", response: ref("Me")),
        Operation(.get, .apiAreas, summary: "管辖范围内的顶级区域，或 parent 的下级区域", tag: "areas",
                  parameters: [query("parent", int, "上级区域 id")], response: array(ref("Area"))),
        Operation(.post, .apiAreas, summary: "新建区域（管理员）", tag: "areas", body: "AreaInput", response: ref("Area"), status: 201),
        Operation(.get, .apiArea(.placeholder), summary: "区域详情（范围外为 404）", tag: "areas", parameters: [pathParam("id", int)], response: ref("Area")),
        Operation(.patch, .apiArea(.placeholder), summary: "修改名称、编码、边界、第一责任人", tag: "areas", parameters: [pathParam("id", int)], body: "AreaInput", response: ref("Area")),
        Operation(.delete, .apiArea(.placeholder), summary: "删除空区域", tag: "areas", parameters: [pathParam("id", int)], status: 204),
        Operation(.post, .apiAreaMove(.placeholder), summary: "移动子树（路径与编码同步更新）", tag: "areas", parameters: [pathParam("id", int)], body: "MoveInput", response: ref("Area")),
        Operation(.get, .apiAreaGeoJSON(.placeholder), summary: "下级区域边界 FeatureCollection", tag: "areas", parameters: [pathParam("id", int)],
                  response: .object(description: "GeoJSON FeatureCollection")),
        Operation(.get, .apiUsers, summary: "人员列表（管理员，按范围）", tag: "staff",
                  parameters: [query("q", string, "姓名或账号"), query("role", enumeration(Role.self), "岗位"), query("page", int, "页码")], response: ref("StaffPage")),
        Operation(.post, .apiUsers, summary: "新增人员", tag: "staff", body: "StaffInput", response: ref("Staff"), status: 201),
        Operation(.get, .apiUser(.placeholder), summary: "人员详情（手机号掩码）", tag: "staff", parameters: [pathParam("id", uuid)], response: ref("Staff")),
        Operation(.post, .apiUserRoles(.placeholder), summary: "添加岗位", tag: "staff", parameters: [pathParam("id", uuid)], body: "RoleInput", response: ref("RoleAssignment"), status: 201),
        Operation(.delete, .apiUserRole(.placeholder, role: .placeholder), summary: "移除岗位", tag: "staff", parameters: [pathParam("id", uuid), pathParam("role", uuid)], status: 204),
        Operation(.get, .apiDepartments, summary: "职能部门及职责清单", tag: "departments", response: array(ref("Department"))),
        Operation(.post, .apiDepartments, summary: "新增部门（系统管理员）", tag: "departments", body: "DepartmentInput", response: ref("Department"), status: 201),
        Operation(.get, .apiCases, summary: "事件队列与筛选", tag: "cases", parameters: [
            query("tab", oneOf(["approval", "pending", "triage", "sign", "working", "soon", "overdue", "verify", "mine", "all"]), "队列"),
            query("status", enumeration(CaseStatus.self), "状态"), query("category", uuid, "类别"), query("channel", enumeration(CaseChannel.self), "渠道"),
            query("department", uuid, "当前承办部门"), query("area", string, "区域编码前缀"), query("from", date, "上报日期起"),
            query("to", date, "上报日期止"), query("q", string, "标题或编号"), query("page", int, "页码"), query("pageSize", int, "每页条数（≤100）"),
        ], response: ref("CasePage")),
        Operation(.post, .apiCases, summary: "上报事件", tag: "cases", body: "ReportInput", response: ref("Case"), status: 201),
        Operation(.get, .apiCase(.placeholder), summary: "事件详情：时限、流转记录、当前用户可执行的操作", tag: "cases", parameters: [pathParam("id", uuid)], response: ref("CaseDetail")),
        Operation(.post, .apiCaseActions(.placeholder), summary: "执行操作（由状态机判定是否允许）", tag: "cases", parameters: [pathParam("id", uuid)], body: "ActionInput", response: ref("CaseDetail")),
        Operation(.get, .apiCaseDuplicates(.placeholder), summary: "疑似重复事件：同类别、附近、时间窗口内、未办结（任何渠道），近者在前", tag: "map",
                  parameters: [pathParam("id", uuid)], response: array(ref("DuplicateMatch"))),
        Operation(.post, .apiCaseMerge(.placeholder), summary: "将本事件作为重复诉求并入主事件（不予受理·重复诉求，进度随主事件）", tag: "map",
                  parameters: [pathParam("id", uuid)], body: "MergeInput", response: ref("Case")),
        Operation(.get, .apiMapLayer(.placeholder), summary: "地图图层 GeoJSON：areas（含事件数）、cases、buildings、components", tag: "map",
                  parameters: [pathParam("layer", oneOf(["areas", "cases", "buildings", "components"])), query("area", int, "区域（默认管辖范围的顶层）"),
                               query("days", int, "事件统计的天数（默认 30）")],
                  response: ref("FeatureCollection")),
        Operation(.get, .apiMapLocate, summary: "坐标所在的网格（自动落格）", tag: "map",
                  parameters: [query("lat", number, "纬度", required: true), query("lon", number, "经度", required: true),
                               query("datum", datum, "坐标系（默认 wgs84）")], response: ref("Located")),
        Operation(.get, .apiBoundaries, summary: "导出区域树边界（GeoJSON FeatureCollection，含编码、名称、层级、上级编码）", tag: "map",
                  parameters: [query("area", int, "区域（默认管辖范围的顶层）")], response: ref("FeatureCollection")),
        Operation(.post, .apiHotlineOrders, summary: "热线工单推送（12345/市长热线/96361；请求头 X-Api-Key；同一工单重复推送返回原事件，200）", tag: "cases",
                  body: "HotlineOrder", response: ref("HotlineReceipt"), status: 201),
        Operation(.get, .apiCategories, summary: "事件分类清单及时限", tag: "cases", response: array(ref("Category"))),
        Operation(.get, .apiPeople, summary: "查找人口（姓名前缀、身份证号或后四位、手机号或后四位；证件号码和电话掩码返回）", tag: "registry",
                  parameters: [query("q", string, "查询条件", required: true)], response: array(ref("Person"))),
        Operation(.get, .apiCalendar(year: .placeholder), summary: "某年放假与调休安排", tag: "cases", parameters: [pathParam("year", int)], response: array(ref("CalendarDay"))),
    ] }

    static var schemas: OrderedDictionary<String, JSONSchema> {
        let policy = object(["acceptHours": int, "onSiteHours": nullable(int), "resolveWorkingDays": int, "inquiryAfterWorkingDays": int, "inquiryAnswerWorkingDays": int])
        let polygon = object(["type": oneOf(["Polygon", "MultiPolygon"]),
                              "coordinates": .one(of: [array(array(array(number))), array(array(array(array(number))))])], required: ["type", "coordinates"])
        let role = object(["id": uuid, "role": enumeration(Role.self), "areaID": nullable(int), "departmentID": nullable(uuid), "employment": nullable(enumeration(Employment.self))])
        let caseSchema = object([
            "id": uuid, "code": string, "title": string, "description": string, "status": enumeration(CaseStatus.self), "statusName": string,
            "publicStatus": string, "overdue": bool, "channel": enumeration(CaseChannel.self), "categoryID": uuid, "gridID": int, "holderAreaID": nullable(int),
            "holderDepartmentID": nullable(uuid), "coHandlerIDs": array(uuid), "resolution": nullable(string), "satisfaction": nullable(enumeration(Satisfaction.self)),
            "latitude": nullable(number), "longitude": nullable(number), "address": nullable(string), "reportedAt": dateTime, "acceptedAt": nullable(dateTime), "closedAt": nullable(dateTime),
            "mergedIntoID": nullable(uuid),
        ])
        return [
            "Error": object(["error": bool, "reason": string], required: ["error", "reason"]),
            "TokenRequest": object(["username": string, "password": string], required: ["username", "password"]),
            "TokenResponse": object(["token": string, "expiresInDays": int, "user": ref("Me")]),
            "Me": object(["id": uuid, "username": string, "displayName": string, "kind": oneOf(["staff", "resident"]),
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
                                   "datum": datum],
                                  required: ["categoryID", "title", "channel"]),
            "ActionInput": object(["action": enumeration(ActionKind.self), "comment": string, "reason": enumeration(RejectReason.self), "department": uuid,
                                   "coHandlers": array(uuid), "workingDays": int, "passed": bool, "satisfaction": enumeration(Satisfaction.self),
                                   "approved": bool, "until": date, "reviewDate": date, "contact": enumeration(CallbackContact.self), "resolved": bool,
                                   "category": uuid],
                                  required: ["action"]),
            "Deadline": object(["kind": enumeration(DeadlineKind.self), "dueAt": dateTime, "metAt": nullable(dateTime), "endedAt": nullable(dateTime),
                                "overdueAt": nullable(dateTime), "areaID": nullable(int), "departmentID": nullable(uuid),
                                "light": enumeration(DeadlineLight.self), "endReason": nullable(enumeration(DeadlineEnd.self))]),
            "TimelineEntry": object(["seq": int, "at": dateTime, "actorName": string, "role": string, "level": string, "action": string, "fromStatus": string,
                                     "toStatus": string, "comment": string, "hash": string, "prevHash": string]),
            "CaseDetail": object(["case": ref("Case"), "deadlines": array(ref("Deadline")), "timeline": array(ref("TimelineEntry")),
                                  "allowedActions": array(enumeration(ActionKind.self))]),
            "Category": object(["id": uuid, "code": string, "name": string, "parentID": nullable(uuid), "policy": policy, "departmentID": nullable(uuid), "stabilityRisk": bool]),
            "Person": object(["id": uuid, "name": string, "idNumberMasked": string, "phoneMasked": nullable(string), "gender": enumeration(Gender.self),
                              "birthYear": nullable(int), "kind": enumeration(PersonKind.self), "gridID": int, "householdID": nullable(uuid)]),
            "HotlineOrder": object(["source": oneOf(["12345", "mayor", "96361"]), "orderNo": string, "caller": string, "phone": string,
                                    "content": string, "address": string, "categoryText": string, "receivedAt": dateTime, "latitude": number, "longitude": number,
                                    "gridCode": string, "datum": datum],
                                   required: ["source", "orderNo", "content", "categoryText"]),
            "HotlineReceipt": object(["caseID": uuid, "code": string, "duplicate": bool, "mapped": bool, "category": string]),
            "DuplicateMatch": object(["case": ref("Case"), "distanceMetres": number, "hoursApart": number]),
            "MergeInput": object(["masterID": uuid], required: ["masterID"]),
            "FeatureCollection": object(["type": oneOf(["FeatureCollection"]), "features": array(.object())], required: ["type", "features"]),
            "Located": object(["gridID": int, "code": string, "name": string, "latitude": number, "longitude": number]),
            "CalendarDay": object(["date": date, "kind": enumeration(WorkCalendar.DayKind.self), "name": string]),
        ]
    }

    static func document(serverURL: String) -> OpenAPI.Document {
        let error = OpenAPI.Response(description: "错误：{error, reason}", content: [.json: .b(OpenAPI.Content(schema: ref("Error")))])
        let bearer: OpenAPI.SecurityRequirement = [.component(named: "bearer"): []]
        var paths: OrderedDictionary<OpenAPI.Path, OpenAPI.PathItem> = [:]
        for op in operations {
            var responses: OpenAPI.Response.Map = [:]
            responses[OpenAPI.Response.StatusCode(integerLiteral: op.status)] = .b(op.response.map {
                OpenAPI.Response(description: "OK", content: [.json: .b(OpenAPI.Content(schema: $0))])
            } ?? OpenAPI.Response(description: "No content"))
            for code in [400, 401, 403, 404, 409, 422] { responses[OpenAPI.Response.StatusCode(integerLiteral: code)] = .b(error) }
            let operation = OpenAPI.Operation(
                tags: [op.tag], summary: op.summary,
                operationId: op.method.rawValue.lowercased() + op.path.replacingOccurrences(of: "/", with: "_"),
                parameters: op.parameters.map { .b($0) },
                requestBody: op.body.map { OpenAPI.Request(content: [.json: .b(OpenAPI.Content(schema: ref($0)))], required: true) },
                responses: responses,
                security: op.auth ? [bearer] : [])
            paths[OpenAPI.Path(rawValue: op.path), default: OpenAPI.PathItem()].set(operation: operation, for: op.method)
        }
        return OpenAPI.Document(
            openAPIVersion: .v3_1_0,
            info: .init(title: "CivicGrid 网格通 API",
                        description: "网格化社会管理服务平台的 JSON 接口。先用 POST \(SiteURL.apiToken.path) 换取令牌，再以 Authorization: Bearer 调用。所有查询按调用者的管辖范围过滤；范围外的资源返回 404。Open311 GeoReport v2 接口见 \(SiteURL.open311(file: "discovery.json").path)。",
                        version: "1.0.0"),
            servers: [OpenAPI.Server(url: URL(string: serverURL)!)],
            paths: paths.mapValues { .b($0) },
            components: OpenAPI.Components(
                schemas: OpenAPI.ComponentDictionary(schemas.map { (OpenAPI.ComponentKey(rawValue: $0.key)!, $0.value) }, uniquingKeysWith: { first, _ in first }),
                securitySchemes: ["bearer": .b(.http(scheme: "bearer"))]))
    }

    @Sendable static func serve(req: Request) async throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        // The server's address comes from the configuration, never from the request's Host header.
        let data = try encoder.encode(document(serverURL: PortalController.publicURL(req)))
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
                DocsPage.Op(method: $0.method.rawValue.uppercased(), path: $0.path, summary: $0.summary, body: $0.body, status: String($0.status))
            })
        }
        return try await req.view.render("api-docs", DocsPage(layout: PageLayout(req, title: "接口文档", section: "api"), groups: groups))
    }
}
