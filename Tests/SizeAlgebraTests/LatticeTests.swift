import Testing

@testable import SizeAlgebra

@Suite("Lattice forms")
struct LatticeTests {
    @Test func rationalsStayReduced() {
        #expect(Rational(6, -8).description == "-3/4")
        #expect((Rational(1, 6) + Rational(1, 3)).description == "1/2")
        #expect((Rational(9, 64) * Rational(64)).description == "9")
        #expect((Rational(Int.max) + Rational(1)).overflowed)
    }

    /// PiT-S's last grid side, ⌊(H + 16)/32⌋: on multiples of 32 it is H/32, on H ≡ 16 (mod 32) it is (H + 16)/32.
    @Test func floorsBecomeLinearOnTheClassOfTheSize() throws {
        let side = (Expr.H + 16).floorDiv(32)
        let even = try #require(Expr.lattice(of: [side], containing: Binding(batch: 1, height: 224, width: 224)))
        #expect(even.map(\.description) == ["H a multiple of 32"])
        #expect(side.latticeForm(on: even).description == "1/32·H")
        let odd = try #require(Expr.lattice(of: [side], containing: Binding(batch: 1, height: 208, width: 208)))
        #expect(odd.map(\.description) == ["H ≡ 16 (mod 32)"])
        #expect(side.latticeForm(on: odd).description == "1/32·H + 1/2")
    }

    @Test(arguments: [224, 160, 232, 97])
    func latticeFormEqualsTheExpressionOnItsLattice(_ size: Int) throws {
        // T2T-ViT's token count and a PiT-like grid, squared: several floors on H and W.
        let t2t = (Expr.H + 13).floorDiv(16) * (Expr.W + 13).floorDiv(16) + 1
        let expr = Expr.B * t2t * t2t * 10752 + (Expr.H + 1).floorDiv(4) * Expr.W.floorDiv(8) * 3 - Expr.H
        let lattice = try #require(Expr.lattice(of: [expr], containing: Binding(batch: 1, height: size, width: size + 8)))
        #expect(lattice.map(\.modulus) == [16, 16])
        let form = expr.latticeForm(on: lattice)
        var checked = 0
        for k in 0..<6 {
            for b in 1...3 {
                let binding = Binding(batch: b, height: size + 16 * k, width: size + 8 + 16 * k)
                #expect(form.evaluate(binding) == (try expr.evaluate(binding)))
                checked += 1
            }
        }
        #expect(checked == 18)
    }

    @Test func nonLinearFloorsHaveNoLattice() {
        #expect(Expr.lattice(of: [(Expr.H * Expr.W).floorDiv(7)], containing: Binding(batch: 1, height: 1, width: 1)) == nil)
        #expect(Expr.lattice(of: [Expr.B * 3], containing: Binding(batch: 1, height: 1, width: 1)) == [])
    }
}
