// swift-tools-version: 6.0
import Foundation
import PackageDescription

// The CPU kernels are compiled for the CPU of the machine that builds them (AVX-512 or AVX2 on
// x86-64), which makes them several times faster than the baseline x86-64 target. Set
// VITSCOPE_PORTABLE=1 to build a binary that runs on any x86-64 machine. arm64's baseline
// already has the SIMD units the kernels use. VITSCOPE_FMA tells the kernels that fused
// multiply-add is an instruction (without it, each fused lane would be a call to fmaf);
// VITSCOPE_AVX512 that the building CPU has AVX-512's 32 wide registers (Linux lists it in
// /proc/cpuinfo), for larger register tiles.
#if arch(x86_64)
    let portable = ProcessInfo.processInfo.environment["VITSCOPE_PORTABLE"] != nil
    let avx512 = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8))?.contains(" avx512f") ?? false
    let nativeCPU: [SwiftSetting] =
        portable
        ? []
        : [.unsafeFlags(["-Xcc", "-march=native"]), .define("VITSCOPE_FMA")] + (avx512 ? [.define("VITSCOPE_AVX512")] : [])
#elseif arch(arm64)
    let nativeCPU: [SwiftSetting] = [.define("VITSCOPE_FMA")]
#else
    let nativeCPU: [SwiftSetting] = []
#endif

let package = Package(
    name: "vitscope",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "vitscope", targets: ["vitscope"]),
        .library(
            name: "VitScope",
            targets: ["JSONOutput", "SizeAlgebra", "ArchGraph", "Architectures", "CPUBackend", "Verifying", "Reports", "VitScopeCLI"]),
    ],
    targets: [
        // The one JSON writer; no dependencies, so every module can use it.
        .target(name: "JSONOutput"),
        .target(name: "SizeAlgebra"),
        .target(name: "ArchGraph", dependencies: ["SizeAlgebra"]),
        .target(
            name: "Architectures", dependencies: ["JSONOutput", "SizeAlgebra", "ArchGraph"],
            linkerSettings: [.linkedLibrary("m", .when(platforms: [.linux]))]),
        .target(name: "CPUBackend", dependencies: ["JSONOutput", "SizeAlgebra", "ArchGraph"], swiftSettings: nativeCPU),
        // The verification pipeline: run a model's graph on the CPU and compare it with the analysis.
        .target(name: "Verifying", dependencies: ["Architectures", "CPUBackend"]),
        .target(name: "Reports", dependencies: ["JSONOutput", "SizeAlgebra", "ArchGraph", "Architectures", "CPUBackend", "Verifying"]),
        .target(
            name: "VitScopeCLI",
            dependencies: ["JSONOutput", "SizeAlgebra", "ArchGraph", "Architectures", "Reports", "CPUBackend", "Verifying"]),
        .executableTarget(name: "vitscope", dependencies: ["VitScopeCLI"]),
        // The fuzzer: mutated specs, calls, options and weight files run in-process (`.ci/run`).
        .target(name: "Fuzzing", dependencies: ["VitScopeCLI", "Architectures", "CPUBackend"]),
        .executableTarget(name: "vitscope-fuzz", dependencies: ["Fuzzing"]),
        // Random small specs shared by the test targets.
        .target(name: "TestSupport", dependencies: ["Architectures", "CPUBackend"]),
        .testTarget(name: "JSONOutputTests", dependencies: ["JSONOutput"]),
        .testTarget(name: "SizeAlgebraTests", dependencies: ["SizeAlgebra"]),
        .testTarget(name: "ArchGraphTests", dependencies: ["ArchGraph", "SizeAlgebra"]),
        .testTarget(name: "ArchitecturesTests", dependencies: ["Architectures", "ArchGraph", "SizeAlgebra", "TestSupport", "CPUBackend"]),
        .testTarget(
            name: "CPUBackendTests", dependencies: ["CPUBackend", "ArchGraph", "Architectures", "SizeAlgebra", "TestSupport"],
            swiftSettings: nativeCPU),
        .testTarget(name: "VerifyingTests", dependencies: ["Verifying", "Architectures", "CPUBackend"]),
        .testTarget(name: "ReportsTests", dependencies: ["Reports", "JSONOutput"]),
        .testTarget(name: "VitScopeCLITests", dependencies: ["VitScopeCLI", "Architectures", "Reports", "Verifying"]),
        .testTarget(name: "FuzzingTests", dependencies: ["Fuzzing", "Architectures"]),
    ],
    swiftLanguageModes: [.v6]
)
