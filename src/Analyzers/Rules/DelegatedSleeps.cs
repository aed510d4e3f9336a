using System.Collections.Concurrent;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace TailGuard.Analyzers;

/// <summary>
/// TG1002's fact across methods, per type: <c>Thread.Sleep</c> in a private synchronous method (or local function) of the type that
/// the type hands as a delegate (a method group, or a lambda that calls it) to an async method declared in this compilation: the
/// retry predicate <c>bool CanRetry(Exception e, int attempt)</c> whose backoff sleeps, passed to an async SQL helper. Each sleep and
/// each hand-over is collected by the type's own operation actions, and the sleeps of handed methods are reported at the type's end.
/// </summary>
internal sealed class DelegatedSleeps
{
    private readonly ConcurrentDictionary<IMethodSymbol, bool> handed = new(SymbolEqualityComparer.Default);
    private readonly ConcurrentBag<(IMethodSymbol Method, Location Location)> sleeps = new();

    public static void Register(SymbolStartAnalysisContext context, INamedTypeSymbol thread, WellKnownTypes types)
    {
        var type = (INamedTypeSymbol)context.Symbol;
        if (type.TypeKind is not (TypeKind.Class or TypeKind.Struct))
        {
            return;
        }

        var state = new DelegatedSleeps();
        context.RegisterOperationAction(c => state.CollectSleep(c, type, thread, types), OperationKind.Invocation);
        context.RegisterOperationAction(c => state.CollectHandOver(c, type, types), OperationKind.MethodReference, OperationKind.AnonymousFunction);
        context.RegisterSymbolEndAction(state.Report);
    }

    private void CollectSleep(OperationAnalysisContext context, INamedTypeSymbol type, INamedTypeSymbol thread, WellKnownTypes types)
    {
        var invocation = (IInvocationOperation)context.Operation;
        if (!ThreadSleepInAsyncContextAnalyzer.IsThreadSleep(invocation, thread) || invocation.SemanticModel is not { } model)
        {
            return;
        }

        // Async context is reported where it is seen; only a synchronous method or local function body is a candidate here.
        var function = AsyncContext.EnclosingFunction(invocation.Syntax);
        var method = function switch
        {
            MethodDeclarationSyntax declaration when !AsyncContext.IsAsyncFunction(declaration) => model.GetDeclaredSymbol(declaration, context.CancellationToken) as IMethodSymbol,
            LocalFunctionStatementSyntax local when !AsyncContext.IsAsyncFunction(local) => model.GetDeclaredSymbol(local, context.CancellationToken) as IMethodSymbol,
            _ => null,
        };
        if (method is null || !IsCandidate(method, type) || AwaitedContext.IsTaskReturningWithoutAsync(function, model, types, context.CancellationToken)
            || ThreadSleepInAsyncContextAnalyzer.IsExempt(invocation, context.ContainingSymbol, context.Options, context.CancellationToken))
        {
            return;
        }

        sleeps.Add((method, invocation.Syntax.GetLocation()));
    }

    private void CollectHandOver(OperationAnalysisContext context, INamedTypeSymbol type, WellKnownTypes types)
    {
        if (!DelegatesToAsyncMethods.IsArgumentOfSourceAsyncMethod(context.Operation, types))
        {
            return;
        }

        if (context.Operation is IMethodReferenceOperation reference)
        {
            Hand(reference.Method, type);
            return;
        }

        // A lambda handed over that calls the method: `e => CanRetry(e, attempt)`. One hop, the lambda's own body only.
        foreach (var descendant in context.Operation.Descendants())
        {
            if (descendant is IInvocationOperation call)
            {
                Hand(call.TargetMethod, type);
            }
        }
    }

    private void Hand(IMethodSymbol method, INamedTypeSymbol type)
    {
        if (IsCandidate(method, type))
        {
            handed.TryAdd(method.OriginalDefinition, true);
        }
    }

    private void Report(SymbolAnalysisContext context)
    {
        foreach (var (method, location) in sleeps)
        {
            if (handed.ContainsKey(method.OriginalDefinition))
            {
                context.ReportDiagnostic(Diagnostic.Create(ThreadSleepInAsyncContextAnalyzer.Rule, location));
            }
        }
    }

    /// <summary>A private (or local) synchronous method of exactly this type: every use of it is in the type's own code.</summary>
    private static bool IsCandidate(IMethodSymbol method, INamedTypeSymbol type)
        => !method.IsAsync
            && (method.MethodKind == MethodKind.LocalFunction || (method.MethodKind == MethodKind.Ordinary && method.DeclaredAccessibility == Accessibility.Private))
            && SymbolEqualityComparer.Default.Equals(ContainingType(method), type);

    private static INamedTypeSymbol? ContainingType(IMethodSymbol method)
    {
        ISymbol? current = method;
        while (current is IMethodSymbol)
        {
            current = current.ContainingSymbol;
        }

        return current as INamedTypeSymbol;
    }
}
