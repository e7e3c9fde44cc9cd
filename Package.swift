// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "vitscope",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "vitscope", targets: ["vitscope"]),
        .library(name: "VitScope", targets: ["SizeAlgebra", "ArchGraph", "Architectures", "Reports", "VitScopeCLI"]),
    ],
    targets: [
        .target(name: "SizeAlgebra"),
        .target(name: "ArchGraph", dependencies: ["SizeAlgebra"]),
        .target(name: "Architectures", dependencies: ["SizeAlgebra", "ArchGraph"],
                linkerSettings: [.linkedLibrary("m", .when(platforms: [.linux]))]),
        .target(name: "Reports", dependencies: ["SizeAlgebra", "ArchGraph", "Architectures"]),
        .target(name: "VitScopeCLI", dependencies: ["SizeAlgebra", "ArchGraph", "Architectures", "Reports"]),
        .executableTarget(name: "vitscope", dependencies: ["VitScopeCLI"]),
        .testTarget(name: "SizeAlgebraTests", dependencies: ["SizeAlgebra"]),
        .testTarget(name: "ArchGraphTests", dependencies: ["ArchGraph", "SizeAlgebra"]),
        .testTarget(name: "ArchitecturesTests", dependencies: ["Architectures", "ArchGraph", "SizeAlgebra"]),
        .testTarget(name: "ReportsTests", dependencies: ["Reports"]),
        .testTarget(name: "VitScopeCLITests", dependencies: ["VitScopeCLI", "Architectures", "Reports"]),
    ],
    swiftLanguageModes: [.v6]
)
