using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace TailGuard.Analyzers;

/// <summary>
/// A <c>SpinWait</c> struct spinning for a claim another thread has already made, on syntax: the loop's condition (or an <c>if</c>
/// around the loop) reads a local that the same function took from an <c>Interlocked</c> operation.
/// <code>
/// var ticket = Interlocked.Increment(ref _reserved);
/// var spinner = new SpinWait();
/// while (Volatile.Read(ref _published) != ticket - 1) spinner.SpinOnce();   // the predecessor's next statement publishes
///
/// var id = Interlocked.Increment(ref _nextId);
/// if (id == 0) { while (Volatile.Read(ref _wrapping) != 0) spinner.SpinOnce(); }  // once per 2^32 ids
/// </code>
/// The thread it waits for has passed the same <c>Interlocked</c> step and is between two statements; <c>SpinOnce</c> backs off
/// into yields and sleeps if it is descheduled there. A busy-wait for an event of unknown distance (a flag another component sets
/// when it is done) is none of this and stays reported.
/// </summary>
public static class ClaimWaits
{
    public static bool IsSpinForClaim(StatementSyntax loop)
    {
        if (LoopSyntax.Body(loop) is not { } body || !SpinsSpinWaitStruct(body)
            || AsyncContext.EnclosingFunction(loop) is not { } function)
        {
            return false;
        }

        if (LoopSyntax.Condition(loop) is { } condition && ReadsClaim(condition, function, loop))
        {
            return true;
        }

        for (var current = loop.Parent; current is not null && current != function; current = current.Parent)
        {
            if (current is IfStatementSyntax ifStatement && ifStatement.Statement.Span.Contains(loop.Span) && ReadsClaim(ifStatement.Condition, function, loop))
            {
                return true;
            }
        }

        return false;
    }

    private static bool SpinsSpinWaitStruct(SyntaxNode body)
    {
        foreach (var node in body.DescendantNodesAndSelf())
        {
            if (node is InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax { Name.Identifier.ValueText: "SpinOnce" } })
            {
                return true;
            }
        }

        return false;
    }

    private static bool ReadsClaim(ExpressionSyntax condition, SyntaxNode function, StatementSyntax loop)
    {
        foreach (var node in condition.DescendantNodesAndSelf())
        {
            if (node is IdentifierNameSyntax identifier && IsClaimLocal(identifier.Identifier.ValueText, function, loop))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>A local declared before the loop in the same function with an <c>Interlocked.Xxx(...)</c> initializer, and never assigned.</summary>
    private static bool IsClaimLocal(string name, SyntaxNode function, StatementSyntax loop)
    {
        var claimed = false;
        foreach (var node in function.DescendantNodes())
        {
            switch (node)
            {
                case VariableDeclaratorSyntax { Initializer.Value: { } value } declarator
                    when declarator.Identifier.ValueText == name && declarator.SpanStart < loop.SpanStart:
                    claimed = IsInterlockedCall(value);
                    break;
                case AssignmentExpressionSyntax { Left: IdentifierNameSyntax left } when left.Identifier.ValueText == name:
                    return false;
            }
        }

        return claimed;
    }

    private static bool IsInterlockedCall(ExpressionSyntax value)
    {
        while (value is CastExpressionSyntax or ParenthesizedExpressionSyntax or BinaryExpressionSyntax)
        {
            value = value switch
            {
                CastExpressionSyntax cast => cast.Expression,
                ParenthesizedExpressionSyntax parenthesized => parenthesized.Expression,
                _ => ((BinaryExpressionSyntax)value).Left,
            };
        }

        return value is InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax { Expression: var owner } }
            && owner is IdentifierNameSyntax { Identifier.ValueText: "Interlocked" } or MemberAccessExpressionSyntax { Name.Identifier.ValueText: "Interlocked" };
    }
}
