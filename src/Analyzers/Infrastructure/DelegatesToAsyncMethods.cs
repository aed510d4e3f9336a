using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace TailGuard.Analyzers;

/// <summary>
/// A synchronous delegate handed to an async method of the same compilation: a retry predicate <c>bool CanRetry(Exception e)</c>
/// passed to <c>ExecuteWithRetryAsync(..., CanRetry)</c>, a lambda <c>shouldRetry: e =&gt; { Thread.Sleep(50); return true; }</c>.
/// The async method invokes it between its awaits, on the pool thread that serves the request, so its body runs in async context
/// although it has no <c>async</c> of its own. Only callees declared in this compilation count (their source shows they are async
/// or return a task); a framework method that takes a callback (<c>Timer</c>, <c>ContinueWith</c>, <c>Parallel.For</c>) decides
/// itself where the callback runs and is another rule's business.
/// </summary>
public static class DelegatesToAsyncMethods
{
    /// <summary>
    /// True when <paramref name="operation"/> (a method reference or an anonymous function) is, through its delegate creation and
    /// conversions, an argument of a call to a method declared in this compilation that is async or returns a task.
    /// </summary>
    public static bool IsArgumentOfSourceAsyncMethod(IOperation operation, WellKnownTypes types)
    {
        var current = operation.Parent;
        while (current is IDelegateCreationOperation or IConversionOperation)
        {
            current = current.Parent;
        }

        if (current is not IArgumentOperation { Parent: IInvocationOperation invocation })
        {
            return false;
        }

        var target = invocation.TargetMethod;
        return !target.DeclaringSyntaxReferences.IsEmpty && (target.IsAsync || types.IsTaskLike(target.ReturnType));
    }

    /// <summary>
    /// The same question asked from syntax, for a <c>Thread.Sleep</c> whose innermost function is a lambda: is that lambda an
    /// argument of such a call? Binds only the one invocation around the lambda.
    /// </summary>
    public static bool IsLambdaArgumentOfSourceAsyncMethod(SyntaxNode? function, SemanticModel model, WellKnownTypes types, System.Threading.CancellationToken cancellationToken)
    {
        if (function is not AnonymousFunctionExpressionSyntax lambda || lambda.AsyncKeyword.ValueText == "async"
            || lambda.Parent is not ArgumentSyntax { Parent: ArgumentListSyntax { Parent: InvocationExpressionSyntax invocation } })
        {
            return false;
        }

        return model.GetSymbolInfo(invocation, cancellationToken).Symbol is IMethodSymbol target
            && !target.DeclaringSyntaxReferences.IsEmpty
            && (target.IsAsync || types.IsTaskLike(target.ReturnType));
    }
}
