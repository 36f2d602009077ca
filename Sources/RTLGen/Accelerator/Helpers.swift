// Small arithmetic building blocks of the accelerator generator (all combinational, built in the IR).

func log2Exact(_ x: Int) -> Int { var n = 0; while (1 << n) < x { n += 1 }; return n }
func bitsFor(_ maxValue: Int) -> Int { var n = 1; while (1 << n) <= maxValue { n += 1 }; return n }

extension ExprConvertible {
    /// Zero-extends or truncates to `w` bits (unsigned view).
    func fit(_ w: Int) -> Expr {
        let e = expr.asUnsigned
        return e.width >= w ? e.trunc(w) : e.zext(w)
    }
}

/// Unsigned product of `a` and `b`, `w` bits wide.
func umul(_ a: some ExprConvertible, _ b: some ExprConvertible, _ w: Int) -> Expr {
    a.fit(w) * b.fit(w)
}

/// Unsigned constant of width `w`.
func k(_ v: Int, _ w: Int) -> Expr { Expr.constant(v, width: w) }

/// Unsigned maximum / minimum of equal-width values.
func umax(_ a: some ExprConvertible, _ b: some ExprConvertible) -> Expr { mux(a.expr > b.expr, a, b) }
func umin(_ a: some ExprConvertible, _ b: some ExprConvertible) -> Expr { mux(a.expr < b.expr, a, b) }

extension ModuleBuilder {
    /// Restoring division `num ÷ den` (both unsigned) for quotients below 2^qbits.
    /// Each stage is a named wire, so the Verilog stays linear in size.
    /// A constant power-of-two divisor is a shift.
    func udiv(_ name: String, _ num: some ExprConvertible, _ den: some ExprConvertible, qbits: Int) -> (q: Expr, r: Expr) {
        let n = num.expr.asUnsigned, d = den.expr.asUnsigned
        if case .constant(let c) = d.node, c > 0, c & (c - 1) == 0 {
            let s = log2Exact(Int(c))
            let q = s == 0 ? n : (n >> s)
            let r = s == 0 ? Expr.constant(0, width: d.width) : n.fit(max(s, 1)).fit(d.width) & Int(c - 1)
            return (q.fit(qbits), r)
        }
        let w = max(n.width, d.width + qbits)
        var rem = wire("\(name)_r\(qbits)", n.fit(w)).expr
        var qb: [Expr] = []
        for i in stride(from: qbits - 1, through: 0, by: -1) {
            let ds = d.fit(w) << i
            let ge = wire("\(name)_q\(i)", rem >= ds).expr
            let rw = wire("\(name)_r\(i)", mux(ge, rem - ds, rem))
            allowUnused(rw)
            rem = rw.expr
            qb.append(ge)
        }
        return (cat(qb), rem.fit(d.width))
    }

    /// Lowest set bit of `v`: (any bit set, its index).
    func lowestSetBit(_ name: String, _ v: some ExprConvertible) -> (found: Expr, index: Expr) {
        let e = v.expr.asUnsigned
        var n = 1; while n < e.width { n *= 2 }
        let padded = n == e.width ? e : cat(Expr.zeros(width: n - e.width), e)
        var level: [(f: Expr, i: Expr?)] = (0..<n).map { (f: padded[$0], i: nil) }
        var lv = 0
        while level.count > 1 {
            var next: [(f: Expr, i: Expr?)] = []
            for p in 0..<(level.count / 2) {
                let lo = level[2 * p], hi = level[2 * p + 1]
                let fw = wire("\(name)_f\(lv)_\(p)", lo.f || hi.f)
                if level.count == 2 { allowUnused(fw) }
                let f = fw.expr
                let idx: Expr
                if let li = lo.i, let hiI = hi.i {
                    idx = wire("\(name)_i\(lv)_\(p)", mux(lo.f, cat(k(0, 1), li), cat(k(1, 1), hiI))).expr
                } else {
                    idx = wire("\(name)_i\(lv)_\(p)", mux(lo.f, k(0, 1), k(1, 1))).expr
                }
                next.append((f, idx))
            }
            level = next; lv += 1
        }
        return (level[0].f, level[0].i ?? k(0, 1))
    }
}

/// `width` bits with only bit `index` set (all zero when `index` ≥ `width`): a decoder, as one shift.
func onehot(_ index: some ExprConvertible, width: Int) -> Expr {
    let one = width == 1 ? k(1, 1) : cat(Expr.zeros(width: width - 1), k(1, 1))
    return one << index.expr.asUnsigned
}

/// The `width`-bit fields of `bus`, element i at bits [i·width, (i+1)·width).
func fields(_ bus: some ExprConvertible, width: Int) -> [Expr] {
    let e = bus.expr
    return (0..<(e.width / width)).map { e[($0 * width)...($0 * width + width - 1)] }
}

extension AcceleratorBuilder {
    /// The 1R1W RAM module of `depth` words × `width` bits (`<prefix>ram_<depth>x<width>`): the
    /// memory of the IR (registered read, inferred as block RAM) behind ports, so the buffers
    /// instantiate it in arrays. One module per shape.
    func ram(depth: Int, width: Int) throws -> Module {
        let name = names.ram(depth: depth, width: width)
        if let m = blocks[name] { return m }
        let r = ModuleBuilder(name, documentation: "1R1W RAM, \(depth) words x \(width) bits, registered read (block RAM).")
        _ = r.clock()
        let aw = Memory.addressWidth(depth: depth)
        let we = r.input("we"), waddr = r.input("waddr", width: aw), wdata = r.input("wdata", width: width)
        let re = r.input("re"), raddr = r.input("raddr", width: aw)
        let rdata = r.output("rdata", width: width)
        r.assign(rdata, r.memory("mem", width: width, depth: depth,
                                 write: MemoryWritePort(enable: we, address: waddr, data: wdata),
                                 read: MemoryReadPort(enable: re, address: raddr)))
        let m = try r.build()
        blocks[name] = m
        return m
    }
}
