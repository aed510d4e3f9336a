using System.Collections.Generic;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace TailGuard.Analyzers;

/// <summary>
/// TG1006: a blocking call (the TG1001–TG1003 shapes, in any context) while a lock is held: inside a <c>lock</c> statement,
/// between <c>Monitor.Enter</c>/<c>TryEnter</c> and <c>Monitor.Exit</c>, or inside a <c>System.Threading.Lock</c> scope
/// (<c>using (l.EnterScope())</c>, <c>l.Enter()</c> ... <c>l.Exit()</c>).
/// </summary>
/// <remarks>
/// A wait under a lock multiplies: every other thread that wants the lock parks behind the waiting thread, so one slow
/// I/O call or task turns into a queue of blocked pool threads, and the pool injects threads slowly (about one per
/// second once past its minimum). The request that happens to hold the lock sets the latency of everyone behind it.
/// Lambdas and local functions written inside the lock body are not analyzed as part of it: they run later, when the
/// lock may no longer be held.
/// </remarks>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class BlockingWhileHoldingLockAnalyzer : DiagnosticAnalyzer
{
    internal static readonly DiagnosticDescriptor Rule = RuleDescriptor.Create(
        RuleIds.BlockingWhileHoldingLock,
        title: "Blocking while holding a lock",
        messageFormat: "'{0}' blocks while holding the lock on '{1}': every thread that needs the lock queues behind this wait",
        category: RuleCategories.Blocking,
        description: "A blocking call (a wait on a task, Thread.Sleep, a synchronous API with an async twin, or a wait primitive) inside a "
            + "lock statement, a Monitor.Enter/Exit region or a System.Threading.Lock scope holds the lock for the whole wait, so every "
            + "other thread that needs the lock blocks too. Move the blocking call out of the lock, or use SemaphoreSlim.WaitAsync as an "
            + "async lock and await the call.");

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => ImmutableArray.Create(Rule);

    public override void Initialize(AnalysisContext context)
    {
        context.EnableConcurrentExecution();
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.RegisterCompilationStartAction(start =>
        {
            var types = WellKnownTypes.Create(start.Compilation);
            if (types.Task is null)
            {
                return;
            }

            start.RegisterOperationAction(operationContext => AnalyzeLockSite(operationContext, types), OperationKind.Lock, OperationKind.Invocation);
        });
    }

    /// <summary>
    /// Triggered by the code that takes a lock, so bodies without one cost a name comparison per call. The first lock site of a
    /// function body walks that body once; later sites in the same body return at once, so each call is reported once.
    /// </summary>
    private static void AnalyzeLockSite(OperationAnalysisContext context, WellKnownTypes types)
    {
        var site = context.Operation;
        if (site is IInvocationOperation invocation && !TakesLock(invocation, types))
        {
            return;
        }

        var root = FunctionRoot(site);
        var first = FirstLockSite(root, types);
        if (first is null || first.Syntax != site.Syntax || first.Kind != site.Kind
            || TestCode.ShouldSkip(context.ContainingSymbol, context.Options, site.Syntax.SyntaxTree))
        {
            return;
        }

        new LockRegionWalker(context.ReportDiagnostic, types, context.CancellationToken).Visit(root);
    }

    /// <summary>The body of the innermost function (method, accessor, lambda, local function) or initializer around the operation.</summary>
    private static IOperation FunctionRoot(IOperation operation)
    {
        var current = operation;
        while (current.Parent is { } parent && parent is not (IAnonymousFunctionOperation or ILocalFunctionOperation))
        {
            current = parent;
        }

        return current;
    }

    private static IOperation? FirstLockSite(IOperation root, WellKnownTypes types)
    {
        foreach (var operation in LongWork.InFunction(root))
        {
            if (operation is ILockOperation || (operation is IInvocationOperation invocation && TakesLock(invocation, types)))
            {
                return operation;
            }
        }

        return null;
    }

    /// <summary><c>Monitor.Enter/TryEnter</c>, or <c>Enter/TryEnter/EnterScope</c> on a <c>System.Threading.Lock</c>.</summary>
    private static bool TakesLock(IInvocationOperation invocation, WellKnownTypes types)
    {
        var method = invocation.TargetMethod;
        return method.Name switch
        {
            "Enter" or "TryEnter" => method.IsStatic
                ? WellKnownTypes.Is(method.ContainingType, types.Monitor)
                : WellKnownTypes.Is(method.ContainingType, types.Lock),
            "EnterScope" => !method.IsStatic && WellKnownTypes.Is(method.ContainingType, types.Lock),
            _ => false,
        };
    }

    /// <summary>
    /// Walks a body in source order, keeping the stack of locks held at each point. A <c>lock</c> statement or a
    /// <c>using</c> of <c>Lock.EnterScope()</c> holds its lock for its body; a <c>using var</c> of <c>EnterScope()</c>, or a
    /// <c>Monitor.Enter</c>/<c>TryEnter</c> or <c>Lock.Enter</c>/<c>TryEnter</c> call, holds it until the matching <c>Exit</c>
    /// or the end of the block that contains it.
    /// </summary>
    private sealed class LockRegionWalker : OperationWalker
    {
        private readonly System.Action<Diagnostic> report;
        private readonly WellKnownTypes types;
        private readonly System.Threading.CancellationToken cancellationToken;
        private List<HeldLock> held = new();
        private int blockDepth;

        public LockRegionWalker(System.Action<Diagnostic> report, WellKnownTypes types, System.Threading.CancellationToken cancellationToken)
        {
            this.report = report;
            this.types = types;
            this.cancellationToken = cancellationToken;
        }

        public override void VisitBlock(IBlockOperation operation)
        {
            blockDepth++;
            base.VisitBlock(operation);
            held.RemoveAll(entry => entry.BlockDepth >= blockDepth);
            blockDepth--;
        }

        public override void VisitLock(ILockOperation operation)
        {
            Visit(operation.LockedValue);
            var count = held.Count;
            held.Add(new HeldLock(LockName(operation.LockedValue), blockDepth));
            Visit(operation.Body);
            Truncate(count);
        }

        public override void VisitUsing(IUsingOperation operation)
        {
            var scopeOwner = FindEnterScopeOwner(operation.Resources);
            if (scopeOwner is null)
            {
                base.VisitUsing(operation);
                return;
            }

            Visit(operation.Resources);
            var count = held.Count;
            held.Add(new HeldLock(LockName(scopeOwner), blockDepth));
            Visit(operation.Body);
            Truncate(count);
        }

        public override void VisitUsingDeclaration(IUsingDeclarationOperation operation)
        {
            base.VisitUsingDeclaration(operation);
            var scopeOwner = FindEnterScopeOwner(operation.DeclarationGroup);
            if (scopeOwner is not null)
            {
                // Disposed at the end of the enclosing block, which VisitBlock pops.
                held.Add(new HeldLock(LockName(scopeOwner), blockDepth));
            }
        }

        /// <summary>
        /// <c>if (Monitor.TryEnter(x)) { held } else { not held }</c>, and <c>if (!l.TryEnter()) { not held; return; } held</c>.
        /// </summary>
        public override void VisitConditional(IConditionalOperation operation)
        {
            if (!IsTryEnterCondition(operation.Condition, out var tryEnter, out var lockValue, out var negated))
            {
                base.VisitConditional(operation);
                return;
            }

            base.VisitInvocation(tryEnter); // its arguments, without taking the lock
            var entry = new HeldLock(LockName(lockValue), blockDepth);
            var before = new List<HeldLock>(held);
            if (!negated)
            {
                held.Add(entry);
            }

            Visit(operation.WhenTrue);
            held = new List<HeldLock>(before);
            if (negated)
            {
                held.Add(entry);
            }

            Visit(operation.WhenFalse);

            // After `if (!TryEnter) { ...; return; }` the lock is held; after `if (TryEnter) { try ... finally Exit }` it is not.
            held = new List<HeldLock>(before);
            if (negated)
            {
                held.Add(entry);
            }
        }

        /// <summary><c>while (!Monitor.TryEnter(x, 10)) { not held }</c> spins until it holds the lock.</summary>
        public override void VisitWhileLoop(IWhileLoopOperation operation)
        {
            if (operation.Condition is null || !IsTryEnterCondition(operation.Condition, out var tryEnter, out var lockValue, out var negated) || !negated)
            {
                base.VisitWhileLoop(operation);
                return;
            }

            base.VisitInvocation(tryEnter);
            Visit(operation.Body);
            held.Add(new HeldLock(LockName(lockValue), blockDepth));
        }

        public override void VisitInvocation(IInvocationOperation operation)
        {
            base.VisitInvocation(operation);
            switch (ClassifyLockCall(operation, out var lockValue))
            {
                case LockCall.Enter:
                    held.Add(new HeldLock(LockName(lockValue!), blockDepth));
                    return;
                case LockCall.Exit:
                    Release(LockName(lockValue!));
                    return;
                default:
                    CheckBlocking(operation);
                    return;
            }
        }

        public override void VisitPropertyReference(IPropertyReferenceOperation operation)
        {
            base.VisitPropertyReference(operation);
            CheckBlocking(operation);
        }

        // nameof(t.Result) names the property; nothing runs.
        public override void VisitNameOf(INameOfOperation operation)
        {
        }

        // A lambda or local function body runs later, not while the enclosing lock is held. Its own locks are walked from
        // its own first lock site.
        public override void VisitAnonymousFunction(IAnonymousFunctionOperation operation)
        {
        }

        public override void VisitLocalFunction(ILocalFunctionOperation operation)
        {
        }

        private void CheckBlocking(IOperation operation)
        {
            if (held.Count == 0 || !LongWork.IsBlocking(operation, types))
            {
                return;
            }

            // A wait on a task that is known to be complete (after an await, behind an IsCompleted guard, ...) returns at once,
            // so it does not hold the lock any longer: the same facts TG1001 uses.
            if (BlockingCalls.Classify(operation, types) == BlockingCallKind.TaskWait
                && TaskWaits.GetWaitedTask(operation, types) is { } task
                && TaskCompletionFacts.IsKnownComplete(task, types, cancellationToken))
            {
                return;
            }

            var lockName = held[held.Count - 1].Name;
            if (operation is IInvocationOperation invocation && IsMonitorWait(invocation, out var waitedOn))
            {
                // Monitor.Wait(x) releases x while it waits (the condition-variable pattern); it still blocks any other lock held.
                var waitedName = LockName(waitedOn);
                lockName = null;
                for (var i = held.Count - 1; i >= 0; i--)
                {
                    if (held[i].Name != waitedName)
                    {
                        lockName = held[i].Name;
                        break;
                    }
                }

                if (lockName is null)
                {
                    return;
                }
            }

            report(Diagnostic.Create(Rule, operation.Syntax.GetLocation(), CallName(operation), lockName));
        }

        private void Release(string name)
        {
            for (var i = held.Count - 1; i >= 0; i--)
            {
                if (held[i].Name == name)
                {
                    held.RemoveAt(i);
                    return;
                }
            }
        }

        private void Truncate(int count)
        {
            if (held.Count > count)
            {
                held.RemoveRange(count, held.Count - count);
            }
        }

        private bool IsMonitorWait(IInvocationOperation invocation, out IOperation waitedOn)
        {
            waitedOn = null!;
            if (invocation.TargetMethod.Name != "Wait" || !WellKnownTypes.Is(invocation.TargetMethod.ContainingType, types.Monitor))
            {
                return false;
            }

            var first = FirstArgument(invocation);
            if (first is null)
            {
                return false;
            }

            waitedOn = first;
            return true;
        }

        private bool IsTryEnterCondition(IOperation condition, out IInvocationOperation tryEnter, out IOperation lockValue, out bool negated)
        {
            negated = false;
            while (true)
            {
                if (condition is IConversionOperation conversion)
                {
                    condition = conversion.Operand;
                }
                else if (condition is IUnaryOperation { OperatorKind: UnaryOperatorKind.Not } not)
                {
                    negated = !negated;
                    condition = not.Operand;
                }
                else
                {
                    break;
                }
            }

            tryEnter = null!;
            lockValue = null!;
            if (condition is not IInvocationOperation { TargetMethod: { Name: "TryEnter", ReturnType.SpecialType: SpecialType.System_Boolean } } invocation
                || ClassifyLockCall(invocation, out var value) != LockCall.Enter || value is null)
            {
                return false;
            }

            tryEnter = invocation;
            lockValue = value;
            return true;
        }

        private LockCall ClassifyLockCall(IInvocationOperation invocation, out IOperation? lockValue)
        {
            lockValue = null;
            var method = invocation.TargetMethod;
            var isEnter = method.Name is "Enter" or "TryEnter";
            var isExit = method.Name == "Exit";
            if (!isEnter && !isExit)
            {
                return LockCall.None;
            }

            if (method.IsStatic && WellKnownTypes.Is(method.ContainingType, types.Monitor))
            {
                lockValue = FirstArgument(invocation);
            }
            else if (!method.IsStatic && WellKnownTypes.Is(method.ContainingType, types.Lock))
            {
                lockValue = invocation.Instance;
            }

            if (lockValue is null)
            {
                return LockCall.None;
            }

            return isEnter ? LockCall.Enter : LockCall.Exit;
        }

        private IOperation? FindEnterScopeOwner(IOperation? resources)
        {
            if (resources is null || types.Lock is null)
            {
                return null;
            }

            foreach (var node in resources.DescendantsAndSelf())
            {
                if (node is IInvocationOperation { TargetMethod.Name: "EnterScope", Instance: { } instance } invocation
                    && WellKnownTypes.Is(invocation.TargetMethod.ContainingType, types.Lock))
                {
                    return instance;
                }
            }

            return null;
        }

        private static IOperation? FirstArgument(IInvocationOperation invocation)
        {
            foreach (var argument in invocation.Arguments)
            {
                if (argument.Parameter?.Ordinal == 0)
                {
                    return argument.Value;
                }
            }

            return null;
        }
    }

    private enum LockCall
    {
        None,
        Enter,
        Exit,
    }

    private readonly struct HeldLock
    {
        public HeldLock(string name, int blockDepth)
        {
            Name = name;
            BlockDepth = blockDepth;
        }

        public string Name { get; }

        public int BlockDepth { get; }
    }

    /// <summary>How the lock is named in the message, and matched between Enter and Exit: its source text, without <c>this.</c>.</summary>
    internal static string LockName(IOperation value)
    {
        while (value is IConversionOperation { IsImplicit: true } conversion)
        {
            value = conversion.Operand;
        }

        var text = value.Syntax.WithoutTrivia().ToString();
        return text.StartsWith("this.", System.StringComparison.Ordinal) ? text.Substring("this.".Length) : text;
    }

    /// <summary>The call's name for the message: <c>Task.Wait</c>, <c>Task.Result</c>, <c>Thread.Sleep</c>, <c>Stream.Read</c>.</summary>
    private static string CallName(IOperation operation) => operation switch
    {
        IInvocationOperation invocation => invocation.TargetMethod.ContainingType.Name + "." + invocation.TargetMethod.Name,
        IPropertyReferenceOperation property => property.Property.ContainingType.Name + "." + property.Property.Name,
        _ => operation.Syntax.ToString(),
    };
}
