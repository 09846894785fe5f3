import Leaf
import Vapor

/// `#url("caseDetail", c.id)` in a template: the path of the named `SiteURL` case, its values filled in order.
/// An unknown name or a wrong number of values fails the render (and `SiteURLTests` reads every template for them).
struct URLTag: LeafTag {
    func render(_ ctx: LeafContext) throws -> LeafData {
        guard let name = ctx.parameters.first?.string else {
            throw Abort(.internalServerError, reason: "#url needs a route name first")
        }
        let values = ctx.parameters.dropFirst().map { $0.string ?? "" }
        guard let link = SiteURL.link(named: name, values: values) else {
            throw Abort(.internalServerError, reason: "#url(\"\(name)\", …): no such route, or not \(values.count) value(s)")
        }
        return .string(link)
    }
}
