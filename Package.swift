// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "CivicGrid",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "civicgrid", targets: ["civicgrid"]),
        .library(name: "GridCore", targets: ["GridCore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/vapor/vapor.git", from: "4.122.3"),
        .package(url: "https://github.com/vapor/fluent.git", from: "4.13.0"),
        .package(url: "https://github.com/vapor/fluent-sqlite-driver.git", from: "4.9.0"),
        .package(url: "https://github.com/vapor/fluent-postgres-driver.git", from: "2.14.0"),
        .package(url: "https://github.com/vapor/leaf.git", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/weichsel/ZIPFoundation.git", from: "0.9.20"),
        // The OpenAPI document is built from typed values; external loading (a slower build) is not needed.
        .package(url: "https://github.com/mattpolzin/OpenAPIKit.git", from: "6.4.0", traits: []),
        // Open311's XML written from the same typed bodies as its JSON.
        .package(url: "https://github.com/CoreOffice/XMLCoder.git", from: "0.18.2"),
        // HTML snapshot tests (the SnapshotTesting product alone, no swift-syntax build).
        .package(url: "https://github.com/pointfreeco/swift-snapshot-testing.git", from: "1.19.7"),
    ],
    targets: [
        // Pure domain: no Vapor, no Fluent. Deterministic and exhaustively unit-tested.
        .target(name: "GridCore", dependencies: ["CQRencode", .product(name: "Crypto", package: "swift-crypto")]),
        // Debian's libqrencode (libqrencode-dev), for building QR codes.
        .systemLibrary(name: "CQRencode", pkgConfig: "libqrencode", providers: [.apt(["libqrencode-dev"])]),
        .target(
            name: "CivicGridServer",
            dependencies: [
                "GridCore",
                .product(name: "Vapor", package: "vapor"),
                .product(name: "Fluent", package: "fluent"),
                .product(name: "FluentSQLiteDriver", package: "fluent-sqlite-driver"),
                .product(name: "FluentPostgresDriver", package: "fluent-postgres-driver"),
                .product(name: "Leaf", package: "leaf"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
                .product(name: "OpenAPIKit", package: "OpenAPIKit"),
                .product(name: "XMLCoder", package: "XMLCoder"),
            ]
        ),
        .executableTarget(name: "civicgrid", dependencies: ["CivicGridServer"]),
        .testTarget(name: "GridCoreTests", dependencies: ["GridCore"]),
        .testTarget(
            name: "CivicGridServerTests",
            dependencies: [
                "CivicGridServer",
                .product(name: "XCTVapor", package: "vapor"),
                .product(name: "SnapshotTesting", package: "swift-snapshot-testing"),
            ],
            exclude: ["App/__Snapshots__"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
