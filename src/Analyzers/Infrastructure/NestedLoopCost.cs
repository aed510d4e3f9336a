using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace TailGuard.Analyzers;

/// <summary>
/// Two shapes of nested loop that are not "non-constant times non-constant" (TG2001), on syntax:
/// <list type="bullet">
/// <item>a logarithmic loop: its condition reads a variable that the body only divides or shifts by a constant
/// (<c>while (value &gt;= 0x80) { buffer[n++] = (byte)(value | 0x80); value &gt;&gt;= 7; }</c>, <c>while (v &gt; 9) { v /= 10; digits++; }</c>):
/// at most 64 iterations for any integer;</item>
/// <item>a traversal of the outer loop's element: the inner loop runs over the element the outer loop is at
/// (<c>foreach (var key in keys) foreach (var c in key.Name)</c>, <c>for (j = 0; j &lt; key.Length; j++)</c>, <c>items[i].Bytes</c>): together
/// they visit each piece of the input once, linear in the value being encoded, not quadratic.</item>
/// </list>
/// </summary>
public static class NestedLoopCost
{
    /// <summary>The iterations a logarithmic loop can make at most: the bits of a 64-bit integer.</summary>
    public const int LogarithmicBound = 64;

    public static bool IsLogarithmic(StatementSyntax loop)
    {
        if (LoopSyntax.Condition(loop) is not { } condition || LoopSyntax.Body(loop) is not { } body)
        {
            return false;
        }

        // A for loop's step is in its incrementors: for (var rest = n; rest >= 10; rest /= 10) digits++;
        SyntaxNode steps = loop is ForStatementSyntax forLoop ? forLoop : body;
        foreach (var identifier in condition.DescendantNodesAndSelf().OfType<IdentifierNameSyntax>())
        {
            if (OnlyShrinksGeometrically(steps, identifier.Identifier.ValueText))
            {
                return true;
            }
        }

        return false;
    }

    private static bool OnlyShrinksGeometrically(SyntaxNode body, string name)
    {
        var shrinks = false;
        foreach (var node in body.DescendantNodesAndSelf())
        {
            switch (node)
            {
                case AssignmentExpressionSyntax { Left: IdentifierNameSyntax left } assignment when left.Identifier.ValueText == name:
                    if (!IsGeometricStep(assignment, name))
                    {
                        return false;
                    }

                    shrinks = true;
                    break;
                case PrefixUnaryExpressionSyntax { Operand: IdentifierNameSyntax operand } when operand.Identifier.ValueText == name
                    && node.Kind() is SyntaxKind.PreIncrementExpression or SyntaxKind.PreDecrementExpression:
                case PostfixUnaryExpressionSyntax { Operand: IdentifierNameSyntax postfix } when postfix.Identifier.ValueText == name:
                case ArgumentSyntax { Expression: IdentifierNameSyntax argument } refArgument when argument.Identifier.ValueText == name
                    && !refArgument.RefKindKeyword.IsKind(SyntaxKind.None):
                    return false;
            }
        }

        return shrinks;
    }

    /// <summary><c>x /= k</c>, <c>x &gt;&gt;= k</c>, <c>x &gt;&gt;&gt;= k</c>, <c>x = x / k</c>, <c>x = x &gt;&gt; k</c> with a literal <c>k</c> (2 or more for division, 1 or more for shifts).</summary>
    private static bool IsGeometricStep(AssignmentExpressionSyntax assignment, string name)
    {
        switch (assignment.Kind())
        {
            case SyntaxKind.DivideAssignmentExpression:
                return IsLiteralAtLeast(assignment.Right, 2);
            case SyntaxKind.RightShiftAssignmentExpression or SyntaxKind.UnsignedRightShiftAssignmentExpression:
                return IsLiteralAtLeast(assignment.Right, 1);
            case SyntaxKind.SimpleAssignmentExpression:
                var right = assignment.Right;
                while (right is ParenthesizedExpressionSyntax or CastExpressionSyntax)
                {
                    right = right is ParenthesizedExpressionSyntax p ? p.Expression : ((CastExpressionSyntax)right).Expression;
                }

                return right is BinaryExpressionSyntax { Left: IdentifierNameSyntax operand } binary
                    && operand.Identifier.ValueText == name
                    && (binary.Kind() is SyntaxKind.DivideExpression ? IsLiteralAtLeast(binary.Right, 2)
                        : binary.Kind() is SyntaxKind.RightShiftExpression or SyntaxKind.UnsignedRightShiftExpression && IsLiteralAtLeast(binary.Right, 1));
            default:
                return false;
        }
    }

    private static bool IsLiteralAtLeast(ExpressionSyntax expression, long minimum)
        => expression is LiteralExpressionSyntax { Token.Value: var value } && value is int or long or uint or ulong
            && System.Convert.ToDecimal(value, System.Globalization.CultureInfo.InvariantCulture) >= minimum;

    /// <summary>True when <paramref name="inner"/> runs over the element <paramref name="outer"/> is at.</summary>
    public static bool TraversesOuterElement(StatementSyntax inner, StatementSyntax outer)
    {
        var element = outer switch
        {
            ForEachStatementSyntax forEach => forEach.Identifier.ValueText,
            _ => null,
        };
        var index = outer is ForStatementSyntax { Declaration.Variables: { Count: 1 } variables } ? variables[0].Identifier.ValueText : null;
        if (element is null && index is null)
        {
            return false;
        }

        var range = inner switch
        {
            CommonForEachStatementSyntax forEach => forEach.Expression,
            ForStatementSyntax { Condition: BinaryExpressionSyntax { Right: var limit } condition }
                when condition.Kind() is SyntaxKind.LessThanExpression or SyntaxKind.LessThanOrEqualExpression => limit,
            _ => null,
        };
        return range is not null && IsRootedIn(range, element, index);
    }

    /// <summary><c>element</c>, <c>element.Name</c>, <c>element.Name.Length</c>, <c>items[index].Bytes</c>, ...</summary>
    private static bool IsRootedIn(ExpressionSyntax expression, string? element, string? index)
    {
        while (true)
        {
            switch (expression)
            {
                case MemberAccessExpressionSyntax access:
                    expression = access.Expression;
                    continue;
                case ParenthesizedExpressionSyntax parenthesized:
                    expression = parenthesized.Expression;
                    continue;
                case ElementAccessExpressionSyntax { ArgumentList.Arguments: { Count: 1 } arguments }
                    when index is not null && arguments[0].Expression is IdentifierNameSyntax argument && argument.Identifier.ValueText == index:
                    return true;
                case IdentifierNameSyntax identifier:
                    return element is not null && identifier.Identifier.ValueText == element;
                default:
                    return false;
            }
        }
    }
}
