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
//
// VITSCOPE_MARCH=x86-64-v3 (AVX2 and FMA) or x86-64-v4 (AVX-512) compiles them for that level
// of the x86-64 architecture instead of the building CPU: a binary for a fleet of machines, or the
// AVX2 kernels built and measured on an AVX-512 machine.
//
// A native build also records which of the x86-64 extensions that -march=native may use the
// building CPU has (VITSCOPE_BUILT_AVX2, VITSCOPE_BUILT_AVX512F, …, as /proc/cpuinfo names
// them; for VITSCOPE_MARCH, those its level guarantees), so that the executables refuse, with a
// message, to run on a CPU that lacks one instead of dying of an illegal instruction.
#if arch(x86_64)
    let environment = ProcessInfo.processInfo.environment
    let portable = environment["VITSCOPE_PORTABLE"] != nil
    let levels: [String: Set<String>] = [
        "x86-64-v3": ["avx", "avx2", "fma", "f16c", "bmi1", "bmi2"],
        "x86-64-v4": ["avx", "avx2", "fma", "f16c", "bmi1", "bmi2", "avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"],
    ]
    let march = environment["VITSCOPE_MARCH"].flatMap { $0.isEmpty ? nil : $0 }
    if let march, levels[march] == nil {
        fatalError("VITSCOPE_MARCH must be x86-64-v3 (AVX2) or x86-64-v4 (AVX-512), not '\(march)'")
    }
    let cpuFlags: Set<String> = {
        if let march { return levels[march] ?? [] }
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
            let line = text.split(separator: "\n").first(where: { $0.hasPrefix("flags") })
        else { return [] }
        return Set(line.split(separator: " ").map(String.init))
    }()
    let avx512 = cpuFlags.contains("avx512f")
    let checkedFlags = [
        "avx", "avx2", "fma", "f16c", "bmi1", "bmi2", "avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl",
        "avx512ifma", "avx512vbmi", "avx512_vbmi2", "avx512_vnni", "avx512_bitalg", "avx512_vpopcntdq", "avx512_bf16",
        "avx512_fp16", "avx_vnni",
    ]
    let builtFor: [SwiftSetting] =
        portable ? [] : checkedFlags.filter(cpuFlags.contains).map { .define("VITSCOPE_BUILT_" + $0.uppercased()) }
    let nativeCPU: [SwiftSetting] =
        portable
        ? []
        : [.unsafeFlags(["-Xcc", "-march=" + (march ?? "native")]), .define("VITSCOPE_FMA")]
            + (avx512 ? [.define("VITSCOPE_AVX512")] : [])
#elseif arch(arm64)
    let nativeCPU: [SwiftSetting] = [.define("VITSCOPE_FMA")]
    let builtFor: [SwiftSetting] = []
#else
    let nativeCPU: [SwiftSetting] = []
    let builtFor: [SwiftSetting] = []
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
        // Not compiled for the native CPU: it checks, before anything runs, that this CPU has what
        // CPUBackend was compiled for.
        .target(
            name: "VitScopeCLI",
            dependencies: ["JSONOutput", "SizeAlgebra", "ArchGraph", "Architectures", "Reports", "CPUBackend", "Verifying"],
            swiftSettings: builtFor),
        .executableTarget(name: "vitscope", dependencies: ["VitScopeCLI"]),
        // The fuzzer: mutated specs, calls, options and weight files run in-process (`.ci/run`).
        .target(name: "Fuzzing", dependencies: ["VitScopeCLI", "Architectures", "CPUBackend"]),
        .executableTarget(name: "vitscope-fuzz", dependencies: ["Fuzzing", "VitScopeCLI"]),
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
