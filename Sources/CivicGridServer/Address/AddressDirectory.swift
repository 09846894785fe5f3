import Fluent
import Foundation
import GridCore
import Vapor

/// The 标准地址 book of the installation — every building's road, number and name, every grid with its
/// community — read for the matcher (`AddressBook`). Used by every intake that has an address and no
/// position: the resident's 随手拍, the staff report form, hotline orders, 找网格员.
struct AddressDirectory {
    let db: any Database

    /// Thrown when an address fits several places: the person picks one (2–5 choices).
    struct Ambiguous: Error { let address: String; let places: [AddressPlace] }

    func book() async throws -> AddressBook {
        let areas = try await Area.query(on: db).filter(\.$level ~~ [.community, .grid, .microGrid]).all()
        let names = Dictionary(areas.map { ($0.id!, $0.name) }, uniquingKeysWith: { a, _ in a })
        let grids = areas.filter { [.grid, .microGrid].contains($0.level) }.map {
            AddressBook.Grid(id: $0.id!, name: $0.name, community: $0.$parent.id.flatMap { names[$0] } ?? "")
        }
        let buildings = try await Building.query(on: db).field(\.$id).field(\.$grid.$id).field(\.$name).field(\.$address).all().map {
            AddressBook.Building(id: $0.id!.uuidString, gridID: $0.$grid.id, name: $0.name, address: $0.address)
        }
        return AddressBook(grids: grids, buildings: buildings)
    }

    /// The grid of `address`: sure, or `Ambiguous` with the choices, or a clear refusal.
    func grid(of address: String) async throws -> (gridID: Int, place: AddressPlace) {
        switch try await book().match(address) {
        case .found(let place): return (place.gridID, place)
        case .choices(let places): throw Ambiguous(address: address, places: places)
        case .notFound: throw Abort(.unprocessableEntity, reason: "未能根据地址“\(address.prefix(40))”确定所在网格，请写明路名和门牌号（如 建设北路12号），或选择网格")
        }
    }
}

extension AddressDirectory.Ambiguous: AbortError {
    var status: HTTPResponseStatus { .unprocessableEntity }
    var reason: String {
        "地址“\(address.prefix(40))”可能是以下几处之一，请选择：" + places.map(\.label).joined(separator: "；")
    }
}
