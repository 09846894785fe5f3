import Vapor

/// The registry (人房组织): grids, buildings and houses, people and households, organisations and
/// components, special groups and visits, import, export, cross-checks, coverage and the access log.
struct RegistryRoutes: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get(.registry, use: RegistryController.index)
        routes.get(.registryGrid(.placeholder), use: RegistryController.grid)

        routes.post(.buildings, use: RegistryController.createBuilding)
        routes.get(.building(.placeholder), use: RegistryController.building)
        routes.post(.building(.placeholder), use: RegistryController.updateBuilding)
        routes.post(.buildingHouses(.placeholder), use: RegistryController.addHouse)
        routes.on(.POST, .buildingPhoto(.placeholder), body: .collect(maxSize: "10mb"), use: RegistryController.uploadBuildingPhoto)
        routes.get(.buildingPhoto(.placeholder), use: RegistryController.buildingPhoto)

        routes.post(.organizations, use: RegistryController.createOrganization)
        routes.post(.components, use: RegistryController.createComponent)
        routes.post(.componentState(.placeholder), use: RegistryController.componentState)

        routes.get(.household(.placeholder), use: RegistryController.household)
        routes.get(.personNew, use: RegistryController.newPerson)
        routes.post(.people, use: RegistryController.createPerson)
        routes.get(.person(.placeholder), use: RegistryController.person)
        routes.post(.person(.placeholder), use: RegistryController.updatePerson)
        routes.post(.personReveal(.placeholder), use: RegistryController.reveal)
        routes.post(.personSpecial(.placeholder), use: RegistryController.fileSpecialGroup)
        routes.post(.personSpecialClose(.placeholder, member: .placeholder), use: RegistryController.closeMembership)
        routes.post(.personVisits(.placeholder), use: RegistryController.recordVisit)
        routes.get(.visitPhoto(.placeholder), use: RegistryController.visitPhoto)
        routes.get(.specialGroups, use: RegistryController.special)
        routes.get(.coverage, use: RegistryListController.coverage)

        routes.get(.registryImport, use: RegistryListController.importPage)
        routes.on(.POST, .registryImport, body: .collect(maxSize: "200mb"), use: RegistryListController.upload)
        routes.get(.importJob(.placeholder), use: RegistryListController.job)
        routes.post(.importCommit(.placeholder), use: RegistryListController.commit)
        routes.get(.importProgress(.placeholder), use: RegistryListController.progress)
        routes.get(.importTemplate(file: .placeholder), use: RegistryListController.template)
        routes.get(.registryExport(file: .placeholder), use: RegistryListController.export)

        routes.get(.crossCheck, use: RegistryListController.crossCheckPage)
        routes.on(.POST, .crossCheck, body: .collect(maxSize: "100mb"), use: RegistryListController.runCrossCheck)
        routes.get(.crossCheckRun(.placeholder), use: RegistryListController.crossCheckRun)
        routes.post(.crossCheckItem(.placeholder), use: RegistryListController.decide)

        routes.get(.accessLog, use: RegistryListController.accessLog)
        routes.get(.apiPeople, use: RegistryListController.apiPeople)
    }
}
