/// A statement of a process.
public indirect enum Statement: Sendable {
    /// `target = value` (blocking in combinational processes, non-blocking in clocked ones).
    case assign(Signal, Expr)
    /// `if (condition) … else …`.
    case when(Expr, then: [Statement], otherwise: [Statement])
    /// `case (selector)`; each arm matches one constant; `default` runs otherwise.
    case switchOn(Expr, cases: [(Expr, [Statement])], default: [Statement])

    /// Every signal assigned in this statement, recursively (may repeat).
    public var assignedSignals: [Signal] {
        switch self {
        case .assign(let s, _): return [s]
        case .when(_, let t, let e): return (t + e).flatMap(\.assignedSignals)
        case .switchOn(_, let cases, let d): return (cases.flatMap(\.1) + d).flatMap(\.assignedSignals)
        }
    }
}

/// A register's value while the synchronous reset is asserted.
public struct ResetAssignment: Sendable {
    public let register: Signal
    public let value: Expr
}

/// A process: combinational (`always @*`) or clocked with optional synchronous reset
/// (`always @(posedge clk) if (rst) … else …`).
public struct Process: Sendable {
    /// The kind of process.
    public enum Kind: Sendable {
        case combinational
        /// Rising edge of `clock`; `reset` (active high, synchronous) when present.
        case clocked(clock: Signal, reset: Signal?)
    }

    /// Combinational or clocked.
    public let kind: Kind
    /// Optional name, emitted as a comment and used in diagnostics.
    public let name: String?
    /// Reset values of the registers this process drives that have one (clocked only).
    public let resets: [ResetAssignment]
    /// The statements, in order.
    public let body: [Statement]

    /// Signals driven by the process, each once, in first-assignment order.
    public var drivenSignals: [Signal] {
        var seen = Set<String>()
        return (resets.map(\.register) + body.flatMap(\.assignedSignals)).filter { seen.insert($0.name).inserted }
    }

    public var isClocked: Bool {
        if case .clocked = kind { return true }
        return false
    }
}

/// Records the statements of one process; handed to the closure of
/// ``ModuleBuilder/combinational(_:_:)`` and ``ModuleBuilder/clocked(_:clock:reset:_:)``.
///
/// ```swift
/// m.combinational { p in
///     p.assign(found, 0)                 // defaults first (enforced)
///     p.assign(index, 0)
///     p.when(valid && mask[3]) {
///         p.assign(found, 1)
///         p.assign(index, 3)
///     }.otherwise {
///         …
///     }
/// }
/// ```
public final class ProcessBuilder {
    final class Block {
        var items: [Node] = []
    }
    enum Node {
        case assign(Signal, Expr)
        case when(Expr, Block, Block)
        case switchOn(Expr, [(Expr, Block)], Block)
    }

    private var stack: [Block] = [Block()]
    /// Whether the process is clocked (assignments are non-blocking).
    public let isClocked: Bool

    init(isClocked: Bool) { self.isClocked = isClocked }

    /// Assigns `value` to `target` (whole signal).
    public func assign(_ target: Signal, _ value: some ExprConvertible) {
        stack[stack.count - 1].items.append(.assign(target, value.expr))
    }

    /// Assigns a literal, sized like `target`.
    public func assign(_ target: Signal, _ value: Int) {
        assign(target, Expr.constant(value, width: target.width, signed: target.isSigned))
    }

    /// `if (condition) { body }`; chain `.elseWhen` / `.otherwise` on the result.
    @discardableResult
    public func when(_ condition: some ExprConvertible, _ body: () -> Void) -> WhenClause {
        let thenBlock = Block(), elseBlock = Block()
        run(thenBlock, body)
        stack[stack.count - 1].items.append(.when(condition.expr, thenBlock, elseBlock))
        return WhenClause(builder: self, elseBlock: elseBlock)
    }

    /// `case (selector)`: add arms with ``SwitchBuilder/is(_:_:)`` and ``SwitchBuilder/default(_:)``.
    public func switchOn(_ selector: some ExprConvertible, _ body: (SwitchBuilder) -> Void) {
        let sb = SwitchBuilder(builder: self, selector: selector.expr)
        body(sb)
        stack[stack.count - 1].items.append(.switchOn(selector.expr, sb.arms, sb.defaultBlock))
    }

    func run(_ block: Block, _ body: () -> Void) {
        stack.append(block)
        body()
        stack.removeLast()
    }

    var statements: [Statement] { Self.freeze(stack[0]) }

    static func freeze(_ block: Block) -> [Statement] {
        block.items.map { node in
            switch node {
            case .assign(let s, let e): return .assign(s, e)
            case .when(let c, let t, let e): return .when(c, then: freeze(t), otherwise: freeze(e))
            case .switchOn(let sel, let arms, let d):
                return .switchOn(sel, cases: arms.map { ($0.0, freeze($0.1)) }, default: freeze(d))
            }
        }
    }

    /// The else-part of a `when`.
    public struct WhenClause {
        let builder: ProcessBuilder
        let elseBlock: Block

        /// `else if (condition) { body }`.
        @discardableResult
        public func elseWhen(_ condition: some ExprConvertible, _ body: () -> Void) -> WhenClause {
            var clause: WhenClause?
            builder.run(elseBlock) {
                clause = builder.when(condition, body)
            }
            return clause!
        }

        /// `else { body }`.
        public func otherwise(_ body: () -> Void) {
            builder.run(elseBlock, body)
        }
    }

    /// Collects the arms of a `switchOn`.
    public final class SwitchBuilder {
        let builder: ProcessBuilder
        let selector: Expr
        var arms: [(Expr, Block)] = []
        var defaultBlock = Block()

        init(builder: ProcessBuilder, selector: Expr) {
            self.builder = builder
            self.selector = selector
        }

        /// An arm for `value` (sized like the selector).
        public func `is`(_ value: Int, _ body: () -> Void) {
            let block = Block()
            builder.run(block, body)
            arms.append((Expr.constant(value, width: selector.width, signed: selector.isSigned), block))
        }

        /// The default arm.
        public func `default`(_ body: () -> Void) {
            builder.run(defaultBlock, body)
        }
    }
}
