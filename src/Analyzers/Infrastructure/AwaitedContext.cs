using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace TailGuard.Analyzers;

/// <summary>
/// Async context in all but the keyword: the innermost enclosing function is async, or it is a method or local function that
/// returns <c>Task</c>/<c>ValueTask</c> (generic or not) without the <c>async</c> keyword. Its callers await it, so a blocking call
/// in its body holds the awaiting caller's pool thread exactly as it would in an async method (a <c>ValueTask</c> fast path that
/// calls <c>SemaphoreSlim.Wait(ct)</c>, a <c>Task</c>-returning wrapper that reads a file and returns <c>Task.FromResult</c>).
/// </summary>
/// <remarks>
/// Used by TG1002 and TG1003 only. A lambda converted to <c>Func&lt;Task&gt;</c> without <c>async</c> is left out (its body usually
/// only starts work, and who awaits it is unknown); so are the other rules that ask <see cref="AsyncContext"/>: a loop, an allocation
/// or a parallel loop in a task-returning method costs what it costs in a synchronous one.
/// </remarks>
public static class AwaitedContext
{
    public static bool IsInAwaitedContext(SyntaxNode node, SemanticModel? model, WellKnownTypes types, System.Threading.CancellationToken cancellationToken)
    {
        var function = AsyncContext.EnclosingFunction(node);
        if (AsyncContext.IsAsyncFunction(function))
        {
            return true;
        }

        return model is not null && IsTaskReturningWithoutAsync(function, model, types, cancellationToken);
    }

    /// <summary>True for a non-async method or local function whose declared return type is task-like.</summary>
    public static bool IsTaskReturningWithoutAsync(SyntaxNode? function, SemanticModel model, WellKnownTypes types, System.Threading.CancellationToken cancellationToken)
    {
        var returnType = function switch
        {
            MethodDeclarationSyntax method => method.ReturnType,
            LocalFunctionStatementSyntax local => local.ReturnType,
            _ => null,
        };

        // The name first (cheap, no binding): only Task, ValueTask and their generic forms, however qualified.
        if (returnType is null || !IsTaskName(returnType))
        {
            return false;
        }

        return types.IsTaskLike(model.GetTypeInfo(returnType, cancellationToken).Type);
    }

    private static bool IsTaskName(TypeSyntax type)
    {
        var simple = type switch
        {
            QualifiedNameSyntax qualified => qualified.Right,
            AliasQualifiedNameSyntax alias => alias.Name,
            SimpleNameSyntax name => name,
            _ => null,
        };

        return simple?.Identifier.ValueText is "Task" or "ValueTask";
    }
}
