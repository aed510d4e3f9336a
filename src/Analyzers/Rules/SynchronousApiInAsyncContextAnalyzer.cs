using System;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace TailGuard.Analyzers;

/// <summary>
/// TG1003: in async context, a synchronous call whose receiver type offers an async twin with compatible parameters
/// (<c>Stream.Read</c> → <c>ReadAsync</c>, <c>File.ReadAllText</c> → <c>ReadAllTextAsync</c>, <c>SemaphoreSlim.Wait</c> →
/// <c>WaitAsync</c>), or a blocking wait primitive that has none (<c>ManualResetEventSlim.Wait</c>, <c>WaitHandle.WaitOne</c>,
/// <c>Monitor.Wait</c>, <c>CountdownEvent.Wait</c>, <c>Barrier.SignalAndWait</c>, <c>Thread.Join</c>).
/// </summary>
/// <remarks>
/// The async method holds its thread-pool thread for the whole I/O or wait. A handful of concurrent requests doing this
/// takes every pool thread, the pool injects new ones slowly, and the requests queued behind them see the delay as latency.
/// </remarks>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class SynchronousApiInAsyncContextAnalyzer : DiagnosticAnalyzer
{
    public const string ExcludedMethodsOption = RuleIds.SynchronousApiInAsyncContext + ".excluded_methods";

    /// <summary>Diagnostic property naming the async twin; the fixer checks by binding that the call's arguments fit it.</summary>
    public const string TwinProperty = "Twin";

    internal static readonly DiagnosticDescriptor Rule = RuleDescriptor.Create(
        RuleIds.SynchronousApiInAsyncContext,
        title: "Synchronous API with an async twin, or a blocking wait primitive, in async context",
        messageFormat: "'{0}' blocks a thread-pool thread in async code; {1}",
        category: RuleCategories.Blocking,
        description: "A synchronous I/O call or blocking wait inside an async method, lambda or local function holds the thread-pool thread "
            + "that runs it until the I/O or wait completes. Under concurrency the pool starves and queued requests wait. "
            + "Await the async twin (passing the CancellationToken in scope), or replace the wait primitive with an awaitable one.");

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => ImmutableArray.Create(Rule);

    public override void Initialize(AnalysisContext context)
    {
        context.EnableConcurrentExecution();
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.RegisterCompilationStartAction(start =>
        {
            var types = WellKnownTypes.Create(start.Compilation);
            if (types.Task is null || types.CancellationToken is null)
            {
                return;
            }

            var disposals = new SyncOverAsyncDispose();
            start.RegisterOperationAction(operationContext => AnalyzeInvocation(operationContext, types, disposals), OperationKind.Invocation);
            if (start.Compilation.GetSpecialType(SpecialType.System_IDisposable).GetMembers("Dispose").FirstOrDefault() is IMethodSymbol dispose)
            {
                start.RegisterOperationAction(
                    operationContext => ImplicitDisposal.Analyze(operationContext, types, disposals, dispose, Rule),
                    OperationKind.Using, OperationKind.UsingDeclaration);
            }
        });
    }

    private static void AnalyzeInvocation(OperationAnalysisContext context, WellKnownTypes types, SyncOverAsyncDispose disposals)
    {
        var invocation = (IInvocationOperation)context.Operation;
        var syntax = invocation.Syntax;

        // Cheapest tests first: the name, then the syntactic context, then the twin lookup.
        var method = invocation.TargetMethod;
        if (method.Name.EndsWith("Async", StringComparison.Ordinal)
            || !AwaitedContext.IsInAwaitedContext(syntax, invocation.SemanticModel, types, context.CancellationToken))
        {
            return;
        }

        var kind = SynchronousApis.Classify(invocation, types);
        if (invocation.SemanticModel is not { } model)
        {
            return;
        }

        IMethodSymbol? twin = null;
        if (kind == BlockingCallKind.None)
        {
            // Dispose is skipped by Classify; a Dispose that is itself sync-over-async over a DisposeAsync is not.
            twin = disposals.AsyncTwinOfBlockingDispose(method, invocation.Instance?.Type, context.CancellationToken);
            if (twin is null || !model.IsAccessible(syntax.SpanStart, twin) || IsSelfRecursion(invocation, twin, model, context.CancellationToken))
            {
                return;
            }
        }
        else if (kind == BlockingCallKind.SynchronousApiWithAsyncTwin)
        {
            twin = SynchronousApis.FindAsyncTwin(method, invocation.Instance?.Type, types);
            if (twin is null || !model.IsAccessible(syntax.SpanStart, twin) || IsSelfRecursion(invocation, twin, model, context.CancellationToken))
            {
                return;
            }
        }

        var tree = syntax.SyntaxTree;
        if (TestCode.ShouldSkip(context.ContainingSymbol, context.Options, tree)
            || IsExcluded(method, TailGuardOptions.GetList(context.Options, tree, ExcludedMethodsOption))
            || IsLastTopLevelStatement(syntax)
            || FinishedOrInMemoryEnds.IsNonBlocking(invocation)
            || AsyncContext.RunsBeforeFirstAwaitOfEntryPoint(syntax, model, context.CancellationToken)
            || DualSyncAsyncPath.IsOnSynchronousBranch(syntax, model, context.CancellationToken))
        {
            return;
        }

        var receiverName = (invocation.Instance?.Type as INamedTypeSymbol ?? method.ContainingType)?.Name;
        var callName = receiverName is null ? method.Name : receiverName + "." + method.Name;
        var properties = twin is not null
            ? ImmutableDictionary<string, string?>.Empty.Add(TwinProperty, twin.Name)
            : ImmutableDictionary<string, string?>.Empty;
        var advice = twin is not null ? "await '" + twin.Name + "' instead" : PrimitiveAdvice(method, types);
        context.ReportDiagnostic(Diagnostic.Create(Rule, syntax.GetLocation(), properties, callName, advice));
    }

    private static string PrimitiveAdvice(IMethodSymbol method, WellKnownTypes types)
    {
        var type = method.ContainingType;
        if (WellKnownTypes.Is(type, types.ManualResetEventSlim))
        {
            return "await the Task of a TaskCompletionSource that the signaller completes instead";
        }

        if (WellKnownTypes.Is(type, types.CountdownEvent) || WellKnownTypes.Is(type, types.Barrier))
        {
            return "await Task.WhenAll over the participants' tasks instead";
        }

        if (WellKnownTypes.Is(type, types.Monitor))
        {
            return "signal with SemaphoreSlim.WaitAsync or a TaskCompletionSource instead";
        }

        if (WellKnownTypes.Is(type, types.Thread))
        {
            return "run the work as a Task (or have the thread complete a TaskCompletionSource) and await it instead";
        }

        return "await a TaskCompletionSource or SemaphoreSlim.WaitAsync instead";
    }

    /// <summary>
    /// <c>Run()</c> inside <c>RunAsync</c>: the twin is the enclosing method itself (or a local function of that name), or the enclosing
    /// method overrides or implements the twin and the call goes to the same instance. Suggesting the twin there would recurse.
    /// </summary>
    private static bool IsSelfRecursion(IInvocationOperation invocation, IMethodSymbol twin, SemanticModel model, System.Threading.CancellationToken cancellationToken)
    {
        // `base.Flush()` inside an override of FlushAsync may call base.FlushAsync: that is not recursion.
        var sameInstance = invocation.Instance is null
            || (invocation.Instance is IInstanceReferenceOperation && invocation.Instance.Syntax is not BaseExpressionSyntax);
        for (var node = invocation.Syntax.Parent; node is not null; node = node.Parent)
        {
            if (node is not (LocalFunctionStatementSyntax or BaseMethodDeclarationSyntax or AccessorDeclarationSyntax))
            {
                continue;
            }

            if (model.GetDeclaredSymbol(node, cancellationToken) is not IMethodSymbol enclosing)
            {
                continue;
            }

            if (SymbolEqualityComparer.Default.Equals(enclosing.OriginalDefinition, twin))
            {
                return true;
            }

            if (sameInstance && (Overrides(enclosing, twin) || Implements(enclosing, twin)))
            {
                return true;
            }
        }

        return false;
    }

    private static bool Overrides(IMethodSymbol method, IMethodSymbol twin)
    {
        for (var overridden = method.OverriddenMethod; overridden is not null; overridden = overridden.OverriddenMethod)
        {
            if (SymbolEqualityComparer.Default.Equals(overridden.OriginalDefinition, twin))
            {
                return true;
            }
        }

        return false;
    }

    private static bool Implements(IMethodSymbol method, IMethodSymbol twin)
    {
        if (twin.ContainingType?.TypeKind != TypeKind.Interface || method.ContainingType is null)
        {
            return false;
        }

        foreach (var explicitImplementation in method.ExplicitInterfaceImplementations)
        {
            if (SymbolEqualityComparer.Default.Equals(explicitImplementation.OriginalDefinition, twin))
            {
                return true;
            }
        }

        var implementation = method.ContainingType.FindImplementationForInterfaceMember(twin);
        return SymbolEqualityComparer.Default.Equals(implementation?.OriginalDefinition, method.OriginalDefinition);
    }

    /// <summary>
    /// <c>TG1003.excluded_methods</c>: comma- or semicolon-separated <c>Namespace.Type.Method</c> entries (no generic arguments,
    /// nested types joined with '.'), or <c>Namespace.Type.*</c> for every method of a type. An entry also covers overrides.
    /// </summary>
    private static bool IsExcluded(IMethodSymbol method, ImmutableArray<string> excluded)
    {
        if (excluded.IsEmpty)
        {
            return false;
        }

        for (var current = method; current is not null; current = current.OverriddenMethod)
        {
            var name = SynchronousApis.QualifiedName(current);
            var typeName = name.Substring(0, Math.Max(0, name.LastIndexOf('.')));
            foreach (var entry in excluded)
            {
                if (string.Equals(entry, name, StringComparison.Ordinal)
                    || (entry.EndsWith(".*", StringComparison.Ordinal) && string.Equals(entry.Substring(0, entry.Length - 2), typeName, StringComparison.Ordinal)))
                {
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>The last statement of top-level statements (<c>app.Run();</c>) starts the host: it is the entry point, not a request path.</summary>
    private static bool IsLastTopLevelStatement(SyntaxNode invocation)
    {
        if (invocation.Parent is not ExpressionStatementSyntax { Parent: GlobalStatementSyntax global }
            || global.Parent is not CompilationUnitSyntax unit)
        {
            return false;
        }

        for (var i = unit.Members.Count - 1; i >= 0; i--)
        {
            if (unit.Members[i] is GlobalStatementSyntax { Statement: not LocalFunctionStatementSyntax } last)
            {
                return last == global;
            }
        }

        return false;
    }
}
