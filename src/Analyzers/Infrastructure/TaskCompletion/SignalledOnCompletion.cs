using System.Collections.Generic;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace TailGuard.Analyzers;

/// <summary>
/// The hand-rolled synchronous wait of clients that must not deadlock on a captured context:
/// <code>
/// var awaiter = task.GetAwaiter();
/// if (!awaiter.IsCompleted) { using var done = new ManualResetEventSlim(); awaiter.UnsafeOnCompleted(done.Set); done.Wait(); }
/// return awaiter.GetResult();
/// </code>
/// Once <c>done.Wait()</c> returns, the task has completed: the event is set only by the awaiter's completion callback.
/// (The wait itself blocks and is TG1003's concern in async code; TG1001 reports the blocking, not the read after it.)
/// </summary>
internal static class SignalledOnCompletion
{
    /// <summary>
    /// True when <paramref name="wait"/> is <c>e.Wait()</c> on a local event that the function hands to <c>OnCompleted</c>/<c>UnsafeOnCompleted</c>
    /// of an awaiter of a task in <paramref name="keys"/> (<c>e.Set</c> as a method group or <c>() =&gt; e.Set()</c>) and sets nowhere else.
    /// </summary>
    public static bool IsSignalledByAwaiter(TaskVariables variables, IInvocationOperation wait, List<TaskKey> keys)
    {
        // A bounded wait may return before the event is set.
        if ((wait.Arguments.Length > 0 && wait.Arguments[0].Parameter?.Type.Name != "CancellationToken")
            || wait.Instance is not ILocalReferenceOperation { Local: { } signal })
        {
            return false;
        }

        var signalledByAwaiter = false;
        foreach (var node in variables.Function.DescendantNodes())
        {
            if (node is not InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax access } call)
            {
                continue;
            }

            var name = access.Name.Identifier.ValueText;
            if (name is "OnCompleted" or "UnsafeOnCompleted"
                && variables.GetOperation(call) is IInvocationOperation { Instance: { } awaiter, Arguments.Length: 1 } onCompleted
                && variables.Matches(variables.KeyOf(awaiter), keys, call.SpanStart)
                && SetsOnly(onCompleted.Arguments[0].Value, signal))
            {
                signalledByAwaiter = true;
            }
            else if (name == "Set" && access.Expression is IdentifierNameSyntax { Identifier.ValueText: var target } && target == signal.Name
                && !IsInsideCompletionCallback(call))
            {
                return false;
            }
        }

        return signalledByAwaiter;
    }

    private static bool SetsOnly(IOperation callback, ILocalSymbol signal)
    {
        while (callback is IConversionOperation or IDelegateCreationOperation)
        {
            callback = callback is IConversionOperation conversion ? conversion.Operand : ((IDelegateCreationOperation)callback).Target;
        }

        return callback switch
        {
            IMethodReferenceOperation { Method.Name: "Set", Instance: ILocalReferenceOperation { Local: var local } } => SymbolEqualityComparer.Default.Equals(local, signal),
            IAnonymousFunctionOperation { Body.Operations: { Length: >= 1 } body } => body[0] is IExpressionStatementOperation
            {
                Operation: IInvocationOperation { TargetMethod.Name: "Set", Instance: ILocalReferenceOperation { Local: var set } }
            } && SymbolEqualityComparer.Default.Equals(set, signal),
            _ => false,
        };
    }

    private static bool IsInsideCompletionCallback(SyntaxNode node)
    {
        for (var current = node.Parent; current is not null; current = current.Parent)
        {
            if (current is ArgumentSyntax { Parent.Parent: InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax { Name.Identifier.ValueText: "OnCompleted" or "UnsafeOnCompleted" } } })
            {
                return true;
            }
        }

        return false;
    }
}
