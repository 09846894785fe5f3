import GridCore

/// What a page may offer this user, each from the one rule (`RegistryRights`): the forms and links a
/// registry page shows are exactly the changes the server will accept from them.
struct RegistryAbilities: Encodable {
    let addPerson, editPerson, addBuilding, editBuilding, addHouse, addOrganization, addComponent, editComponent: Bool
    let fileSpecialGroup, closeSpecialGroup, recordVisit: Bool

    init(_ user: CurrentUser) {
        func may(_ change: RegistryChange, _ record: RegistryRecord) -> Bool { RegistryService.may(change, record, user) }
        addPerson = may(.create, .person); editPerson = may(.update, .person)
        addBuilding = may(.create, .building); editBuilding = may(.update, .building); addHouse = may(.create, .house)
        addOrganization = may(.create, .organization)
        addComponent = may(.create, .component); editComponent = may(.update, .component)
        fileSpecialGroup = may(.create, .specialGroup); closeSpecialGroup = may(.close, .specialGroup)
        recordVisit = may(.create, .visit)
    }
}
