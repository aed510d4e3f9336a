using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace TailGuard.Analyzers;

/// <summary>
/// TG2002: a loop that only polls a condition, and <c>SpinWait.SpinUntil</c>, in any code.
/// A polling loop is a <c>while</c>, <c>do</c> or <c>for</c> (without incrementors) whose body holds nothing but wait hints
/// (<c>Thread.SpinWait</c>, <c>Thread.Yield</c>, <c>Thread.Sleep(0)</c>, <c>SpinWait.SpinOnce</c>, memory barriers, and the async spins
/// <c>await Task.Yield()</c> and <c>await Task.Delay(0)</c>), plain reads
/// (<c>Volatile.Read</c>, <c>Interlocked.Read</c>, <c>Interlocked.CompareExchange(ref x, v, v)</c>), cancellation checks, and
/// <c>if (condition) break/return/throw/continue;</c> exits; and whose condition polls: it has no side effects, or it is an
/// <c>Interlocked</c> operation (a spin lock), or the body holds an explicit wait hint (<c>while (!TryTake()) Thread.SpinWait(1);</c>).
/// Not reported: a loop that spins a <c>SpinWait</c> struct and checks a deadline (a clock read — <c>Stopwatch</c>,
/// <c>Environment.TickCount64</c>, <c>DateTime.UtcNow</c>, <c>TimeProvider</c> — or the spinner's own <c>Count</c>/<c>NextSpinWillYield</c>)
/// in its condition or exits: the bounded "spin briefly, then block" pattern; and a <c>SpinWait</c> loop spinning for a claim another
/// thread already made through <c>Interlocked</c> (<see cref="ClaimWaits"/>; <c>TG2002.report_claim_waits = true</c> reports it).
/// </summary>
/// <remarks>
/// A busy-wait burns a core while it waits, and on the thread pool it also holds a pool thread: with two cores, two spinning
/// requests take the whole machine, and the work they wait for is queued behind them. A wait on a signal costs nothing until
/// the signal comes.
/// </remarks>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class BusyWaitAnalyzer : DiagnosticAnalyzer
{
    /// <summary>Report a <c>SpinWait</c> spinning for a claim another thread already made (<see cref="ClaimWaits"/>), too.</summary>
    public const string ReportClaimWaitsKey = RuleIds.BusyWait + ".report_claim_waits";

    internal static readonly DiagnosticDescriptor Rule = RuleDescriptor.Create(
        RuleIds.BusyWait,
        title: "Busy-wait",
        messageFormat: "Busy-wait: {0} instead of waiting for a signal",
        category: RuleCategories.HotLoop,
        description: "A loop that only polls a condition (or SpinWait.SpinUntil) burns a core and holds its thread until the condition turns true. "
            + "Wait on a signal instead: SemaphoreSlim.WaitAsync, a TaskCompletionSource, or ManualResetEventSlim outside async code.");

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => ImmutableArray.Create(Rule);

    public override void Initialize(AnalysisContext context)
    {
        context.EnableConcurrentExecution();
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.RegisterCompilationStartAction(start =>
        {
            var types = WellKnownTypes.Create(start.Compilation);
            if (Detector.Create(start.Compilation, types) is not { } detector)
            {
                return;
            }

            start.RegisterSyntaxNodeAction(
                c => AnalyzeLoop(c, detector),
                SyntaxKind.WhileStatement,
                SyntaxKind.DoStatement,
                SyntaxKind.ForStatement);
            if (types.SpinWait is { } spinWait)
            {
                start.RegisterOperationAction(c => AnalyzeSpinUntil(c, spinWait), OperationKind.Invocation);
            }
        });
    }

    private static void AnalyzeSpinUntil(OperationAnalysisContext context, INamedTypeSymbol spinWait)
    {
        var invocation = (IInvocationOperation)context.Operation;
        if (invocation.TargetMethod.Name != "SpinUntil" || !SymbolEqualityComparer.Default.Equals(invocation.TargetMethod.ContainingType, spinWait))
        {
            return;
        }

        var location = invocation.Syntax is InvocationExpressionSyntax syntax ? syntax.Expression.GetLocation() : invocation.Syntax.GetLocation();
        context.ReportDiagnostic(Diagnostic.Create(Rule, location, "'SpinWait.SpinUntil' polls its condition"));
    }

    private static void AnalyzeLoop(SyntaxNodeAnalysisContext context, Detector detector)
    {
        var loop = (StatementSyntax)context.Node;
        if (detector.Describe(loop, context.SemanticModel, context.CancellationToken) is { } polled
            && (!ClaimWaits.IsSpinForClaim(loop) || TailGuardOptions.GetBool(context.Options, loop.SyntaxTree, ReportClaimWaitsKey, defaultValue: false)))
        {
            context.ReportDiagnostic(Diagnostic.Create(Rule, LoopSyntax.Keyword(loop).GetLocation(), polled));
        }
    }

    /// <summary>Recognises busy-wait loops; TG2001 also uses it so that a busy-wait in async code is reported once, by TG2002.</summary>
    internal sealed class Detector
    {
        private readonly WellKnownTypes _types;
        private readonly Clocks _clocks;

        private Detector(WellKnownTypes types, Clocks clocks)
        {
            _types = types;
            _clocks = clocks;
        }

        public static Detector? Create(Compilation compilation, WellKnownTypes types)
            => types.Thread is null ? null : new Detector(types, new Clocks(compilation));

        /// <summary>What the loop polls (for the message), or null when it is not a busy-wait.</summary>
        public string? Describe(StatementSyntax loop, SemanticModel model, System.Threading.CancellationToken cancellationToken)
        {
            if (loop is not (WhileStatementSyntax or DoStatementSyntax or ForStatementSyntax)
                || loop is ForStatementSyntax { Incrementors.Count: > 0 } || LoopSyntax.Body(loop) is not { } body)
            {
                return null; // a counting loop makes progress by itself
            }

            var scan = new PollScan(model, _types, _clocks, cancellationToken);
            if (!scan.IsPollOnly(body))
            {
                return null;
            }

            if (scan.GuardCalls && !scan.HasWaitHint)
            {
                return null;
            }

            var condition = LoopSyntax.Condition(loop);
            var constant = condition is null ? true : model.GetConstantValue(condition, cancellationToken) is { HasValue: true, Value: bool b } ? b : (bool?)null;
            string polled;
            if (constant == true)
            {
                polled = scan.FirstGuard is { } guard ? "this loop polls '" + Shorten(guard) + "'" : "this loop spins forever";
            }
            else if (constant == false)
            {
                return null; // while (false)
            }
            else
            {
                var kind = scan.ClassifyCondition(condition!);
                if (kind == ConditionKind.SideEffects || (kind == ConditionKind.Calls && !scan.HasWaitHint))
                {
                    return null; // while (reader.Read()) ; drains, it does not wait
                }

                polled = "this loop polls '" + Shorten(condition!.ToString()) + "'";
            }

            return scan.UsesSpinWaitStruct && scan.ReadsDeadline ? null : polled;
        }
    }

    private static string Shorten(string text)
    {
        text = string.Join(" ", text.Split(new[] { ' ', '\r', '\n', '\t' }, System.StringSplitOptions.RemoveEmptyEntries));
        return text.Length <= 60 ? text : text.Substring(0, 57) + "...";
    }

    private enum ConditionKind
    {
        /// <summary>Reads only: fields, properties, locals, <c>Volatile.Read</c>, clocks.</summary>
        Pure,

        /// <summary>An <c>Interlocked</c> read-modify-write: a spin lock's acquire.</summary>
        Interlocked,

        /// <summary>Calls other methods (<c>TryTake()</c>): a poll only when the body spins explicitly.</summary>
        Calls,

        /// <summary>Assignments or increments: the loop makes progress.</summary>
        SideEffects,
    }

    /// <summary>Clock and deadline sources: reading one in a spin loop bounds it in time.</summary>
    private sealed class Clocks
    {
        private readonly ImmutableArray<INamedTypeSymbol> _types;

        public Clocks(Compilation compilation)
        {
            _types = new[] { "System.Diagnostics.Stopwatch", "System.DateTime", "System.DateTimeOffset", "System.Environment", "System.TimeProvider" }
                .Select(compilation.GetTypeByMetadataName)
                .Where(t => t is not null)
                .Select(t => t!)
                .ToImmutableArray();
        }

        public bool IsClock(ISymbol? symbol)
        {
            if (symbol is null || symbol.ContainingType is not { } type || !_types.Any(t => SymbolEqualityComparer.Default.Equals(t, type.OriginalDefinition)))
            {
                return false;
            }

            return symbol.Name is "Elapsed" or "ElapsedMilliseconds" or "ElapsedTicks" or "GetTimestamp" or "GetElapsedTime"
                or "Now" or "UtcNow" or "GetUtcNow" or "TickCount" or "TickCount64";
        }
    }

    private sealed class PollScan
    {
        private readonly SemanticModel _model;
        private readonly WellKnownTypes _types;
        private readonly Clocks _clocks;
        private readonly System.Threading.CancellationToken _cancellationToken;

        public PollScan(SemanticModel model, WellKnownTypes types, Clocks clocks, System.Threading.CancellationToken cancellationToken)
        {
            _model = model;
            _types = types;
            _clocks = clocks;
            _cancellationToken = cancellationToken;
        }

        public bool HasWaitHint { get; private set; }

        public bool UsesSpinWaitStruct { get; private set; }

        public bool ReadsDeadline { get; private set; }

        public string? FirstGuard { get; private set; }

        /// <summary>An exit's condition calls a method (<c>if (queue.TryDequeue(out x)) return x;</c>): a poll only with a wait hint.</summary>
        public bool GuardCalls { get; private set; }

        public bool IsPollOnly(StatementSyntax statement)
        {
            switch (statement)
            {
                case EmptyStatementSyntax:
                    return true;
                case BlockSyntax block:
                    return block.Statements.All(IsPollOnly);
                case ExpressionStatementSyntax { Expression: InvocationExpressionSyntax invocation }:
                    return IsPollStatement(invocation);
                case ExpressionStatementSyntax { Expression: AwaitExpressionSyntax { Expression: InvocationExpressionSyntax awaited } }:
                    return IsAsyncSpin(awaited);
                case IfStatementSyntax ifStatement:
                    if (!IsExit(ifStatement.Statement) || (ifStatement.Else is not null && !IsExit(ifStatement.Else.Statement)))
                    {
                        return false;
                    }

                    var kind = ClassifyCondition(ifStatement.Condition);
                    if (kind == ConditionKind.SideEffects)
                    {
                        return false;
                    }

                    GuardCalls |= kind == ConditionKind.Calls;

                    FirstGuard ??= ifStatement.Condition.ToString();
                    return true;
                default:
                    return false;
            }
        }

        private bool IsExit(StatementSyntax statement) => statement switch
        {
            BlockSyntax { Statements.Count: 1 } block => IsExit(block.Statements[0]),
            BreakStatementSyntax or ContinueStatementSyntax => true,
            ReturnStatementSyntax returnStatement => returnStatement.Expression is null || ClassifyCondition(returnStatement.Expression) == ConditionKind.Pure,
            ThrowStatementSyntax => true,
            _ => false,
        };

        private bool IsPollStatement(InvocationExpressionSyntax invocation)
        {
            if (_model.GetSymbolInfo(invocation, _cancellationToken).Symbol is not IMethodSymbol method)
            {
                return false;
            }

            var type = method.ContainingType;
            if (WellKnownTypes.Is(type, _types.Thread))
            {
                var isHint = method.Name is "SpinWait" or "Yield" or "MemoryBarrier"
                    || (method.Name == "Sleep" && invocation.ArgumentList.Arguments.Count == 1
                        && _model.GetConstantValue(invocation.ArgumentList.Arguments[0].Expression, _cancellationToken) is { HasValue: true, Value: 0 });
                HasWaitHint |= isHint;
                return isHint;
            }

            if (WellKnownTypes.Is(type, _types.SpinWait) && method.Name == "SpinOnce")
            {
                HasWaitHint = true;
                UsesSpinWaitStruct = true;
                return true;
            }

            if (WellKnownTypes.Is(type, _types.Interlocked) && method.Name == "MemoryBarrier")
            {
                return true;
            }

            if (WellKnownTypes.Is(type, _types.CancellationToken) && method.Name == "ThrowIfCancellationRequested")
            {
                return true;
            }

            return IsPlainRead(invocation, method);
        }

        /// <summary>
        /// <c>await Task.Yield()</c> and <c>await Task.Delay(0)</c>: the async spin. The continuation is queued again at once, so
        /// the loop keeps a pool thread busy re-checking the condition.
        /// </summary>
        private bool IsAsyncSpin(InvocationExpressionSyntax invocation)
        {
            if (_model.GetSymbolInfo(invocation, _cancellationToken).Symbol is not IMethodSymbol method || !WellKnownTypes.Is(method.ContainingType, _types.Task))
            {
                return false;
            }

            var isSpin = method.Name == "Yield"
                || (method.Name == "Delay" && invocation.ArgumentList.Arguments.Count == 1
                    && _model.GetConstantValue(invocation.ArgumentList.Arguments[0].Expression, _cancellationToken) is { HasValue: true, Value: 0 });
            HasWaitHint |= isSpin;
            return isSpin;
        }

        /// <summary><c>Volatile.Read</c>, <c>Interlocked.Read</c>, <c>Interlocked.CompareExchange(ref x, v, v)</c> (writes v over v: a read).</summary>
        private bool IsPlainRead(InvocationExpressionSyntax invocation, IMethodSymbol method)
        {
            if (LoopWrites.IsPlainRead(method))
            {
                return true;
            }

            if (WellKnownTypes.Is(method.ContainingType, _types.Interlocked) && method.Name == "CompareExchange"
                && invocation.ArgumentList.Arguments.Count == 3)
            {
                var value = invocation.ArgumentList.Arguments[1].Expression;
                var comparand = invocation.ArgumentList.Arguments[2].Expression;
                return value.IsEquivalentTo(comparand, topLevel: false);
            }

            return false;
        }

        public ConditionKind ClassifyCondition(ExpressionSyntax condition)
        {
            var kind = ConditionKind.Pure;
            foreach (var node in LoopSyntax.DescendantsInSameFunction(condition).Prepend(condition))
            {
                switch (node)
                {
                    case AssignmentExpressionSyntax:
                    case PrefixUnaryExpressionSyntax { RawKind: (int)SyntaxKind.PreIncrementExpression or (int)SyntaxKind.PreDecrementExpression }:
                    case PostfixUnaryExpressionSyntax { RawKind: (int)SyntaxKind.PostIncrementExpression or (int)SyntaxKind.PostDecrementExpression }:
                    case AwaitExpressionSyntax:
                    case ObjectCreationExpressionSyntax:
                        return ConditionKind.SideEffects;
                    case InvocationExpressionSyntax invocation:
                        var method = _model.GetSymbolInfo(invocation, _cancellationToken).Symbol as IMethodSymbol;
                        if (method is null)
                        {
                            return ConditionKind.SideEffects; // half-typed: do not guess
                        }

                        if (IsPlainRead(invocation, method))
                        {
                            break;
                        }

                        if (_clocks.IsClock(method))
                        {
                            ReadsDeadline = true;
                            break;
                        }

                        if (WellKnownTypes.Is(method.ContainingType, _types.Interlocked))
                        {
                            if (method.Name is not ("CompareExchange" or "Exchange"))
                            {
                                return ConditionKind.SideEffects; // Interlocked.Increment counts: progress
                            }


                            kind = kind == ConditionKind.Calls ? kind : ConditionKind.Interlocked;
                            break;
                        }

                        kind = ConditionKind.Calls;
                        break;
                    case IdentifierNameSyntax identifier:
                        var symbol = _model.GetSymbolInfo(identifier, _cancellationToken).Symbol;
                        if (_clocks.IsClock(symbol)
                            || (symbol is IPropertySymbol { Name: "Count" or "NextSpinWillYield" } && WellKnownTypes.Is(symbol.ContainingType, _types.SpinWait)))
                        {
                            ReadsDeadline = true;
                        }

                        break;
                }
            }

            return kind;
        }
    }
}
