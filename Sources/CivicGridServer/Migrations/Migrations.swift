import Fluent

extension Migrations {
    /// Every migration, in order. Each block is one release; never reorder, only append.
    func addCivicGridMigrations(resourcesDirectory: String, cipher: PersonalDataCipher) {
        // 001: foundation — departments, people, the area tree, roles, sessions and tokens, privacy log.
        add(CreateDepartment())
        add(CreateUser())
        add(CreateArea())
        add(CreateRoleAssignment())
        add(CreateUserToken())
        add(CreateLoginFailure())
        add(CreateAccessLog())
        // 002: the case engine — classification list, calendar, cases, deadlines, trace, inquiries,
        // negative list, notifications, photos.
        add(CreateCaseCategory())
        add(CreateCalendarDay())
        add(CreateCase())
        add(CreateCaseDeadline())
        add(CreateTimelineEntry())
        add(CreateInquiry())
        add(CreateNegativeListEntry())
        add(CreateNotification())
        add(CreateCasePhoto())
        add(SeedReferenceData(holidaysFile: resourcesDirectory + "Data/cn-holidays.json"))
        // 003: integration — Open311 API keys.
        add(CreateApiKey())
        // 004: the base-data registry.
        add(CreateRegistry())
        // 005: the map — duplicate merging.
        add(AddCaseMerging())
        // 006: hotline intake and the callback outbox.
        add(CreateHotlineIntake())
        // 007: the field front line — phone app, resident portal, building QR codes, notices.
        add(CreateFieldFrontLine())
        // 008: the service catalogue (办事指南).
        add(CreateServiceCatalog(seedFile: resourcesDirectory + "Data/service-catalog.csv"))
        // 009: top-down tasks (扁平化派发).
        add(CreateTopDownTasks())
        // 010: agent-handled services (帮办代办) and daily patrol checklists (日常巡查清单).
        add(CreateAgentServicesAndPatrolLists())
        // 011: statistics rollups (kept in each case change's transaction).
        add(CreateCaseRollups())
        // 012: the monthly assessment (百分考核).
        add(CreateAssessment())
        // 013: accountability — sanctions (约谈、面谈、书面通报、黄牌警告).
        add(CreateSanctions())
        // 014: the rollups per area and day, for the big screen.
        add(CreateCaseDayTotals())
        // 015: the reference generation (triggers), so instances can keep reference data in memory.
        add(CreateReferenceGeneration())
        // 016: the SLA sweep's index of running deadlines.
        add(AddOpenDeadlineIndex())
        // 017: ID numbers no longer recoverable from clear columns (birth year, blind index of the last four).
        add(ProtectIdentityNumbers(cipher: cipher))
        // 018: what Open311 publishes (public categories, moderated descriptions).
        add(AddOpen311Publication())
        // 019: API keys get scopes (Open311 requests, hotline orders).
        add(AddApiKeyScopes())
        // 020: when each patrol check-in was received (late, position-less ones are marked).
        add(AddCheckInReceivedAt())
        // 021: on SQLite, prefix indexes in LIKE's collation, so subtree and name-prefix searches read a range.
        add(AddCaseInsensitivePrefixIndexes())
        // 022: a deadline counted through a year without its holiday arrangement says so.
        add(AddDeadlineCalendarGap())
        // 023: the exception paths — requests and decisions, callbacks, the workflow's facts and the indicators' counters.
        add(AddWorkflowExceptionPaths())
        // 024: Open311 submissions limited per api key (after authentication), not per address.
        add(AddApiKeyPostLimit())
        // 025: the short list of categories residents choose from.
        add(AddResidentCategories())
    }
}
