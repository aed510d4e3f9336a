using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace TailGuard.Analyzers;

/// <summary>
/// Two synchronous calls with an async twin that do not wait for anything, whatever their type says:
/// <list type="bullet">
/// <item><c>Complete()</c> of an in-memory <see cref="T:System.IO.Pipelines.Pipe"/>'s writer or reader (<c>pipe.Writer.Complete()</c>,
/// or a local taken from <c>pipe.Writer</c>): it marks the pipe finished and schedules the other side's continuation; there is no
/// stream under it to flush. <c>CompleteAsync</c> exists for <c>PipeWriter.Create(stream)</c>, whose <c>Complete</c> does flush:
/// that one is still reported.</item>
/// <item><c>ReadToEnd()</c>/<c>ReadLine()</c>/<c>Read…</c> of <c>process.StandardOutput</c> or <c>StandardError</c> after the same
/// function waited for that process to exit (<c>WaitForExit</c>, <c>await WaitForExitAsync</c>) or checked <c>HasExited</c>: the
/// child has exited and closed its end, so what remains is buffered and the read returns at once.</item>
/// </list>
/// </summary>
public static class FinishedOrInMemoryEnds
{
    public static bool IsNonBlocking(IInvocationOperation invocation)
    {
        var name = invocation.TargetMethod.Name;
        if (name == "Complete")
        {
            return IsInMemoryPipeEnd(invocation.Instance);
        }

        return name.StartsWith("Read", System.StringComparison.Ordinal) && IsExitedProcessOutput(invocation);
    }

    private static bool IsInMemoryPipeEnd(IOperation? receiver)
    {
        receiver = Unwrap(receiver);
        if (receiver is IPropertyReferenceOperation { Property.Name: "Writer" or "Reader" } property)
        {
            return IsPipe(property.Instance?.Type);
        }

        // `var writer = pipe.Writer;` in the same function, never reassigned there.
        if (receiver is ILocalReferenceOperation local && local.Local.DeclaringSyntaxReferences.Length == 1
            && local.Local.DeclaringSyntaxReferences[0].GetSyntax() is VariableDeclaratorSyntax { Initializer.Value: MemberAccessExpressionSyntax initializer } declarator
            && initializer.Name.Identifier.ValueText is "Writer" or "Reader"
            && receiver.SemanticModel is { } model && declarator.SyntaxTree == model.SyntaxTree)
        {
            return IsPipe(model.GetTypeInfo(initializer.Expression).Type) && !IsReassigned(local.Local, declarator);
        }

        return false;
    }

    private static bool IsReassigned(ILocalSymbol local, VariableDeclaratorSyntax declarator)
    {
        var scope = AsyncContext.EnclosingFunction(declarator);
        if (scope is null)
        {
            return true;
        }

        foreach (var node in scope.DescendantNodes())
        {
            if (node is AssignmentExpressionSyntax { Left: IdentifierNameSyntax left } && left.Identifier.ValueText == local.Name)
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsPipe(ITypeSymbol? type)
        => type is { Name: "Pipe", ContainingNamespace: { Name: "Pipelines", ContainingNamespace: { Name: "IO", ContainingNamespace.Name: "System" } } };

    private static bool IsExitedProcessOutput(IInvocationOperation invocation)
    {
        if (Unwrap(invocation.Instance) is not IPropertyReferenceOperation { Property.Name: "StandardOutput" or "StandardError" } stream
            || stream.Instance?.Type is not { Name: "Process", ContainingNamespace: { Name: "Diagnostics", ContainingNamespace.Name: "System" } }
            || stream.Instance.Syntax is not IdentifierNameSyntax and not MemberAccessExpressionSyntax
            || AsyncContext.EnclosingFunction(invocation.Syntax) is not { } function)
        {
            return false;
        }

        // The same receiver text (`process`, `_process`, `this.child`) waited for or checked earlier in the function.
        var processText = stream.Instance.Syntax.ToString();
        foreach (var node in function.DescendantNodes())
        {
            if (node.SpanStart >= invocation.Syntax.SpanStart)
            {
                break;
            }

            if (node is MemberAccessExpressionSyntax { Name.Identifier.ValueText: "WaitForExit" or "WaitForExitAsync" or "HasExited" } access
                && access.Expression.ToString() == processText
                && (access.Name.Identifier.ValueText == "HasExited" || access.Parent.IsKind(SyntaxKind.InvocationExpression)))
            {
                return true;
            }
        }

        return false;
    }

    private static IOperation? Unwrap(IOperation? operation)
    {
        while (operation is IConversionOperation conversion)
        {
            operation = conversion.Operand;
        }

        return operation;
    }
}
